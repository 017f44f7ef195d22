"""Question bank files: GIFT and Aiken (what Moodle users have) and an XLSX template.

Pure functions: a file's text or bytes in -> (questions, errors) out, where each error is
(line or row, reason); questions in -> text or bytes out. Nothing here touches the database.

Two things beyond Moodle's GIFT, both invisible to Moodle (which reads them as comments or as
plain escapes): a comment line `// poin: 2` right before a question sets its points, and `\\n`
in a text is a line break (Moodle's own convention), so Markdown with several paragraphs fits on
one line. True/false questions hold two options whose texts are `true` and `false`.
"""

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from lms.exams.models import QuestionType

TRUE, FALSE = "true", "false"
ONE, ZERO = Decimal(1), Decimal(0)
#: Positive shares of a multiple-choice question must add up to 100 % within this (3 x 33.333).
SUM_TOLERANCE = Decimal("0.0001")
MAX_TITLE = 200
MAX_POINTS = Decimal(1000)
#: As many as the template has columns (Opsi A … Opsi F).
MAX_OPTIONS = 6


@dataclass
class OptionData:
    text: str
    #: Share of the question's points, 1 = 100 %.
    fraction: Decimal = ZERO
    tolerance: Decimal | None = None
    feedback: str = ""


@dataclass
class QuestionData:
    type: QuestionType
    text: str
    title: str = ""
    category: str = ""
    points: Decimal = ONE
    feedback: str = ""
    options: list[OptionData] = field(default_factory=list)
    #: Where it starts in the file it came from (a line, or an XLSX row).
    line: int = 0

    def key(self) -> tuple:
        """What makes two questions the same, for comparing an export with its re-import."""
        return (
            self.type,
            self.category,
            self.title,
            self.text,
            Decimal(self.points).normalize(),
            self.feedback,
            tuple(
                (
                    o.text,
                    Decimal(o.fraction).normalize(),
                    None if o.tolerance is None else Decimal(o.tolerance).normalize(),
                    o.feedback,
                )
                for o in self.options
            ),
        )


Errors = list[tuple[int, str]]


