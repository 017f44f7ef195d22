"""Classes (kelas/angkatan) run by BKPSDM or a partner institution: members, quotas and waiting
list, sessions and attendance, funding, completion and the participants' evaluation."""

from lms.classes.views import bp

__all__ = ["bp"]
