"""Fill the English catalogue: the source strings are English, so each translation is its msgid."""

import sys
from pathlib import Path

from babel.messages.pofile import read_po, write_po

path = Path(sys.argv[1] if len(sys.argv) > 1 else "lms/translations/en/LC_MESSAGES/messages.po")
with path.open("rb") as f:
    catalog = read_po(f, locale="en")
for message in catalog:
    if not message.id:
        continue
    message.string = message.id  # a tuple (singular, plural) for plural messages
    message.flags.discard("fuzzy")
with path.open("wb") as f:
    write_po(f, catalog, width=100, omit_header=False)
