"""Partner institutions (classes, sessions and materials come later)."""

from lms.partners.views import bp

__all__ = ["bp"]
