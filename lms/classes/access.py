"""Who may see and who may run a class; one helper per question, used by every class route.

Admins run every class; partner staff run the classes of their own institution. Anyone else sees
a class only as a member, or, for an ASN, while it takes registrations. Partner staff of another
institution are not told that a class exists (404).
"""

from flask import abort
from flask_login import current_user
from sqlalchemy import select

from lms.auth.models import Role, User
from lms.classes.models import (
    ClassSession,
    Cohort,
    CostItem,
    Funding,
    JoinMode,
    Member,
    MemberState,
)
from lms.core.clock import local_date, utcnow
from lms.extensions import db


def staff_of(user: User, institution_id: int | None) -> bool:
    """Admins, and the partner staff of this institution (None: BKPSDM, admins only)."""
    if not user.is_authenticated:
        return False
    if user.has_role(Role.ADMIN):
        return True
    return (
        user.has_role(Role.PARTNER)
        and institution_id is not None
        and institution_id == user.institution_id
    )


def can_manage(user: User, cohort: Cohort) -> bool:
    """Admins, and the staff of the institution that runs the class."""
    return staff_of(user, cohort.institution_id)


def membership(user: User, cohort: Cohort) -> Member | None:
    """The person's row in the class (in any state), if they have one."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        select(Member).where(Member.cohort_id == cohort.id, Member.user_id == user.id)
    )


def is_member(user: User, cohort: Cohort) -> bool:
    """Whether the person holds a seat in the class (enrolled; not waiting, not withdrawn)."""
    member = membership(user, cohort)
    return member is not None and member.state is MemberState.ENROLLED


def is_open_for(user: User, cohort: Cohort, today=None) -> bool:
    """Whether an ASN may see the class to register: open registration and not finished."""
    today = today or local_date(utcnow())
    return (
        user.is_authenticated
        and user.has_role(Role.ASN)
        and cohort.join_mode is JoinMode.OPEN
        and cohort.ends_on >= today
    )


def can_see(user: User, cohort: Cohort) -> bool:
    return (
        can_manage(user, cohort)
        or membership(user, cohort) is not None
        or is_open_for(user, cohort)
    )


def get_cohort_or_404(cohort_id: int, user=None) -> Cohort:
    """The class if the person may see it; 404 otherwise."""
    user = user or current_user
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_see(user, cohort):
        abort(404)
    return cohort


def get_cohort_to_manage_or_404(cohort_id: int, user=None) -> Cohort:
    """The class if the person runs it: 404 if they may not even see it, else 403."""
    user = user or current_user
    cohort = db.get_or_404(Cohort, cohort_id)
    if not can_manage(user, cohort):
        abort(403 if can_see(user, cohort) else 404)
    return cohort


def _row_of_or_404(model, cohort: Cohort, row_id: int):
    row = db.session.get(model, row_id)
    if row is None or row.cohort_id != cohort.id:
        abort(404)
    return row


def get_member_or_404(cohort: Cohort, member_id: int) -> Member:
    """A member of this class (the caller has checked the class)."""
    return _row_of_or_404(Member, cohort, member_id)


def get_session_or_404(cohort: Cohort, session_id: int) -> ClassSession:
    """A session of this class (the caller has checked the class)."""
    return _row_of_or_404(ClassSession, cohort, session_id)


def get_funding_or_404(cohort: Cohort, funding_id: int) -> Funding:
    return _row_of_or_404(Funding, cohort, funding_id)


def get_cost_or_404(cohort: Cohort, cost_id: int) -> CostItem:
    return _row_of_or_404(CostItem, cohort, cost_id)
