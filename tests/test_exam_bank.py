"""Question banks: the file formats on their own, and the bank's pages."""

import io
import re
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.exams import formats
from lms.exams.formats import QuestionType as T
from lms.exams.models import (
    Attempt,
    AttemptQuestion,
    Exam,
    Question,
    QuestionCategory,
)
from lms.extensions import db

D = Decimal

GOOD_GIFT = r"""// Moodle export
$CATEGORY: $course$/top/Dasar ASN

::Ibu kota::Ibu kota Sulawesi Selatan? {=Makassar#Tepat ~Manado#Bukan ~Kendari}

// poin: 2
::Nilai::Nilai dasar ASN? {~%50%Akuntabel ~%50%Kompeten ~%-100%Otoriter####Lihat BerAKHLAK}

NIP terdiri atas 18 digit. {T#Periksa lagi#Betul}

Singkatan BKPSDM? {=BKPSDM =Badan Kepegawaian}

$CATEGORY: Hitungan

Nilai pi? {#3.14:0.01}

Antara satu dan lima {#1..5}

Jelaskan\: pelayanan \{prima\}\nbaris dua. {####Dinilai manual}

Pertanyaan
di dua baris {=ya ~tidak}
"""


def gift(text: str):
    return formats.parse_gift(text, default_category="Umum")


def keys(questions):
    return [q.key() for q in questions]


# GIFT ---------------------------------------------------------------------------------------


def test_gift_reads_every_type():
    questions, errors = gift(GOOD_GIFT)
    assert errors == []
    by_text = {q.text: q for q in questions}
    assert [q.type for q in questions] == [
        T.SINGLE,
        T.MULTIPLE,
        T.TRUE_FALSE,
        T.SHORT,
        T.NUMERIC,
        T.NUMERIC,
        T.ESSAY,
        T.SINGLE,
    ]
    single = questions[0]
    assert (single.title, single.category, single.points) == ("Ibu kota", "Dasar ASN", D(1))
    assert [(o.text, o.fraction, o.feedback) for o in single.options] == [
        ("Makassar", 1, "Tepat"),
        ("Manado", 0, "Bukan"),
        ("Kendari", 0, ""),
    ]
    multiple = questions[1]
    assert multiple.points == 2 and multiple.feedback == "Lihat BerAKHLAK"
    assert [o.fraction for o in multiple.options] == [D("0.5"), D("0.5"), D(-1)]
    tf = questions[2]
    assert [(o.text, o.fraction, o.feedback) for o in tf.options] == [
        ("true", 1, "Betul"),
        ("false", 0, "Periksa lagi"),
    ]
    assert [o.text for o in questions[3].options] == ["BKPSDM", "Badan Kepegawaian"]
    assert questions[4].category == "Hitungan"
    assert (questions[4].options[0].text, questions[4].options[0].tolerance) == ("3.14", D("0.01"))
    assert (questions[5].options[0].text, questions[5].options[0].tolerance) == ("3", D(2))
    essay = by_text["Jelaskan: pelayanan {prima}\nbaris dua."]
    assert essay.options == [] and essay.feedback == "Dinilai manual"
    assert questions[-1].text == "Pertanyaan\ndi dua baris" and questions[-1].line == 21
    assert questions[0].line == 4


BROKEN_GIFT = """Baik {=a ~b}

Tidak ditutup {=a ~b

Tanpa jawaban benar {~a ~b}

Jenis aneh {abc}

::Kosong:: {=a ~b}

Tanpa blok jawaban

Tunggal parsial {=a ~%50%b}

Jumlah salah {~%50%a ~%20%b}

Juga baik {T}
"""


def test_gift_reports_each_broken_question_with_its_line():
    questions, errors = gift(BROKEN_GIFT)
    assert [q.text for q in questions] == ["Baik", "Juga baik"]
    assert [line for line, _reason in errors] == [3, 5, 7, 9, 11, 13, 15]
    reasons = dict(errors)
    assert "}" in reasons[3]
    assert "right" in reasons[5]
    assert "=, ~, #" in reasons[7]
    assert "no text" in reasons[9]
    assert "50" in reasons[15] or "70" in reasons[15]


