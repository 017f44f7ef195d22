from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import UTCDateTime
from lms.extensions import db


class ImportBatch(db.Model):
    """One import of people; holds the new one-time passwords until they are downloaded once."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Random, names the download link.
    token: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(255))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    summary: Mapped[dict] = mapped_column(JSON)
    #: CSV of new accounts and their one-time passwords; erased at the first download.
    credentials: Mapped[str | None] = mapped_column(Text)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
