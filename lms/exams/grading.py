"""Scoring of objective questions: pure functions of a question snapshot and a saved answer.

A snapshot is what AttemptQuestion.snapshot holds: {"type", "points", "options": [{"id", "text",
"fraction", "tolerance", ...}]}. An answer value is {"options": [ids]} for choices or
{"text": "..."} for typed answers. Each function returns the points earned, never below 0 and
never above the question's points; essays return None (a person grades them).
"""

from decimal import Decimal, InvalidOperation

CENT = Decimal("0.01")
CHOICE_TYPES = frozenset({"single", "multiple", "truefalse"})
TEXT_TYPES = frozenset({"short", "numeric", "essay"})


def _dec(value) -> Decimal:
    return Decimal(str(value)) if value is not None else Decimal(0)


def _points(snapshot: dict, fraction: Decimal) -> Decimal:
    fraction = min(max(fraction, Decimal(0)), Decimal(1))
    return (_dec(snapshot.get("points")) * fraction).quantize(CENT)


def chosen_ids(value: dict | None) -> list[int]:
    """The option ids of a choice answer, ignoring anything malformed."""
    raw = (value or {}).get("options") or []
    return [int(x) for x in raw if isinstance(x, int) or (isinstance(x, str) and x.isdigit())]


def typed_text(value: dict | None) -> str:
    text = (value or {}).get("text")
    return text if isinstance(text, str) else ""


def is_answered(value: dict | None) -> bool:
    return bool(chosen_ids(value)) or bool(typed_text(value).strip())


def score_single(snapshot: dict, value: dict | None) -> Decimal:
    """One choice: the chosen option's share; choosing several counts as wrong."""
    ids = chosen_ids(value)
    if len(ids) != 1:
        return _points(snapshot, Decimal(0))
    fractions = {o["id"]: _dec(o.get("fraction")) for o in snapshot["options"]}
    return _points(snapshot, fractions.get(ids[0], Decimal(0)))


def score_multiple(snapshot: dict, value: dict | None) -> Decimal:
    """Several choices: the sum of the chosen options' shares, between 0 and full marks."""
    fractions = {o["id"]: _dec(o.get("fraction")) for o in snapshot["options"]}
    total = sum((fractions.get(i, Decimal(0)) for i in set(chosen_ids(value))), Decimal(0))
    return _points(snapshot, total)


def normalise_text(text: str) -> str:
    """Compare typed answers ignoring case and spacing."""
    return " ".join(text.split()).casefold()


def score_short(snapshot: dict, value: dict | None) -> Decimal:
    """Typed text: the best share among the accepted answers it matches."""
    given = normalise_text(typed_text(value))
    if not given:
        return _points(snapshot, Decimal(0))
    best = max(
        (
            _dec(o.get("fraction"))
            for o in snapshot["options"]
            if normalise_text(o["text"]) == given
        ),
        default=Decimal(0),
    )
    return _points(snapshot, best)


def parse_number(text: str) -> Decimal | None:
    """A number as people type it: "3.5", "3,5" (Indonesian decimal comma), " -2 "."""
    cleaned = "".join(text.split()).replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        return None
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def score_numeric(snapshot: dict, value: dict | None) -> Decimal:
    """A number: the best share among accepted answers it is within tolerance of."""
    given = parse_number(typed_text(value))
    best = Decimal(0)
    if given is not None:
        for option in snapshot["options"]:
            target = parse_number(str(option["text"]))
            if target is None:
                continue
            if abs(given - target) <= abs(_dec(option.get("tolerance"))):
                best = max(best, _dec(option.get("fraction")))
    return _points(snapshot, best)


SCORERS = {
    "single": score_single,
    "truefalse": score_single,
    "multiple": score_multiple,
    "short": score_short,
    "numeric": score_numeric,
}


def score(snapshot: dict, value: dict | None) -> Decimal | None:
    """Points earned for one question; None for an essay, which a person grades."""
    scorer = SCORERS.get(snapshot["type"])
    return scorer(snapshot, value) if scorer else None


def correct_answers(snapshot: dict) -> list[dict]:
    """The options or accepted answers that earn points, best first."""
    right = [o for o in snapshot["options"] if _dec(o.get("fraction")) > 0]
    return sorted(right, key=lambda o: -_dec(o.get("fraction")))
