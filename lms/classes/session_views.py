"""(being written)"""

from lms.classes.views import bp  # noqa: F401