def decimal(value) -> Decimal | None:
    """A number typed by a person (a decimal comma too) or read from a cell; None if not one."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        value = str(value)
    value = str(value).strip().replace(" ", "")
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        number = Decimal(value)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def share(percent: Decimal) -> Decimal:
    """A percentage as the fraction the bank stores (five decimals: 33.333 % -> 0.33333)."""
    return (percent / 100).quantize(Decimal("0.00001"))


def plain(number: Decimal | None) -> str:
    """A Decimal without exponent or trailing zeros: 2, 0.5, 33.333."""
    if number is None:
        return ""
    text = format(Decimal(number).normalize(), "f")
    return text


def problem(q: QuestionData) -> str | None:
    """Why the question cannot be kept, or None: the rules of every way in (form and files)."""
    if not q.text.strip():
        return _("The question has no text.")
    if len(q.title) > MAX_TITLE:
        return _("The title is longer than %(n)s characters.", n=MAX_TITLE)
    if q.points is None or not (ZERO < q.points <= MAX_POINTS):
        return _("The points must be a number above 0 and at most %(n)s.", n=MAX_POINTS)
    opts = q.options
    if len(opts) > MAX_OPTIONS:
        return _("A question has at most %(n)s options or answers.", n=MAX_OPTIONS)
    if any(not o.text.strip() for o in opts):
        return _("An option or answer is empty.")
    if q.type is QuestionType.SINGLE:
        if len(opts) < 2:
            return _("A choice question needs at least two options.")
        right = [o for o in opts if o.fraction == ONE]
        if len(right) != 1:
            return _("A single-choice question needs exactly one right option.")
        if any(o.fraction not in (ZERO, ONE) for o in opts):
            return _(
                "A single-choice question has no partial credit; give every option a share "
                "for a multiple-choice question."
            )
    elif q.type is QuestionType.MULTIPLE:
        if len(opts) < 2:
            return _("A choice question needs at least two options.")
        if any(not (-ONE <= o.fraction <= ONE) for o in opts):
            return _("Each option's share must be between -100 % and 100 %.")
        positive = sum((o.fraction for o in opts if o.fraction > 0), ZERO)
        if positive == 0:
            return _("A multiple-choice question needs at least one right option.")
        if abs(positive - ONE) > SUM_TOLERANCE:
            return _(
                "The positive shares add up to %(sum)s %%, not 100 %%.",
                sum=plain(positive * 100),
            )
    elif q.type is QuestionType.TRUE_FALSE:
        texts = [o.text for o in opts]
        if texts != [TRUE, FALSE] or sorted(o.fraction for o in opts) != [ZERO, ONE]:
            return _("A true/false question needs its right answer: true or false.")
    elif q.type is QuestionType.SHORT:
        if not opts:
            return _("A short-answer question needs at least one accepted answer.")
        if any(o.fraction != ONE for o in opts):
            return _("Every accepted short answer earns the full points; no partial credit.")
    elif q.type is QuestionType.NUMERIC:
        if len(opts) != 1:
            return _("A numeric question needs exactly one right value.")
        if decimal(opts[0].text) is None:
            return _("The right value of a numeric question is not a number.")
        if opts[0].tolerance is None or opts[0].tolerance < 0:
            return _("The tolerance must be a number of 0 or more.")
    elif q.type is QuestionType.ESSAY and opts:
        return _("An essay question has no answer key.")
    return None


def _checked(q: QuestionData, questions: list, errors: Errors) -> None:
    reason = problem(q)
    if reason:
        errors.append((q.line, reason))
    else:
        questions.append(q)


def short_title(text: str, words: int = 8) -> str:
    """The first words of a text, for lists."""
    parts = re.sub(r"[#*_`>]", "", text).split()
    head = " ".join(parts[:words])
    return head + (" …" if len(parts) > words else "")


# GIFT ---------------------------------------------------------------------------------------

SPECIAL = "~=#{}:"
POINTS_COMMENT = re.compile(r"^//\s*(?:poin|points)\s*:\s*(\S+)\s*$", re.IGNORECASE)
CATEGORY_LINE = re.compile(r"^\$CATEGORY:\s*(.*)$")
CATEGORY_PREFIX = re.compile(r"^(?:\$(?:course|system|module|cat\d*)\$/)?(?:top/)?", re.I)


def gift_escape(text: str) -> str:
    out = text.replace("\\", "\\\\")
    for ch in SPECIAL:
        out = out.replace(ch, "\\" + ch)
    return out.replace("\r\n", "\n").replace("\n", "\\n")


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append("\n" if nxt == "n" else nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _find(text: str, target: str, start: int = 0) -> int:
    """The index of the first unescaped `target` at or after `start`, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split_unescaped(text: str, seps: str) -> list[tuple[str, str]]:
    """Split at unescaped separator characters: [(separator, piece), ...]; the first has ''."""
    pieces, sep, start, i = [], "", 0, 0
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] in seps:
            pieces.append((sep, text[start:i]))
            sep, start = text[i], i + 1
        i += 1
    pieces.append((sep, text[start:]))
    return pieces


def _clean_text(raw: str) -> str:
    text = raw.strip()
    for prefix in ("[markdown]", "[plain]", "[moodle]", "[html]"):
        if text.lower().startswith(prefix):
            text = text[len(prefix) :].lstrip()
            break
    return _unescape(text).strip()


class GiftError(ValueError):
    pass


def _weight(piece: str) -> tuple[Decimal | None, str]:
    """Split a leading %50% off an answer."""
    m = re.match(r"^\s*%(-?[0-9]+(?:[.,][0-9]+)?)%", piece)
    if not m:
        return None, piece
    return share(decimal(m.group(1))), piece[m.end() :]


def _answer_and_feedback(piece: str) -> tuple[str, str]:
    at = _find(piece, "#")
    if at < 0:
        return _unescape(piece).strip(), ""
    return _unescape(piece[:at]).strip(), _unescape(piece[at + 1 :]).strip()


