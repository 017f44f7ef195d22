"""The 18-digit NIP: birth date (yyyymmdd), appointment (yyyymm), gender (1/2), sequence (3)."""

from datetime import date

from flask_babel import lazy_gettext as _l


class NipError(ValueError):
    """A malformed NIP; the message says which part is wrong."""


def check_nip(value: str, today: date) -> str:
    """Return the NIP without spaces, or raise NipError naming the wrong part."""
    nip = "".join(value.split())
    if not nip.isdigit():
        raise NipError(_l("A NIP contains digits only."))
    if len(nip) != 18:
        raise NipError(_l("A NIP has 18 digits; this one has %(n)d.", n=len(nip)))
    try:
        born = date(int(nip[0:4]), int(nip[4:6]), int(nip[6:8]))
    except ValueError:
        raise NipError(_l("Digits 1–8 of the NIP must be a valid birth date (yyyymmdd).")) from None
    if born > today or born.year < 1940:
        raise NipError(_l("Digits 1–8 of the NIP give an impossible birth date."))
    appointed_year, appointed_month = int(nip[8:12]), int(nip[12:14])
    if not 1 <= appointed_month <= 12:
        raise NipError(_l("Digits 13–14 of the NIP must be the month of appointment (01–12)."))
    if appointed_year < born.year + 15 or (appointed_year, appointed_month) > (
        today.year,
        today.month,
    ):
        raise NipError(
            _l("Digits 9–14 of the NIP must be the year and month of appointment (yyyymm).")
        )
    if nip[14] not in "12":
        raise NipError(_l("Digit 15 of the NIP must be 1 (male) or 2 (female)."))
    if nip[15:18] == "000":
        raise NipError(_l("Digits 16–18 of the NIP are a sequence number from 001."))
    return nip
