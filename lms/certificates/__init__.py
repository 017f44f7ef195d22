"""Certificates: templates (layout, logos, text with placeholders, signatories) rendered to PDF,
issuing (on completion, by hand, in bulk), the holder's list, public verification, revocation,
signed PDFs and Open Badges credentials.

Importing the modules registers their routes, the completion hook and the periodic job.
"""

from lms.certificates import bulk_views, holder, issuing, manage, wellknown  # noqa: F401
from lms.certificates.public import bp as public_bp
from lms.certificates.views import bp

__all__ = ["bp", "public_bp"]