def _parse_answers(block: str) -> tuple[QuestionType, list[OptionData], str]:
    """Read the inside of {...}: the type, options and general feedback."""
    general = ""
    at = _find(block, "####")
    if at >= 0:
        block, general = block[:at], _unescape(block[at + 4 :]).strip()
    body = block.strip()
    if not body:
        return QuestionType.ESSAY, [], general
    m = re.fullmatch(r"(TRUE|FALSE|T|F)\s*(.*)", body, re.DOTALL)
    if m:
        right = m.group(1).upper().startswith("T")
        rest = m.group(2).strip()
        wrong_fb = right_fb = ""
        if rest:
            if not rest.startswith("#"):
                raise GiftError(_("Unexpected text after the true/false answer."))
            parts = [p for _sep, p in _split_unescaped(rest[1:], "#")]
            wrong_fb = _unescape(parts[0]).strip()
            right_fb = _unescape(parts[1]).strip() if len(parts) > 1 else ""
        options = [
            OptionData(TRUE, ONE if right else ZERO, feedback=right_fb if right else wrong_fb),
            OptionData(FALSE, ZERO if right else ONE, feedback=wrong_fb if right else right_fb),
        ]
        return QuestionType.TRUE_FALSE, options, general
    if body.startswith("#"):
        return QuestionType.NUMERIC, _parse_numeric(body[1:]), general
    if body[0] not in "=~":
        raise GiftError(_("Unknown question type: the answers must start with =, ~, # or T/F."))
    pieces = _split_unescaped(body, "=~")
    if pieces[0][1].strip():
        raise GiftError(_("Unknown question type: the answers must start with =, ~, # or T/F."))
    options, markers = [], []
    for sep, piece in pieces[1:]:
        if _find(piece, "->") >= 0:
            raise GiftError(_("Matching questions are not supported."))
        weight, piece = _weight(piece)
        if weight is None and piece.lstrip().startswith("%"):
            raise GiftError(_("A share must look like %50%."))
        text, feedback = _answer_and_feedback(piece)
        if weight is None:
            weight = ONE if sep == "=" else ZERO
        options.append(OptionData(text, weight, feedback=feedback))
        markers.append(sep)
    if "~" not in markers:
        return QuestionType.SHORT, options, general
    if "=" in markers:
        return QuestionType.SINGLE, options, general
    return QuestionType.MULTIPLE, options, general


def _parse_numeric(body: str) -> list[OptionData]:
    body = body.strip()
    pieces = _split_unescaped(body, "=")
    if pieces[0][1].strip():
        if len(pieces) > 1:
            raise GiftError(_("A numeric question needs exactly one right value."))
        answers = [pieces[0][1]]
    else:
        answers = [p for _sep, p in pieces[1:]]
    options = []
    for piece in answers:
        weight, piece = _weight(piece)
        text, feedback = _answer_and_feedback(piece)
        if ".." in text:
            low, _dots, high = text.partition("..")
            low, high = decimal(low), decimal(high)
            if low is None or high is None:
                raise GiftError(_("The right value of a numeric question is not a number."))
            value, tolerance = (low + high) / 2, abs(high - low) / 2
        else:
            value_text, _colon, tol_text = text.partition(":")
            value = decimal(value_text)
            tolerance = decimal(tol_text) if tol_text.strip() else ZERO
            if value is None:
                raise GiftError(_("The right value of a numeric question is not a number."))
            if tolerance is None:
                raise GiftError(_("The tolerance must be a number of 0 or more."))
        options.append(
            OptionData(plain(value), ONE if weight is None else weight, tolerance, feedback)
        )
    return options


def _gift_blocks(text: str) -> list[tuple[int, list[str], str, Decimal | str | None]]:
    """Group lines into questions, which blank lines separate, as Moodle does.

    Returns (first line number, lines, category, points); points is "" when unreadable.
    """
    blocks, current, start = [], [], 0
    category, points, pending = "", None, None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if stripped.startswith("//"):
            m = POINTS_COMMENT.match(stripped)
            if m:
                value = decimal(m.group(1))
                pending = value if value is not None else ""
            continue
        m = CATEGORY_LINE.match(stripped)
        if m and not current:
            category = CATEGORY_PREFIX.sub("", m.group(1).strip()).strip()
            continue
        if not stripped:
            if current:
                blocks.append((start, current, category, points))
                current = []
            continue
        if not current:
            start, points, pending = number, pending, None
        current.append(raw.rstrip())
    if current:
        blocks.append((start, current, category, points))
    return blocks