def test_gift_export_then_import_gives_the_same_questions():
    questions, _ = gift(GOOD_GIFT)
    text = formats.to_gift(questions)
    again, errors = gift(text)
    assert errors == []
    assert keys(again) == keys(questions)


def test_gift_escapes_survive_the_round_trip():
    q = formats.QuestionData(
        T.SHORT,
        "Rumus: a = b ~ c # {x}\n\nParagraf \\ dua",
        title="Judul: satu",
        category="Umum",
        options=[formats.OptionData("x=1", D(1), feedback="bagus # sekali")],
    )
    text = formats.to_gift([q])
    assert "\n\n" not in text.split("\n", 2)[2]  # one question, one line
    again, errors = gift(text)
    assert errors == [] and keys(again) == keys([q])


def test_points_comment_that_is_not_a_number_is_reported():
    _q, errors = gift("// poin: dua\nSoal {T}\n")
    assert [line for line, _r in errors] == [2]


# Aiken --------------------------------------------------------------------------------------

GOOD_AIKEN = """Ibu kota Sulawesi Selatan adalah
A. Makassar
B. Manado
C) Kendari
ANSWER: A

Warna bendera?
A. Merah putih
B. Biru
ANSWER: a
"""


def test_aiken_reads_single_choice_questions():
    questions, errors = formats.parse_aiken(GOOD_AIKEN, "Umum")
    assert errors == []
    assert [q.type for q in questions] == [T.SINGLE, T.SINGLE]
    assert [(o.text, o.fraction) for o in questions[0].options] == [
        ("Makassar", 1),
        ("Manado", 0),
        ("Kendari", 0),
    ]
    assert questions[1].options[0].fraction == 1 and questions[1].line == 7
    assert {q.category for q in questions} == {"Umum"}


def test_aiken_reports_missing_and_unknown_answers():
    text = """Tanpa kunci
A. satu
B. dua

Kunci di luar opsi
A. satu
B. dua
ANSWER: D

Baik
A. ya
B. tidak
ANSWER: B

Dua kunci
A. satu
B. dua
ANSWER: A, B

Tanpa opsi
ANSWER: A

Terakhir tanpa kunci
A. x
B. y
"""
    questions, errors = formats.parse_aiken(text, "Umum")
    assert [q.text for q in questions] == ["Baik"]
    assert [line for line, _r in errors] == [1, 5, 15, 20, 23]
    assert "D" in dict(errors)[5]


# XLSX ---------------------------------------------------------------------------------------


def workbook(rows, header=formats.COLUMNS) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(list(header))
    for row in rows:
        ws.append(row)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def row(**cells):
    names = {c: i for i, c in enumerate(formats.COLUMNS)}
    values = [None] * len(formats.COLUMNS)
    for key, value in cells.items():
        values[names[key.replace("_", " ")]] = value
    return values


