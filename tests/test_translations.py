"""Every string a person reads is in both catalogues, translated."""

from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}


def source_messages() -> set[str]:
    found = set()
    for folder, method in (("lms", "python"), ("templates", "jinja2")):
        extracted = extract_from_dir(
            ROOT / folder,
            method_map=[("**.py", "python")] if method == "python" else [("**.html", "jinja2")],
            options_map={"**.html": {"extensions": "jinja2.ext.do"}},
            keywords=KEYWORDS,
        )
        for _filename, _lineno, message, _comments, _context in extracted:
            found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("locale", ["id", "en"])
def test_every_message_is_translated(locale):
    with (ROOT / f"lms/translations/{locale}/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale=locale)
    translated = {
        (m.id[0] if isinstance(m.id, tuple) else m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(m.string if isinstance(m.string, tuple) else [m.string])
    }
    missing = sorted(source_messages() - translated)
    assert not missing, f"untranslated in {locale} (run make messages): {missing[:10]}"


def test_indonesian_differs_from_the_english_source():
    with (ROOT / "lms/translations/id/LC_MESSAGES/messages.po").open("rb") as f:
        catalog = read_po(f, locale="id")
    same = [m.id for m in catalog if m.id and m.string == m.id and len(str(m.id)) > 12]
    assert len(same) < 5, f"these look untranslated: {same}"