def parse_gift(text: str, default_category: str = "") -> tuple[list[QuestionData], Errors]:
    """Read a GIFT file: the questions it holds and (line, reason) for each one rejected."""
    questions, errors = [], []
    for line, lines, category, points in _gift_blocks(text):
        source = "\n".join(lines).strip()
        try:
            title = ""
            if source.startswith("::"):
                end = _find(source, "::", 2)
                if end < 0:
                    raise GiftError(_("The title is not closed with ::."))
                title = _unescape(source[2:end]).strip()
                source = source[end + 2 :]
            opened = _find(source, "{")
            if opened < 0:
                raise GiftError(_("No answer block {…} found."))
            closed = _find(source, "}", opened)
            if closed < 0:
                raise GiftError(_("The answer block is not closed: a } is missing."))
            if _find(source, "{", opened + 1) in range(opened + 1, closed):
                raise GiftError(_("A { inside the answers must be written \\{."))
            before, after = source[:opened], source[closed + 1 :]
            if _find(after, "{") >= 0:
                raise GiftError(_("Only one answer block per question is supported."))
            qtype, options, general = _parse_answers(source[opened + 1 : closed])
            body = _clean_text(before)
            tail = _clean_text(after)
            if tail:
                body = f"{body} _____ {tail}"
            if points == "":
                raise GiftError(
                    _("The points must be a number above 0 and at most %(n)s.", n=MAX_POINTS)
                )
        except GiftError as e:
            errors.append((line, str(e)))
            continue
        q = QuestionData(
            type=qtype,
            text=body,
            title=title,
            category=category or default_category,
            points=points if points is not None else ONE,
            feedback=general,
            options=options,
            line=line,
        )
        _checked(q, questions, errors)
    return questions, errors


def to_gift(questions: list[QuestionData]) -> str:
    """Write questions as GIFT, grouped under $CATEGORY lines."""
    out, category = [], None
    for q in questions:
        if q.category != category:
            category = q.category
            out.append(f"$CATEGORY: {category}\n")
        lines = []
        if q.points != ONE:
            lines.append(f"// poin: {plain(q.points)}")
        head = f"::{gift_escape(q.title)}::" if q.title else ""
        lines.append(f"{head}{gift_escape(q.text)} {{{_gift_answers(q)}}}")
        out.append("\n".join(lines) + "\n")
    return "\n".join(out)


def _fb(feedback: str) -> str:
    return f"#{gift_escape(feedback)}" if feedback else ""


def _gift_answers(q: QuestionData) -> str:
    general = f"####{gift_escape(q.feedback)}" if q.feedback else ""
    if q.type is QuestionType.ESSAY:
        return general
    if q.type is QuestionType.TRUE_FALSE:
        right = next(o for o in q.options if o.fraction == ONE)
        wrong = next(o for o in q.options if o.fraction != ONE)
        mark = "TRUE" if right.text == TRUE else "FALSE"
        fbs = ""
        if wrong.feedback or right.feedback:
            fbs = f"#{gift_escape(wrong.feedback)}" + (
                f"#{gift_escape(right.feedback)}" if right.feedback else ""
            )
        return f"{mark}{fbs}{general}"
    if q.type is QuestionType.NUMERIC:
        o = q.options[0]
        tol = f":{plain(o.tolerance)}" if o.tolerance else ""
        return f"#{o.text}{tol}{_fb(o.feedback)}{general}"
    parts = []
    for o in q.options:
        if q.type is QuestionType.SINGLE:
            mark = "=" if o.fraction == ONE else "~"
        elif q.type is QuestionType.SHORT:
            mark = "="
        else:
            mark = f"~%{plain(o.fraction * 100)}%" if o.fraction else "~"
        parts.append(f"{mark}{gift_escape(o.text)}{_fb(o.feedback)}")
    return " ".join(parts) + general


# Aiken --------------------------------------------------------------------------------------

AIKEN_OPTION = re.compile(r"^([A-Z])\s*[.)]\s+(.*\S)\s*$")
AIKEN_ANSWER = re.compile(r"^ANSWER\s*:\s*(.*?)\s*$", re.IGNORECASE)