def test_xlsx_reads_each_type_and_reports_bad_rows():
    data = workbook(
        [
            row(
                Kategori="A", Jenis="tunggal", Pertanyaan="Satu?", Opsi_A="x", Opsi_B="y", Kunci="B"
            ),
            row(
                Jenis="Jamak",
                Pertanyaan="Dua?",
                Poin=2,
                Opsi_A="x",
                Opsi_B="y",
                Opsi_C="z",
                Kunci="A, C",
            ),
            row(Jenis="benar-salah", Pertanyaan="Tiga?", Kunci="Salah"),
            row(Jenis="isian", Pertanyaan="Empat?", Opsi_A="Makassar", Opsi_B="Mks"),
            row(Jenis="angka", Pertanyaan="Lima?", Kunci=3.5, Toleransi=0.5),
            row(Jenis="esai", Pertanyaan="Enam?", Poin="5", Umpan_balik="Manual"),
            row(Jenis="pilihan aneh", Pertanyaan="Tujuh?"),
            row(Jenis="tunggal", Pertanyaan="Delapan?", Opsi_A="x", Opsi_B="y"),
            row(Jenis="tunggal", Pertanyaan="Sembilan?", Opsi_A="x", Opsi_B="y", Kunci="E"),
            row(Jenis="angka", Pertanyaan="Sepuluh?"),
            row(Jenis="jamak", Pertanyaan="Sebelas?", Opsi_A="x", Opsi_B="y", Kunci="A=50; B=20"),
            [None] * len(formats.COLUMNS),
            row(Jenis="tunggal", Pertanyaan="", Opsi_A="x", Opsi_B="y", Kunci="A"),
        ]
    )
    questions, errors = formats.parse_xlsx(data, "Umum")
    assert [q.type for q in questions] == [
        T.SINGLE,
        T.MULTIPLE,
        T.TRUE_FALSE,
        T.SHORT,
        T.NUMERIC,
        T.ESSAY,
    ]
    assert [line for line, _r in errors] == [8, 9, 10, 11, 12, 14]
    assert "pilihan aneh" in dict(errors)[8]
    single, multiple, tf, short, numeric, essay = questions
    assert single.category == "A" and multiple.category == "Umum"
    assert [o.fraction for o in single.options] == [0, 1]
    assert [o.fraction for o in multiple.options] == [D("0.5"), 0, D("0.5")]
    assert [(o.text, o.fraction) for o in tf.options] == [("true", 0), ("false", 1)]
    assert [o.text for o in short.options] == ["Makassar", "Mks"]
    assert (numeric.options[0].text, numeric.options[0].tolerance) == ("3.5", D("0.5"))
    assert (essay.points, essay.feedback, essay.options) == (D(5), "Manual", [])


def test_xlsx_export_then_import_gives_the_same_questions():
    questions, _ = gift(GOOD_GIFT)
    for q in questions:  # option feedback is GIFT's alone
        for o in q.options:
            o.feedback = ""
    again, errors = formats.parse_xlsx(formats.to_xlsx(questions), "Umum")
    assert errors == []
    assert keys(again) == keys(questions)


def test_xlsx_keeps_text_that_looks_like_a_formula():
    q = formats.QuestionData(
        T.SHORT, "=1+1", category="Umum", options=[formats.OptionData("=2", D(1))]
    )
    again, errors = formats.parse_xlsx(formats.to_xlsx([q]), "Umum")
    assert errors == [] and again[0].text == "=1+1" and again[0].options[0].text == "=2"


def test_xlsx_that_is_not_a_workbook_or_lacks_columns_is_refused():
    with pytest.raises(formats.XlsxProblem):
        formats.parse_xlsx(b"PK\x03\x04 broken", "Umum")
    with pytest.raises(formats.XlsxProblem):
        formats.parse_xlsx(workbook([["x"]], header=["Nama"]), "Umum")


def test_the_template_has_the_columns_and_no_question():
    data = formats.template_xlsx()
    wb = load_workbook(io.BytesIO(data))
    assert [c.value for c in wb["Soal"][1]] == formats.COLUMNS
    assert "Petunjuk" in wb.sheetnames
    assert formats.parse_xlsx(data, "Umum") == ([], [])


def test_multiple_choice_shares_must_add_up_and_may_be_negative():
    def mc(*fractions):
        options = [formats.OptionData(f"o{i}", D(f)) for i, f in enumerate(fractions)]
        return formats.problem(formats.QuestionData(T.MULTIPLE, "Soal", options=options))

    assert mc("0.5", "0.5", "-1") is None
    assert mc("0.33333", "0.33333", "0.33333", "0") is None
    assert mc("0.5", "0.4") is not None
    assert mc("0", "-0.5") is not None


# Pages --------------------------------------------------------------------------------------


@pytest.fixture
def partner_setup(make_user, make_institution, make_course):
    inst = make_institution("Universitas Hasanuddin")
    partner = make_user("Mitra", email="mitra@unhas.id", roles=(Role.PARTNER,), institution=inst)
    course = make_course("Etika ASN", institution=inst, state="draft", slug="etika-asn")
    return partner, course


