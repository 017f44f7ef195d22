"""Partner institutions: universities and institutes that train with BKPSDM."""

import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from lms.core.db import enum_column
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
