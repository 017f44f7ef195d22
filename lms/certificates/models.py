"""Certificate templates: how a certificate looks (layout, logo, background, title, text with
placeholders) and who signs it (one to three signatories)."""

import enum
from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
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


class CertificateState(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class CertificateCounter(db.Model):
    """The last running number given under one number pattern in one year.

    Taken by an UPDATE ... RETURNING in the transaction that inserts the certificate: concurrent
    issuers queue on the row, and a transaction that fails gives its number back (no gaps).
    """

    __tablename__ = "certificate_counter"
    __table_args__ = (UniqueConstraint("pattern", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pattern: Mapped[str] = mapped_column(String(120))
    year: Mapped[int]
    last: Mapped[int] = mapped_column(default=0)


#: What never changes once a certificate is issued: its number, code, holder and content.
IMMUTABLE = (
    "code", "number", "user_id", "template_id", "enrollment_id", "cohort_id", "course_id",
    "holder_name", "holder_nip", "holder_rank", "holder_position", "holder_unit", "title",
    "institution", "institution_id", "starts_on", "ends_on", "jp", "score", "predicate", "place",
    "signed_on", "layout", "heading", "body", "signatories", "issued_at", "issued_by_id",
    "replaces_id",
)  # fmt: skip


class Certificate(db.Model):
    """One issued certificate: a snapshot of who earned what, its stored PDF, and its state.

    Everything in IMMUTABLE is fixed at issuing (a mapper event refuses changes); the PDF's key,
    hash and size are written once, when it is first rendered; revocation only sets the state,
    with the date, reason and who revoked. A correction is a new certificate that `replaces` the
    revoked one.
    """

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The public verification code: long and random, printed under the QR code.
    code: Mapped[str] = mapped_column(String(32), unique=True)
    number: Mapped[str] = mapped_column(String(140), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="RESTRICT"), index=True)
    template_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_template.id", ondelete="SET NULL")
    )
    #: What it was earned by: a course followed alone, or a class (with its enrollment).
    enrollment_id: Mapped[int | None] = mapped_column(
        ForeignKey("enrollment.id", ondelete="SET NULL"), index=True
    )
    cohort_id: Mapped[int | None] = mapped_column(
        ForeignKey("cohort.id", ondelete="SET NULL"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(ForeignKey("course.id", ondelete="SET NULL"))
    # The holder as they were on the day of issuing.
    holder_name: Mapped[str] = mapped_column(String(200))
    holder_nip: Mapped[str] = mapped_column(String(18), default="")
    holder_rank: Mapped[str] = mapped_column(String(100), default="")
    holder_position: Mapped[str] = mapped_column(String(200), default="")
    holder_unit: Mapped[str] = mapped_column(String(200), default="")
    # What was earned.
    title: Mapped[str] = mapped_column(String(200))
    institution: Mapped[str] = mapped_column(String(200), default="")
    institution_id: Mapped[int | None] = mapped_column(
        ForeignKey("institution.id", ondelete="SET NULL")
    )
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    jp: Mapped[int] = mapped_column(default=0)
    score: Mapped[float | None]
    predicate: Mapped[str] = mapped_column(String(60), default="")
    place: Mapped[str] = mapped_column(String(120), default="")
    signed_on: Mapped[date]
    # The template's words and look as they were on the day of issuing.
    layout: Mapped[Layout] = mapped_column(enum_column(Layout, 20), default=Layout.CLASSIC)
    heading: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    #: [{"name", "nip", "title", "signature_key", "signature_type"}], left to right.
    signatories: Mapped[list] = mapped_column(JSON, default=list)
    # The stored PDF, written once.
    pdf_key: Mapped[str | None] = mapped_column(String(64), active_history=True)
    pdf_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    pdf_size: Mapped[int | None]
    state: Mapped[CertificateState] = mapped_column(
        enum_column(CertificateState, 20), default=CertificateState.VALID
    )
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str] = mapped_column(String(500), default="")
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    #: The revoked certificate this one corrects.
    replaces_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="RESTRICT")
    )
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Who issued it by hand or in bulk; None when it was issued on completion.
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))

    user = relationship("User", foreign_keys=[user_id])
    template: Mapped[CertificateTemplate | None] = relationship()
    replaces: Mapped["Certificate | None"] = relationship(remote_side="Certificate.id")

    @property
    def valid(self) -> bool:
        return self.state == CertificateState.VALID


class BulkState(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"


class BulkIssue(db.Model):
    """Certificates issued for many members of a class at once, by a background job."""

    __tablename__ = "bulk_issue"

    id: Mapped[int] = mapped_column(primary_key=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohort.id", ondelete="CASCADE"), index=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("certificate_template.id", ondelete="RESTRICT")
    )
    state: Mapped[BulkState] = mapped_column(enum_column(BulkState, 20), default=BulkState.QUEUED)
    #: The ZIP of every PDF issued, made when the job ends.
    zip_key: Mapped[str | None] = mapped_column(String(64))
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    items: Mapped[list["BulkIssueItem"]] = relationship(
        back_populates="bulk", order_by="BulkIssueItem.id", cascade="all, delete-orphan"
    )


class BulkIssueItem(db.Model):
    """One person of a bulk issue: done with a certificate, done with an error, or waiting."""

    __tablename__ = "bulk_issue_item"
    __table_args__ = (UniqueConstraint("bulk_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    bulk_id: Mapped[int] = mapped_column(ForeignKey("bulk_issue.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"))
    done: Mapped[bool] = mapped_column(default=False)
    certificate_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate.id", ondelete="SET NULL")
    )
    #: Why no certificate was issued, in the admin's words (Indonesian).
    error: Mapped[str] = mapped_column(String(500), default="")

    bulk: Mapped[BulkIssue] = relationship(back_populates="items")
    user = relationship("User")
    certificate: Mapped[Certificate | None] = relationship()