@pytest.fixture
def author(client, partner_setup):
    assert client.login("mitra@unhas.id").status_code == 302
    return client


def bank_url(course, rest=""):
    return f"/ujian/bank/{course.slug}{rest}"


def add_category(course, name="Umum") -> QuestionCategory:
    category = QuestionCategory(course_id=course.id, name=name)
    db.session.add(category)
    db.session.commit()
    return category


def question_form(category_id, **extra):
    """What a browser sends: every option row, the empty ones too."""
    data = {"category_id": str(category_id), "text": "Soal?", "points": "1", "title": ""}
    for i in range(formats.MAX_OPTIONS):
        for name in ("text", "percent", "feedback"):
            data[f"options-{i}-{name}"] = ""
    data.update(extra)
    return data


def test_bank_page_lists_categories_and_questions(author, partner_setup):
    _partner, course = partner_setup
    category = add_category(course, "Dasar ASN")
    response = author.post_form(
        bank_url(course, "/soal/baru?jenis=single"),
        question_form(
            category.id,
            text="Ibu kota **Sulsel**?",
            **{"options-0-text": "Makassar", "options-1-text": "Manado", "right": "0"},
        ),
    )
    assert response.status_code == 302
    html = author.get(bank_url(course)).get_data(as_text=True)
    assert "Dasar ASN" in html and "Ibu kota Sulsel?" in html


@pytest.mark.parametrize(
    "qtype,fields,expected",
    [
        (
            "single",
            {"options-0-text": "a", "options-1-text": "b", "options-2-text": "c", "right": "1"},
            [("a", 0), ("b", 1), ("c", 0)],
        ),
        (
            "multiple",
            {
                "options-0-text": "a",
                "options-0-percent": "50",
                "options-1-text": "b",
                "options-1-percent": "50",
                "options-2-text": "c",
                "options-2-percent": "-100",
            },
            [("a", D("0.5")), ("b", D("0.5")), ("c", -1)],
        ),
        ("truefalse", {"right": "false"}, [("true", 0), ("false", 1)]),
        (
            "short",
            {"options-0-text": "Makassar", "options-2-text": "mks"},
            [("Makassar", 1), ("mks", 1)],
        ),
        ("numeric", {"value": "3,14", "tolerance": "0,01"}, [("3.14", 1)]),
        ("essay", {}, []),
    ],
)
def test_each_type_is_created_through_the_form(author, partner_setup, qtype, fields, expected):
    _partner, course = partner_setup
    category = add_category(course)
    response = author.post_form(
        bank_url(course, f"/soal/baru?jenis={qtype}"),
        question_form(category.id, points="2,5", feedback="Lihat modul 1", **fields),
    )
    assert response.status_code == 302
    question = db.session.scalar(select(Question))
    assert question.type == qtype and question.points == D("2.5")
    assert question.feedback == "Lihat modul 1"
    assert [(o.text, o.fraction) for o in question.options] == expected
    if qtype == "numeric":
        assert question.options[0].tolerance == D("0.01")


@pytest.mark.parametrize(
    "qtype,fields",
    [
        ("single", {"options-0-text": "a", "options-1-text": "b"}),  # no right option
        ("single", {"options-0-text": "a", "right": "0"}),  # one option
        ("multiple", {"options-0-text": "a", "options-0-percent": "60", "options-1-text": "b"}),
        ("truefalse", {}),
        ("short", {}),
        ("numeric", {"value": "tiga"}),
    ],
)
def test_an_invalid_question_is_not_saved(author, partner_setup, qtype, fields):
    _partner, course = partner_setup
    category = add_category(course)
    response = author.post_form(
        bank_url(course, f"/soal/baru?jenis={qtype}"), question_form(category.id, **fields)
    )
    assert response.status_code == 422
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_editing_a_question_shows_and_replaces_its_values(author, partner_setup):
    _partner, course = partner_setup
    category = add_category(course)
    other = add_category(course, "Lanjut")
    author.post_form(
        bank_url(course, "/soal/baru?jenis=single"),
        question_form(
            category.id, **{"options-0-text": "lama", "options-1-text": "b", "right": "0"}
        ),
    )
    question = db.session.scalar(select(Question))
    html = author.get(bank_url(course, f"/soal/{question.id}")).get_data(as_text=True)
    assert 'value="lama"' in html and re.search(r'value="0" [^>]*checked', html)
    response = author.post_form(
        bank_url(course, f"/soal/{question.id}"),
        question_form(
            other.id, text="Baru?", **{"options-0-text": "x", "options-1-text": "y", "right": "1"}
        ),
    )
    assert response.status_code == 302
    question = db.session.get(Question, question.id)
    assert question.text == "Baru?" and question.category_id == other.id
    assert [(o.text, o.fraction) for o in question.options] == [("x", 0), ("y", 1)]


