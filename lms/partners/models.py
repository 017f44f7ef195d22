"""Partner institutions (universities and institutes that train with BKPSDM) and their
cooperation agreements (MoU/PKS)."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db


class InstitutionType(enum.StrEnum):
    UNIVERSITY = "university"
    POLYTECHNIC = "polytechnic"
    TRAINING_INSTITUTE = "training_institute"
    GOVERNMENT_AGENCY = "government_agency"


class Institution(db.Model):
    __tablename__ = "institution"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    type: Mapped[InstitutionType] = mapped_column(enum_column(InstitutionType, 30))
    active: Mapped[bool] = mapped_column(default=True)
    #: Contacts: a person, and how to reach the institution.
    contact_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    contact_email: Mapped[str] = mapped_column(String(254), default="", server_default="")
    contact_phone: Mapped[str] = mapped_column(String(40), default="", server_default="")
    address: Mapped[str] = mapped_column(String(500), default="", server_default="")
    website: Mapped[str] = mapped_column(String(300), default="", server_default="")
    #: A small logo (uploads.IMAGE_TYPES), stored under a random key.
    logo_key: Mapped[str | None] = mapped_column(String(64))
    logo_type: Mapped[str] = mapped_column(String(40), default="", server_default="")

    agreements: Mapped[list["Agreement"]] = relationship(
        back_populates="institution", order_by="Agreement.ends_on.desc()", viewonly=True
    )


class AgreementKind(enum.StrEnum):
    #: Nota kesepahaman: the framework.
    MOU = "mou"
    #: Perjanjian kerja sama: the working agreement under it.
    PKS = "pks"


class Agreement(db.Model):
    """A cooperation agreement; in force from starts_on to ends_on, both days included."""

    __tablename__ = "agreement"
    __table_args__ = (UniqueConstraint("institution_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    institution_id: Mapped[int] = mapped_column(
        ForeignKey("institution.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[AgreementKind] = mapped_column(enum_column(AgreementKind, 10))
    number: Mapped[str] = mapped_column(String(120))
    title: Mapped[str] = mapped_column(String(300))
    scope: Mapped[str] = mapped_column(Text, default="")
    starts_on: Mapped[date]
    ends_on: Mapped[date] = mapped_column(index=True)
    #: The signed document (a PDF), stored under a random key.
    document_key: Mapped[str | None] = mapped_column(String(64))
    document_name: Mapped[str] = mapped_column(String(200), default="")
    document_size: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    institution: Mapped[Institution] = relationship(back_populates="agreements")

    def in_force(self, today: date) -> bool:
        return self.starts_on <= today <= self.ends_on
