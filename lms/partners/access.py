"""Who may see an institution, its agreements' documents and its staff; one helper per
question, used by every route. Admins see everything; partner staff only their own institution,
whose existence is otherwise not told (404)."""

from flask import abort
from flask_login import current_user

from lms.auth.models import Role, User
from lms.extensions import db
from lms.partners.models import Agreement, Institution

# `is_anonymous`, not `is_authenticated`: an inactive account is not authenticated, yet is still
# an institution's (inactive) staff, to be reactivated.


def is_admin(user: User) -> bool:
    return not user.is_anonymous and user.has_role(Role.ADMIN)


def is_staff_of(user: User, institution_id: int | None) -> bool:
    """Whether the person works for the institution (partner staff)."""
    return (
        not user.is_anonymous
        and user.has_role(Role.PARTNER)
        and institution_id is not None
        and user.institution_id == institution_id
    )


def is_coordinator_of(user: User, institution_id: int | None) -> bool:
    return is_staff_of(user, institution_id) and user.coordinator


def get_visible_institution_or_404(institution_id: int, user=None) -> Institution:
    """The institution, for admins and its own staff."""
    user = user or current_user
    inst = db.session.get(Institution, institution_id)
    if inst is None or not (is_admin(user) or is_staff_of(user, inst.id)):
        abort(404)
    return inst


def get_staff_institution_or_404(institution_id: int, user=None) -> Institution:
    """The institution whose staff the person manages: admins, and its coordinators (its other
    staff are refused, 403; anyone else is not told it exists)."""
    user = user or current_user
    inst = get_visible_institution_or_404(institution_id, user)
    if not (is_admin(user) or is_coordinator_of(user, inst.id)):
        abort(403)
    return inst


def get_staff_member_or_404(inst: Institution, user_id: int, actor=None) -> User:
    """One of the institution's staff whom `actor` may change.

    A coordinator changes only the institution's other, ordinary staff: not themselves, not
    another coordinator, and never an admin.
    """
    actor = actor or current_user
    person = db.session.get(User, user_id)
    if person is None or not is_staff_of(person, inst.id):
        abort(404)
    if not is_admin(actor) and (
        person.id == actor.id or person.coordinator or person.has_role(Role.ADMIN)
    ):
        abort(403)
    return person


def may_see_document(user: User, agreement: Agreement) -> bool:
    """An agreement's signed document: admins, and the institution's own staff."""
    return is_admin(user) or is_staff_of(user, agreement.institution_id)


def get_agreement_or_404(agreement_id: int, user=None) -> Agreement:
    """An agreement, for those who may see its document; 404 to anyone else."""
    user = user or current_user
    agreement = db.session.get(Agreement, agreement_id)
    if agreement is None or not may_see_document(user, agreement):
        abort(404)
    return agreement