def test_question_text_is_sanitised(author, partner_setup):
    _partner, course = partner_setup
    category = add_category(course)
    author.post_form(
        bank_url(course, "/soal/baru?jenis=essay"),
        question_form(category.id, text="Halo <script>alert(1)</script> **tebal**"),
    )
    question = db.session.scalar(select(Question))
    html = author.get(bank_url(course, f"/soal/{question.id}")).get_data(as_text=True)
    assert "<strong>tebal</strong>" in html and "<script>alert" not in html


def test_categories_are_added_and_renamed_uniquely(author, partner_setup):
    _partner, course = partner_setup
    assert author.post_form(bank_url(course, "/kategori"), {"name": "Umum"}).status_code == 302
    assert author.post_form(bank_url(course, "/kategori"), {"name": "umum"}).status_code == 422
    second = add_category(course, "Lanjut")
    author.post_form(bank_url(course, f"/kategori/{second.id}"), {"name": "UMUM"})
    assert db.session.get(QuestionCategory, second.id).name == "Lanjut"
    author.post_form(bank_url(course, f"/kategori/{second.id}"), {"name": "Lanjutan"})
    names = db.session.scalars(select(QuestionCategory.name).order_by(QuestionCategory.id)).all()
    assert names == ["Umum", "Lanjutan"]


def _used_by_an_attempt(question, course, user):
    now = utcnow()
    exam = Exam(course_id=course.id, title="Ujian", created_at=now, updated_at=now)
    attempt = Attempt(exam=exam, user_id=user.id, number=1, started_at=now, deadline=now)
    attempt.questions.append(AttemptQuestion(question_id=question.id, position=1, snapshot={}))
    db.session.add(attempt)
    db.session.commit()


def test_a_used_question_is_retired_an_unused_one_deleted(author, partner_setup, make_user):
    partner, course = partner_setup
    category = add_category(course)
    for text in ("Dipakai", "Tidak dipakai"):
        author.post_form(
            bank_url(course, "/soal/baru?jenis=essay"), question_form(category.id, text=text)
        )
    used, unused = db.session.scalars(select(Question).order_by(Question.id)).all()
    _used_by_an_attempt(used, course, make_user("Peserta"))

    author.post_form(bank_url(course, f"/soal/{unused.id}/hapus"))
    author.post_form(bank_url(course, f"/soal/{used.id}/hapus"))
    remaining = db.session.scalars(select(Question)).all()
    assert [(q.text, q.active) for q in remaining] == [("Dipakai", False)]
    actions = db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions[-2:] == ["question.delete", "question.retire"]

    author.post_form(bank_url(course, f"/soal/{used.id}/aktifkan"))
    assert db.session.get(Question, used.id).active is True


def _upload(client, course, name: str, data: bytes, fmt="auto", category="Umum"):
    return client.post_form(
        bank_url(course, "/impor"),
        {"file": (io.BytesIO(data), name), "format": fmt, "category": category},
        content_type="multipart/form-data",
    )


