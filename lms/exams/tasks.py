"""The exams' background jobs."""

from flask import current_app

from lms.core import jobs
from lms.core.clock import utcnow
from lms.exams import services
from lms.extensions import db


@jobs.periodic(minutes=1)
def sweep_abandoned_attempts() -> int:
    """Finalise attempts left in progress past their deadline (plus the grace), every minute."""
    done = services.sweep(utcnow(), current_app.config)
    db.session.commit()
    return done
