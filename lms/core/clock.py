"""The one clock. Code that depends on time takes `now` as an argument; views pass utcnow()."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)


#: The city's time zone (WITA); dates people see and due dates are Makassar dates.
CITY_TZ = ZoneInfo("Asia/Makassar")


def local_date(moment: datetime) -> date:
    """The calendar date in Makassar of a UTC moment."""
    return moment.astimezone(CITY_TZ).date()