def _token(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def test_import_previews_errors_and_imports_only_on_confirmation(author, partner_setup, app):
    _partner, course = partner_setup
    response = _upload(author, course, "soal.gift", BROKEN_GIFT.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    for line in (3, 5, 7, 9, 11, 13, 15):
        assert f'<td class="num">{line}</td>' in html
    assert db.session.scalar(select(func.count(Question.id))) == 0
    uploads = Path(app.instance_path, "uploads").rglob("*")
    stored = [p for p in uploads if p.is_file()]
    assert len(stored) == 1

    response = author.post_form(
        bank_url(course, "/impor/simpan"), {"token": _token(html), "accept": "1"}
    )
    assert response.status_code == 302
    texts = db.session.scalars(select(Question.text).order_by(Question.id)).all()
    assert texts == ["Baik", "Juga baik"]
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "bank.import"))
    assert entry.after == {"file": "soal.gift", "format": "gift", "imported": 2, "rejected": 7}
    assert not stored[0].exists()  # the staged upload is gone

    # The same token cannot import twice.
    author.post_form(bank_url(course, "/impor/simpan"), {"token": _token(html), "accept": "1"})
    assert db.session.scalar(select(func.count(Question.id))) == 2


def test_cancelling_an_import_adds_nothing(author, partner_setup):
    _partner, course = partner_setup
    html = _upload(author, course, "soal.txt", GOOD_AIKEN.encode()).get_data(as_text=True)
    author.post_form(bank_url(course, "/impor/simpan"), {"token": _token(html), "cancel": "1"})
    assert db.session.scalar(select(func.count(Question.id))) == 0
    author.post_form(bank_url(course, "/impor/simpan"), {"token": _token(html), "accept": "1"})
    assert db.session.scalar(select(func.count(Question.id))) == 0


def test_an_import_token_is_bound_to_its_author_and_course(
    author, partner_setup, new_client, make_user, make_course
):
    partner, course = partner_setup
    html = _upload(author, course, "soal.gift", GOOD_GIFT.encode()).get_data(as_text=True)
    token = _token(html)
    other_course = make_course("Lain", institution=partner.institution, state="draft")
    author.post_form(bank_url(other_course, "/impor/simpan"), {"token": token, "accept": "1"})
    make_user(
        "Mitra dua", email="mitra2@unhas.id", roles=(Role.PARTNER,), institution=partner.institution
    )
    colleague = new_client()
    colleague.login("mitra2@unhas.id")
    colleague.post_form(bank_url(course, "/impor/simpan"), {"token": token, "accept": "1"})
    forged = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    author.post_form(bank_url(course, "/impor/simpan"), {"token": forged, "accept": "1"})
    assert db.session.scalar(select(func.count(Question.id))) == 0
    author.post_form(bank_url(course, "/impor/simpan"), {"token": token, "accept": "1"})
    assert db.session.scalar(select(func.count(Question.id))) == 8


def test_an_unreadable_file_imports_nothing(author, partner_setup):
    _partner, course = partner_setup
    response = _upload(author, course, "soal.xlsx", b"PK\x03\x04 not really")
    assert response.status_code == 200
    assert 'name="token"' not in response.get_data(as_text=True)
    response = _upload(author, course, "soal.gift", b"\x00\x01binary")
    assert 'name="token"' not in response.get_data(as_text=True)


def _bank_keys(course):
    questions = db.session.scalars(
        select(Question).where(Question.course_id == course.id).order_by(Question.id)
    ).all()
    from lms.exams.bank import to_data

    return [to_data(q).key() for q in questions]


@pytest.mark.parametrize("fmt", ["gift", "xlsx"])
def test_export_then_import_through_the_pages(author, partner_setup, make_course, fmt):
    partner, course = partner_setup
    source = GOOD_GIFT
    if fmt == "xlsx":  # XLSX carries no per-option feedback
        for feedback in ("#Tepat", "#Bukan", "#Periksa lagi#Betul"):
            source = source.replace(feedback, "")
    html = _upload(author, course, "soal.gift", source.encode()).get_data(as_text=True)
    author.post_form(bank_url(course, "/impor/simpan"), {"token": _token(html), "accept": "1"})
    original = _bank_keys(course)
    assert len(original) == 8

    exported = author.get(bank_url(course, f"/ekspor.{fmt}"))
    assert exported.status_code == 200 and "attachment" in exported.headers["Content-Disposition"]
    copy = make_course("Salinan", institution=partner.institution, state="draft")
    html = _upload(author, copy, f"ekspor.{fmt}", exported.data).get_data(as_text=True)
    author.post_form(bank_url(copy, "/impor/simpan"), {"token": _token(html), "accept": "1"})
    assert _bank_keys(copy) == original


