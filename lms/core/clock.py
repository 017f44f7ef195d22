"""The one clock. Code that depends on time takes `now` as an argument; views pass utcnow()."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Return the current time in UTC, timezone-aware."""
    return datetime.now(UTC)
