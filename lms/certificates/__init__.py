"""Certificates: templates (layout, logos, text with placeholders, signatories) rendered to PDF,
issuing (on completion, by hand, in bulk), the holder's list, public verification, revocation,
signed PDFs and Open Badges credentials."""

from lms.certificates import issuing  # noqa: F401  (the completion hook and the periodic job)
from lms.certificates import bulk_views, holder, manage, wellknown  # noqa: F401  (their routes)
from lms.certificates.public import bp as public_bp
from lms.certificates.views import bp

__all__ = ["bp", "public_bp"]
