"""Certificates: templates (layout, logos, text with placeholders, signatories) rendered to PDF."""

from lms.certificates.views import bp

__all__ = ["bp"]