def test_template_download(author, partner_setup):
    _partner, course = partner_setup
    html = author.get(bank_url(course, "/impor")).get_data(as_text=True)
    assert bank_url(course, "/templat.xlsx") in html and "Opsi A" in html
    response = author.get(bank_url(course, "/templat.xlsx"))
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in wb.worksheets[0][1]] == formats.COLUMNS


def test_admins_may_edit_any_bank(admin_client, partner_setup):
    _partner, course = partner_setup
    assert admin_client.get(bank_url(course)).status_code == 200
    assert (
        admin_client.post_form(bank_url(course, "/kategori"), {"name": "Umum"}).status_code == 302
    )


def _every_url(course, question_id, category_id):
    return [
        ("GET", bank_url(course)),
        ("POST", bank_url(course, "/kategori")),
        ("POST", bank_url(course, f"/kategori/{category_id}")),
        ("GET", bank_url(course, "/soal/baru")),
        ("POST", bank_url(course, "/soal/baru")),
        ("GET", bank_url(course, f"/soal/{question_id}")),
        ("POST", bank_url(course, f"/soal/{question_id}")),
        ("POST", bank_url(course, f"/soal/{question_id}/hapus")),
        ("POST", bank_url(course, f"/soal/{question_id}/aktifkan")),
        ("GET", bank_url(course, "/impor")),
        ("POST", bank_url(course, "/impor")),
        ("POST", bank_url(course, "/impor/simpan")),
        ("GET", bank_url(course, "/templat.xlsx")),
        ("GET", bank_url(course, "/ekspor.gift")),
        ("GET", bank_url(course, "/ekspor.xlsx")),
    ]


def test_others_are_refused_on_every_route(
    partner_setup, new_client, make_user, make_institution, make_course
):
    partner, draft = partner_setup
    published = make_course("Terbit", institution=partner.institution, slug="terbit")
    category = add_category(published)
    question = Question(
        course_id=published.id,
        category_id=category.id,
        type=T.ESSAY,
        text="Soal",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.add(question)
    db.session.commit()
    make_user("Peserta", nip="199001012015031099")
    make_user(
        "Mitra lain", email="lain@kampus.id", roles=(Role.PARTNER,), institution=make_institution()
    )

    anonymous = new_client()
    for method, url in _every_url(published, question.id, category.id):
        response = anonymous.get(url) if method == "GET" else anonymous.post_form(url)
        assert response.status_code == 302 and "/masuk" in response.headers["Location"], url

    for login in ("199001012015031099", "lain@kampus.id"):
        c = new_client()
        assert c.login(login).status_code == 302
        for method, url in _every_url(published, question.id, category.id):
            response = c.get(url) if method == "GET" else c.post_form(url)
            assert response.status_code == 403, (login, url)
        # A draft of another institution is not even told to exist.
        if login == "lain@kampus.id":
            assert c.get(bank_url(draft)).status_code == 404
    assert db.session.get(Question, question.id).active is True


def test_a_question_of_another_course_is_not_found(
    author, partner_setup, make_course, make_institution
):
    _partner, course = partner_setup
    foreign = make_course("Asing", institution=make_institution())
    category = add_category(foreign)
    question = Question(
        course_id=foreign.id,
        category_id=category.id,
        type=T.ESSAY,
        text="Asing",
        created_at=utcnow(),
        updated_at=utcnow(),
    )
    db.session.add(question)
    db.session.commit()
    assert author.get(bank_url(course, f"/soal/{question.id}")).status_code == 404
    assert author.post_form(bank_url(course, f"/soal/{question.id}/hapus")).status_code == 404
    assert (
        author.post_form(bank_url(course, f"/kategori/{category.id}"), {"name": "x"}).status_code
        == 404
    )