def parse_aiken(text: str, default_category: str = "") -> tuple[list[QuestionData], Errors]:
    """Read an Aiken file: single-choice questions, each ending with `ANSWER: <letter>`."""
    questions, errors = [], []
    start, body, options, broken = 0, [], {}, False

    def reset():
        nonlocal start, body, options, broken
        start, body, options, broken = 0, [], {}, False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = AIKEN_ANSWER.match(line)
        option = AIKEN_OPTION.match(line)
        if answer:
            if not body:
                errors.append((number, _("ANSWER without a question before it.")))
                reset()
                continue
            letter = answer.group(1).upper()
            if broken:
                pass  # already reported where it went wrong
            elif not options:
                errors.append((start, _("The question has no options A., B., …")))
            elif not re.fullmatch(r"[A-Z]", letter):
                errors.append((start, _("ANSWER must name one option letter, as in ANSWER: B.")))
            elif letter not in options:
                errors.append(
                    (
                        start,
                        _(
                            "ANSWER names %(letter)s, which is not one of the options.",
                            letter=letter,
                        ),
                    )
                )
            else:
                q = QuestionData(
                    type=QuestionType.SINGLE,
                    text="\n".join(body),
                    category=default_category,
                    options=[
                        OptionData(t, ONE if k == letter else ZERO) for k, t in options.items()
                    ],
                    line=start,
                )
                _checked(q, questions, errors)
            reset()
        elif option and body:
            letter = option.group(1)
            if letter in options:
                errors.append((number, _("Option %(letter)s appears twice.", letter=letter)))
                broken = True
            options[letter] = option.group(2)
        else:
            if options:
                errors.append((start, _("The ANSWER line is missing.")))
                reset()
            if not body:
                start = number
            body.append(line)
    if body:
        if options:
            errors.append((start, _("The ANSWER line is missing.")))
        else:
            errors.append((start, _("The question has no options A., B., …")))
    return questions, errors


# XLSX ---------------------------------------------------------------------------------------

LETTERS = "ABCDEF"


def _fold(text) -> str:
    return re.sub(r"[^a-z]", "", str(text or "").lower())


COLUMNS = (
    ["Kategori", "Jenis", "Judul", "Pertanyaan", "Poin"]
    + [f"Opsi {c}" for c in LETTERS]
    + ["Kunci", "Toleransi", "Umpan balik"]
)
TYPE_NAMES = {
    QuestionType.SINGLE: "tunggal",
    QuestionType.MULTIPLE: "jamak",
    QuestionType.TRUE_FALSE: "benar-salah",
    QuestionType.SHORT: "isian",
    QuestionType.NUMERIC: "angka",
    QuestionType.ESSAY: "esai",
}
_TYPE_ALIASES = {
    **{_fold(v): k for k, v in TYPE_NAMES.items()},
    **{_fold(t.value): t for t in QuestionType},
    "pilihantunggal": QuestionType.SINGLE,
    "pilihanganda": QuestionType.SINGLE,
    "pg": QuestionType.SINGLE,
    "pilihanjamak": QuestionType.MULTIPLE,
    "pilihangandakompleks": QuestionType.MULTIPLE,
    "truefalse": QuestionType.TRUE_FALSE,
    "benarsalah": QuestionType.TRUE_FALSE,
    "isiansingkat": QuestionType.SHORT,
    "numerik": QuestionType.NUMERIC,
    "essay": QuestionType.ESSAY,
    "uraian": QuestionType.ESSAY,
}
_TRUE_WORDS = {"benar", "b", "true", "t", "ya"}
_FALSE_WORDS = {"salah", "s", "false", "f", "tidak"}


def column_help() -> list[tuple[str, str]]:
    """What goes in each column of the template, for the import page."""
    return [
        ("Kategori", _("category name; empty: the category chosen on the import page")),
        ("Jenis", _("type: %(names)s", names=", ".join(TYPE_NAMES.values()))),
        ("Judul", _("a short title for lists (optional)")),
        ("Pertanyaan", _("the question (Markdown)")),
        ("Poin", _("points, a number above 0; empty: 1")),
        (
            "Opsi A … Opsi F",
            _("choices (tunggal, jamak); accepted answers (isian); empty for the other types"),
        ),
        (
            "Kunci",
            _(
                "tunggal: the right letter (B); jamak: letters with shares (A=50; C=50; D=-100), "
                "or letters only (A, C) for equal shares; benar-salah: Benar or Salah; "
                "angka: the right value; empty for isian and esai"
            ),
        ),
        ("Toleransi", _("angka: how far an answer may be from the value; empty: 0")),
        ("Umpan balik", _("feedback shown after the exam (optional)")),
    ]


