"""Partner institutions: agreements, staff, and the review of the materials they upload."""

from lms.partners import review_views, staff_views  # noqa: F401  (routes on the blueprint)
from lms.partners.views import bp

__all__ = ["bp"]
