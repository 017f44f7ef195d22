"""Administration by BKPSDM: people, units, imports and the audit log."""

from lms.admin.views import bp

__all__ = ["bp"]
