// Directive board: status updates go to PATCH /directives/{id}, guarded by the row's version
// (If-Match) and the page's CSRF token; the login cookie authenticates the call.
"use strict";

(function () {
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  const message = document.getElementById("board-message");

  function say(text, isError) {
    message.textContent = text;
    message.className = isError ? "error" : "notice";
    message.hidden = false;
  }

  async function save(row) {
    const select = row.querySelector(".status-select");
    const button = row.querySelector(".save");
    const status = select.value;
    button.disabled = true;
    try {
      const response = await fetch("/directives/" + encodeURIComponent(row.dataset.id), {
        method: "PATCH",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          "If-Match": '"' + row.dataset.version + '"',
          "X-CSRF-Token": csrf,
        },
        body: JSON.stringify({ status: status }),
      });
      const body = await response.json();
      if (response.ok) {
        row.dataset.version = body.version;
        const label = row.querySelector(".status");
        label.textContent = select.options[select.selectedIndex].textContent;
        label.dataset.status = body.status;
        label.className = "status status-" + body.status;
        row.classList.toggle("overdue", Boolean(body.overdue));
        say("وضعیت ذخیره شد: " + label.textContent, false);
      } else if (response.status === 409) {
        say("این دستور را کس دیگری هم‌زمان تغییر داده است؛ صفحه را دوباره بارگذاری کنید.", true);
      } else {
        say(body.detail || "خطا در ذخیره", true);
      }
    } catch (err) {
      say("ارتباط با سرور برقرار نشد.", true);
    } finally {
      button.disabled = false;
    }
  }

  document.querySelectorAll("#board tbody tr[data-id]").forEach(function (row) {
    row.querySelector(".save").addEventListener("click", function () { save(row); });
  });
})();
