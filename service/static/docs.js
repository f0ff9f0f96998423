// Renders /openapi.json as a list of endpoints: method, path, summary, parameters, request body.
"use strict";

(async function () {
  const target = document.getElementById("endpoints");
  const el = (tag, text, cls) => {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  };
  let spec;
  try {
    spec = await (await fetch("/openapi.json")).json();
  } catch (err) {
    target.textContent = "Could not load /openapi.json: " + err;
    return;
  }
  document.getElementById("intro").appendChild(el("pre", spec.info.description || ""));
  target.textContent = "";
  for (const [path, item] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const box = el("section", undefined, "card endpoint");
      const head = el("h2");
      head.appendChild(el("span", method.toUpperCase(), "method " + method));
      head.appendChild(el("code", " " + path));
      box.appendChild(head);
      if (op.summary) box.appendChild(el("p", op.summary));
      if (op.description) box.appendChild(el("p", op.description, "muted"));
      const params = op.parameters || [];
      if (params.length) {
        const list = el("ul");
        for (const p of params) {
          const schema = p.schema || {};
          const type = schema.type || (schema.anyOf || []).map((s) => s.type || (s.enum || []).join("|")).join(" or ");
          list.appendChild(el("li", `${p.name} (${p.in}${p.required ? ", required" : ""}) ${type || ""} ${p.description || ""}`));
        }
        box.appendChild(el("h3", "Parameters"));
        box.appendChild(list);
      }
      if (op.requestBody) {
        box.appendChild(el("h3", "Body: " + Object.keys(op.requestBody.content || {}).join(", ")));
      }
      box.appendChild(el("p", "Responses: " + Object.keys(op.responses || {}).join(", "), "muted"));
      target.appendChild(box);
    }
  }
})();
