"""People, their roles, and the units (OPD) they belong to."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String, UniqueConstraint, false, func, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db


class Role(enum.StrEnum):
    ASN = "asn"
    PARTNER = "partner"
    ADMIN = "admin"
    SUPERVISOR = "supervisor"


class UnitKind(enum.StrEnum):
    SECRETARIAT = "secretariat"
    DINAS = "dinas"
    BADAN = "badan"
    KECAMATAN = "kecamatan"
    KELURAHAN = "kelurahan"
    BAGIAN = "bagian"
    OTHER = "other"


class Unit(db.Model):
    """A unit of the city government (OPD); units form a tree."""

    __tablename__ = "unit"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    #: A short code as the personnel system spells it, used to match imports.
    code: Mapped[str | None] = mapped_column(String(40), unique=True)
    kind: Mapped[UnitKind] = mapped_column(enum_column(UnitKind, 20), default=UnitKind.OTHER)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("unit.id", ondelete="RESTRICT"))
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped["Unit | None"] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent", order_by="Unit.name")

    def ancestors(self) -> list["Unit"]:
        """Return the chain of parents, nearest first."""
        chain, node = [], self.parent
        while node is not None:
            chain.append(node)
            node = node.parent
        return chain

    def can_have_parent(self, parent: "Unit | None") -> bool:
        """A unit may not sit below itself or one of its own descendants."""
        return parent is None or (parent.id != self.id and self not in parent.ancestors())

    @property
    def path(self) -> str:
        return " › ".join(u.name for u in [*reversed(self.ancestors()), self])


class UserRole(db.Model):
    __tablename__ = "user_role"
    __table_args__ = (UniqueConstraint("user_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(enum_column(Role, 20))


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The 18-digit Nomor Induk Pegawai; partner staff have none.
    nip: Mapped[str | None] = mapped_column(String(18), unique=True)
    #: Stored lower-case; unique when present.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), index=True)
    #: Jabatan.
    position: Mapped[str] = mapped_column(String(200), default="")
    #: Pangkat/golongan, e.g. "Penata Muda (III/a)".
    rank: Mapped[str] = mapped_column(String(100), default="")
    unit_id: Mapped[int | None] = mapped_column(
        ForeignKey("unit.id", ondelete="RESTRICT"), index=True
    )
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="RESTRICT"), index=True
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    #: Set for imported or reset accounts: the next login must choose a new password.
    must_change_password: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    #: A partner institution's coordinator: may invite and deactivate the institution's staff.
    coordinator: Mapped[bool] = mapped_column(default=False, server_default=false())
    #: Bumped at logout and password change; a session carrying an older value is ended.
    session_version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    unit: Mapped[Unit | None] = relationship(lazy="joined")
    institution = relationship("Institution", lazy="joined")
    role_rows: Mapped[list[UserRole]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    # Flask-Login
    def get_id(self) -> str:
        return f"{self.id}:{self.session_version}"

    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r.role for r in self.role_rows)

    def has_role(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    def set_roles(self, roles: set[Role]) -> None:
        """Make the person hold exactly these roles."""
        self.role_rows = [r for r in self.role_rows if r.role in roles]
        for role in sorted(roles - self.roles):
            self.role_rows.append(UserRole(role=role))

    def end_sessions(self) -> None:
        """End every session of this person (each carries the old version)."""
        self.session_version = (self.session_version or 1) + 1  # None before the first flush

    def as_audit(self) -> dict:
        return {
            "name": self.name,
            "nip": self.nip,
            "email": self.email,
            "position": self.position,
            "rank": self.rank,
            "unit_id": self.unit_id,
            "institution_id": self.institution_id,
            "active": self.active,
            "roles": sorted(self.roles),
        }

    @property
    def login_name(self) -> str:
        return self.nip or self.email or ""


def find_by_login(identifier: str) -> User | None:
    """Find a person by NIP or e-mail (case-insensitive)."""
    identifier = identifier.strip()
    if identifier.isdigit():
        return db.session.scalar(select(User).where(User.nip == identifier))
    return db.session.scalar(select(User).where(func.lower(User.email) == identifier.lower()))
