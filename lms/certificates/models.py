"""Certificate templates: how a certificate looks (layout, logo, background, title, text with
placeholders) and who signs it (one to three signatories)."""

import enum
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.core.db import UTCDateTime, enum_column
from lms.extensions import db

MAX_SIGNATORIES = 3


class Layout(enum.StrEnum):
    #: A double gold frame, serif type, centred.
    CLASSIC = "classic"
    #: A navy band at the top and bottom, the emblem centred, a formal serif.
    FORMAL = "formal"
    #: A coloured stripe on the left, sans-serif, text aligned left.
    MODERN = "modern"


class CertificateTemplate(db.Model):
    __tablename__ = "certificate_template"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    layout: Mapped[Layout] = mapped_column(enum_column(Layout, 20), default=Layout.CLASSIC)
    #: The big word at the top, e.g. "SERTIFIKAT".
    title: Mapped[str] = mapped_column(String(120))
    #: Paragraphs separated by blank lines, with {placeholders}; always printed as plain text.
    body: Mapped[str] = mapped_column(Text)
    #: Where certificates are signed, printed before the date of signing.
    place: Mapped[str] = mapped_column(String(120), default="Makassar")
    #: How certificate numbers are made, e.g. "800/{seq}/BKPSDM/{year}".
    number_pattern: Mapped[str] = mapped_column(String(120), default="800/{seq}/BKPSDM/{year}")
    #: BKPSDM's logo and an optional background picture (uploads.IMAGE_TYPES), by storage key.
    logo_key: Mapped[str | None] = mapped_column(String(64))
    logo_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    background_key: Mapped[str | None] = mapped_column(String(64))
    background_type: Mapped[str] = mapped_column(String(40), default="", server_default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    signatories: Mapped[list["TemplateSignatory"]] = relationship(
        back_populates="template",
        order_by="TemplateSignatory.position",
        cascade="all, delete-orphan",
    )


class TemplateSignatory(db.Model):
    __tablename__ = "template_signatory"
    __table_args__ = (UniqueConstraint("template_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_template.id", ondelete="CASCADE"), index=True
    )
    #: 1 to 3, left to right on the certificate.
    position: Mapped[int]
    name: Mapped[str] = mapped_column(String(200))
    nip: Mapped[str] = mapped_column(String(18), default="", server_default="")
    #: The signatory's position (jabatan), printed above the signature.
    title: Mapped[str] = mapped_column(String(200))
    signature_key: Mapped[str | None] = mapped_column(String(64))
    signature_type: Mapped[str] = mapped_column(String(40), default="", server_default="")

    template: Mapped[CertificateTemplate] = relationship(back_populates="signatories")