class XlsxProblem(ValueError):
    """The whole workbook cannot be read."""


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _xlsx_key(qtype, key, cells: list[str]) -> list[OptionData]:
    """Build the options of one row from its option cells and key; raise ValueError why not."""
    filled = [(LETTERS[i], t) for i, t in enumerate(cells) if t]
    if qtype is QuestionType.ESSAY:
        if filled:
            raise ValueError(_("An essay question has no options."))
        return []
    if qtype is QuestionType.SHORT:
        if not filled:
            raise ValueError(_("A short-answer question needs accepted answers in Opsi A…F."))
        return [OptionData(t, ONE) for _c, t in filled]
    if qtype is QuestionType.TRUE_FALSE:
        word = _fold(key)
        if isinstance(key, bool):
            word = "true" if key else "false"
        if word in _TRUE_WORDS:
            right = TRUE
        elif word in _FALSE_WORDS:
            right = FALSE
        else:
            raise ValueError(_("The key of a true/false question must be Benar or Salah."))
        return [
            OptionData(TRUE, ONE if right == TRUE else ZERO),
            OptionData(FALSE, ONE if right == FALSE else ZERO),
        ]
    text = _cell(key)
    if qtype is QuestionType.NUMERIC:
        if decimal(key) is None:
            raise ValueError(_("The key of a numeric question must be the right value."))
        return [OptionData(plain(decimal(key)), ONE)]
    if not text:
        raise ValueError(_("The key is missing."))
    letters = {c for c, _t in filled}
    if qtype is QuestionType.SINGLE:
        letter = text.upper()
        if letter not in LETTERS or len(letter) != 1:
            raise ValueError(_("The key of a single-choice question is one letter, as B."))
        if letter not in letters:
            raise ValueError(_("The key names %(letter)s, an empty option.", letter=letter))
        return [OptionData(t, ONE if c == letter else ZERO) for c, t in filled]
    shares: dict[str, Decimal | None] = {}
    for part in re.split(r"[;,]\s*(?=[A-Za-z])", text):
        m = re.fullmatch(r"\s*([A-Fa-f])\s*(?:[=:]\s*(-?[0-9]+(?:[.,][0-9]+)?)\s*%?)?\s*", part)
        if not m:
            raise ValueError(_("The key %(key)s cannot be read; write A=50; C=50.", key=text))
        letter = m.group(1).upper()
        if letter not in letters:
            raise ValueError(_("The key names %(letter)s, an empty option.", letter=letter))
        shares[letter] = share(decimal(m.group(2))) if m.group(2) else None
    given = [v for v in shares.values() if v is not None]
    if given and len(given) != len(shares):
        raise ValueError(_("Give a share to every letter of the key, or to none."))
    if not given:
        each = (ONE / len(shares)).quantize(Decimal("0.00001"))
        shares = {c: each for c in shares}
    return [OptionData(t, shares.get(c, ZERO)) for c, t in filled]


