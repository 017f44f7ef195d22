"""Certificates: templates (layout, logos, text with placeholders, signatories) rendered to PDF,
issuing (on completion, by hand, in bulk), the holder's list, public verification, revocation."""

from lms.certificates import issuing  # noqa: F401  (the completion hook and the periodic job)
from lms.certificates.views import bp

__all__ = ["bp"]
