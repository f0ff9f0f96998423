"""The CRF person-name tagger (extractor/ner.py) and its shipped model."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from extractor import ner

ZWNJ = "\u200c"
DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"
RULES = Path(__file__).resolve().parents[1] / "rules"
# Measured 72.0 F1 (P 76.0, R 68.4) with the shipped model; see extractor/models/README.md.
PEYMA_DEV_F1_FLOOR = 0.69


@pytest.fixture(scope="module")
def tagger() -> ner.PersonTagger:
    return ner.PersonTagger.load()


def names(tagger: ner.PersonTagger, sentence: str) -> list[str]:
    tokens = sentence.split()
    return [" ".join(tokens[i:j]) for i, j in tagger.spans(tokens)]


# Invented press-release sentences, pre-tokenized (punctuation spaced out).
@pytest.mark.parametrize(
    ("sentence", "person"),
    [
        ("به گزارش ایسنا ، محمد احمدی فرماندار شهرستان گفت : کار ادامه دارد .", "محمد احمدی"),
        ("دکتر علیرضا کریمی ، مدیرکل آموزش و پرورش استان ، در این نشست گفت که مدارس باید بازگشایی شوند .",
         "علیرضا کریمی"),
        (f"خانم فاطمه رضایی{ZWNJ}نژاد ، معاون وزیر بهداشت ، از افتتاح بیمارستان خبر داد .",
         f"فاطمه رضایی{ZWNJ}نژاد"),
        (f"حجت{ZWNJ}الاسلام والمسلمین حسن رحیمی امام جمعه شهر در خطبه{ZWNJ}های نماز جمعه گفت : "
         "باید به مردم خدمت کنیم .", "حسن رحیمی"),
        ("سردار حسین اشتری فرمانده نیروی انتظامی گفت : امنیت پایدار است .", "حسین اشتری"),
    ],
)
def test_ner_finds_the_person_and_not_the_title(tagger, sentence, person):
    found = names(tagger, sentence)
    assert found == [person]
    for word in ("دکتر", "خانم", "سردار", "فرماندار", "مدیرکل", "معاون", "فرمانده", "امام"):
        assert all(word not in f.split() for f in found)


@pytest.mark.parametrize(
    "sentence",
    [
        f"استاندار کرمانشاه در جلسه شورای اداری بر لزوم پیگیری طرح{ZWNJ}ها تأکید کرد .",
        f"رئیس{ZWNJ}جمهور و وزیر کشور از طرح{ZWNJ}های عمرانی استان بازدید کردند .",
    ],
)
def test_ner_role_mentions_are_not_persons(tagger, sentence):
    assert names(tagger, sentence) == []


def test_ner_tag_returns_person_iob_labels(tagger):
    tokens = ["به", "گزارش", "ایسنا", "،", "محمد", "احمدی", "فرماندار", "شهرستان", "گفت", "."]
    labels = tagger.tag(tokens)
    assert len(labels) == len(tokens)
    assert set(labels) <= {"B-PER", "I-PER", "O"}
    assert tagger.tag([]) == []


def test_ner_fold_token_unifies_spellings():
    assert ner.fold_token("علي") == ner.fold_token("علی")
    assert ner.fold_token("كريمي") == "کریمی"
    assert ner.fold_token("۱۴۰۲") == ner.fold_token("١٤٠٢") == "1402"
    assert ner.fold_token(f"روح{ZWNJ}الله") == "روح الله"


def test_ner_features_see_speech_cues_verbs_and_neighbour_pos():
    feat = ner.Featurizer(ner.Lexicons.load())
    rows, _ = feat.analyse(["جلالی", "با", "اشاره", "به", "این", "موضوع", "گفت", ":", "کار", "ادامه", "دارد"])
    assert {"1spk", "1spkB", "2spkI"} <= set(rows[0])  # «با اشاره به» follows the name
    assert "spk" in rows[6] and "-1spk" in rows[7]  # «گفت»
    assert any(f.startswith("1hzp=") for f in rows[0])  # the next word's part of speech
    past, present = ner._hazm_verbs()
    if past:  # hazm present
        assert "verb=past" in rows[6]
        assert ner._verb_form("میگوید", past, present) == "pres"
        assert ner._verb_form("افزود", past, present) == "past"
        assert ner._verb_form("با", past, present) is None  # not «ب» + the stem «ا»
        assert ner._verb_form("کریمی", past, present) is None
    empty = ner.Featurizer(ner.Lexicons())
    assert not any("spk" in f or "verb" in f for row in empty.sentence(["علی", "گفت"]) for f in row)


def test_ner_role_words_alone_are_not_persons(tagger):
    tokens = ["بیانات", "رهبری", "را", "منعکس", "کردند", "."]
    _, in_title = tagger._feat.analyse(tokens)
    assert in_title[1]
    assert ner.drop_title_spans(["O", "B-PER", "O", "O", "O", "O"], in_title) == ["O"] * 6
    assert tagger.spans(tokens) == []


def test_ner_iob_spans_follow_conlleval():
    assert ner.iob_spans(["B-PER", "I-PER", "O", "I-PER", "B-PER", "B-PER", "I-PER"]) == [
        (0, 2), (3, 4), (4, 5), (5, 7)]
    assert ner.iob_spans(["B_PER", "I_PER", "B-pers", "I-ORG"]) == [(0, 2), (2, 3)]
    gold, pred = [["B-PER", "I-PER", "O", "B-PER"]], [["B-PER", "O", "O", "B-PER"]]
    score = ner.score_spans(gold, pred)
    assert (score.tp, score.fp, score.fn) == (1, 1, 1)


def test_ner_read_tagged_keeps_spaces_inside_peyma_tokens(tmp_path):
    path = tmp_path / "peyma.txt"
    path.write_text("می شود|O\n||O\nعلی|B_PER\n\nدوم|O\n", encoding="utf-8")
    sentences = list(ner.read_tagged(path, "|"))
    assert sentences == [[("می شود", "O"), ("|", "O"), ("علی", "B_PER")], [("دوم", "O")]]
    assert ner.person_labels(["O", "B_PER", "I_PER", "B-pers", "B_ORG"]) == ["O", "B-PER", "I-PER", "B-PER", "O"]


def test_ner_works_without_rule_files(tmp_path):
    lex = ner.Lexicons.load(tmp_path)  # an empty folder: no rules files at all
    assert len(lex.first_names) == 0 and len(lex.titles) == 0
    tagger = ner.PersonTagger.load(lexicons=lex)
    assert len(tagger.tag(["محمد", "احمدی", "گفت", "."])) == 4


def test_ner_train_writes_a_model_that_loads(tmp_path):
    sentences = [[("علی", "B-PER"), ("رضایی", "I-PER"), ("گفت", "O")],
                 [("مریم", "B-PER"), ("احمدی", "I-PER"), ("آمد", "O")],
                 [("تهران", "B-LOC"), ("بزرگ", "O"), ("است", "O")]] * 5
    path = tmp_path / "tiny.crfsuite"
    ner.train(sentences, path, max_iterations=20, lexicons=ner.Lexicons())
    tiny = ner.PersonTagger.load(path, lexicons=ner.Lexicons())
    assert tiny.tag(["علی", "رضایی", "گفت"]) == ["B-PER", "I-PER", "O"]
    with pytest.raises(FileNotFoundError, match="train_person_crf"):
        ner.PersonTagger.load(tmp_path / "missing.crfsuite")


@pytest.mark.parametrize("name", ["first_names", "surname_affixes"])
def test_ner_rule_files_have_header_and_persian_letters(name):
    text = (RULES / f"{name}.txt").read_text(encoding="utf-8")
    header = [line for line in text.splitlines() if line.startswith("#")]
    assert f"# name: {name}" in header and "# version: 1" in header
    rows = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    words = [r.split("\t")[0] for r in rows]
    assert not any(c in w for w in words for c in "يك"), "use Persian ی/ک"
    assert all(re.fullmatch(r"[\u0600-\u06ff\u200c]+", w) for w in words)
    assert not any(w.startswith(ZWNJ) or w.endswith(ZWNJ) for w in words)
    assert len(set(rows)) == len(rows)
    if name == "first_names":
        assert len(words) >= 400
        assert {"محمدرضا", f"علی{ZWNJ}اکبر", "عبدالرضا", f"موسی{ZWNJ}الرضا", "فاطمه"} <= set(words)
        assert "سید" not in words  # an honorific, not a given name
    else:
        assert all(r.split("\t")[1] in {"suffix", "prefix"} for r in rows)


@pytest.mark.skipif(not (DATA / "ner" / "peyma" / "dev.txt").is_file(), reason="needs ../shared/data")
def test_ner_peyma_dev_quality_floor(tagger):
    sentences = list(ner.read_tagged(DATA / "ner" / "peyma" / "dev.txt", "|"))
    gold = [ner.person_labels([t for _, t in s]) for s in sentences]
    pred = [tagger.tag([w for w, _ in s]) for s in sentences]
    score = ner.score_spans(gold, pred)
    assert score.tp + score.fn == 370  # PER entities in PEYMA dev
    assert score.f1 >= PEYMA_DEV_F1_FLOOR, f"PEYMA dev PER F1 {score.f1:.3f} < floor {PEYMA_DEV_F1_FLOOR}"