def parse_xlsx(data: bytes, default_category: str = "") -> tuple[list[QuestionData], Errors]:
    """Read the first sheet of a workbook made from the template; errors carry row numbers."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises many kinds for a damaged file
        raise XlsxProblem(
            _("The XLSX file could not be read: %(err)s", err=type(e).__name__)
        ) from None
    try:
        rows = list(wb.worksheets[0].iter_rows(values_only=True))
    finally:
        wb.close()
    if not rows:
        raise XlsxProblem(_("The workbook is empty."))
    header = {_fold(h): i for i, h in enumerate(rows[0]) if h is not None}
    index = {name: header.get(_fold(name)) for name in COLUMNS}
    missing = [n for n in ("Jenis", "Pertanyaan") if index[n] is None]
    if missing:
        raise XlsxProblem(_("Missing columns: %(cols)s.", cols=", ".join(missing)))

    def get(row, name):
        i = index[name]
        return row[i] if i is not None and i < len(row) else None

    questions, errors = [], []
    for number, row in enumerate(rows[1:], start=2):
        if all(v is None or _cell(v) == "" for v in row):
            continue
        kind = _TYPE_ALIASES.get(_fold(get(row, "Jenis")))
        if kind is None:
            errors.append(
                (number, _("Unknown type %(type)s.", type=_cell(get(row, "Jenis")) or "—"))
            )
            continue
        points_cell = get(row, "Poin")
        points = ONE if _cell(points_cell) == "" else decimal(points_cell)
        if points is None:
            errors.append(
                (number, _("The points must be a number above 0 and at most %(n)s.", n=MAX_POINTS))
            )
            continue
        tolerance_cell = get(row, "Toleransi")
        try:
            options = _xlsx_key(
                kind, get(row, "Kunci"), [_cell(get(row, f"Opsi {c}")) for c in LETTERS]
            )
            if kind is QuestionType.NUMERIC:
                tolerance = ZERO if _cell(tolerance_cell) == "" else decimal(tolerance_cell)
                if tolerance is None:
                    raise ValueError(_("The tolerance must be a number of 0 or more."))
                options[0].tolerance = tolerance
        except ValueError as e:
            errors.append((number, str(e)))
            continue
        q = QuestionData(
            type=kind,
            text=_cell(get(row, "Pertanyaan")),
            title=_cell(get(row, "Judul")),
            category=_cell(get(row, "Kategori")) or default_category,
            points=points,
            feedback=_cell(get(row, "Umpan balik")),
            options=options,
            line=number,
        )
        _checked(q, questions, errors)
    return questions, errors


def _text_cell(ws, row: int, col: int, value) -> None:
    cell = ws.cell(row=row, column=col, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # openpyxl would write it as a formula; keep it text


def _xlsx_row(q: QuestionData) -> list:
    options = [""] * len(LETTERS)
    key, tolerance = "", ""
    if q.type in (QuestionType.SINGLE, QuestionType.MULTIPLE, QuestionType.SHORT):
        for i, o in enumerate(q.options[: len(LETTERS)]):
            options[i] = o.text
    if q.type is QuestionType.SINGLE:
        key = next(LETTERS[i] for i, o in enumerate(q.options) if o.fraction == ONE)
    elif q.type is QuestionType.MULTIPLE:
        key = "; ".join(
            f"{LETTERS[i]}={plain(o.fraction * 100)}" for i, o in enumerate(q.options) if o.fraction
        )
    elif q.type is QuestionType.TRUE_FALSE:
        right = next(o for o in q.options if o.fraction == ONE)
        key = "Benar" if right.text == TRUE else "Salah"
    elif q.type is QuestionType.NUMERIC:
        key, tolerance = q.options[0].text, plain(q.options[0].tolerance or ZERO)
    return [
        q.category,
        TYPE_NAMES[q.type],
        q.title,
        q.text,
        plain(q.points),
        *options,
        key,
        tolerance,
        q.feedback,
    ]


def to_xlsx(questions: list[QuestionData]) -> bytes:
    """Write questions in the template's columns (option feedback is kept by GIFT only)."""
    wb = Workbook()
    ws = wb.active
    ws.title = "Soal"
    bold = Font(bold=True)
    for col, name in enumerate(COLUMNS, start=1):
        ws.cell(row=1, column=col, value=name).font = bold
    ws.freeze_panes = "A2"
    for width, letters in ((18, "AC"), (10, "BE"), (50, "D")):
        for letter in letters:
            ws.column_dimensions[letter].width = width
    for r, q in enumerate(questions, start=2):
        for col, value in enumerate(_xlsx_row(q), start=1):
            _text_cell(ws, r, col, value)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def template_xlsx() -> bytes:
    """The empty template with its header, and a second sheet of examples and rules."""
    wb = load_workbook(io.BytesIO(to_xlsx([])))
    guide = wb.create_sheet("Petunjuk")
    guide.append(["Kolom", "Isi"])
    for name, help_text in column_help():
        guide.append([name, help_text])
    guide.append([])
    guide.append([_("Examples (copy rows to the sheet Soal):")])
    guide.append(COLUMNS)
    examples = [
        QuestionData(
            QuestionType.SINGLE,
            "Ibu kota Provinsi Sulawesi Selatan adalah …",
            category="Umum",
            options=[OptionData("Makassar", ONE), OptionData("Manado"), OptionData("Kendari")],
        ),
        QuestionData(
            QuestionType.MULTIPLE,
            "Manakah nilai dasar ASN (BerAKHLAK)?",
            category="Umum",
            points=Decimal(2),
            options=[
                OptionData("Akuntabel", Decimal("0.5")),
                OptionData("Kompeten", Decimal("0.5")),
                OptionData("Otoriter", Decimal(-1)),
            ],
        ),
        QuestionData(
            QuestionType.TRUE_FALSE,
            "NIP terdiri atas 18 digit.",
            options=[OptionData(TRUE, ONE), OptionData(FALSE)],
        ),
        QuestionData(QuestionType.SHORT, "Singkatan dari BKPSDM?", options=[OptionData("BKPSDM")]),
        QuestionData(
            QuestionType.NUMERIC,
            "Berapa JP minimal per tahun?",
            options=[OptionData("20", ONE, ZERO)],
        ),
        QuestionData(QuestionType.ESSAY, "Jelaskan makna pelayanan prima.", points=Decimal(5)),
    ]
    for q in examples:
        guide.append(_xlsx_row(q))
    guide.column_dimensions["A"].width = 18
    guide.column_dimensions["B"].width = 60
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
