"""A certificate as a PDF: the template's text with its placeholders filled in, laid out on an
A4 landscape page by WeasyPrint.

The text an admin writes is data, never code: placeholders are replaced in Python by a regular
expression, and the result is printed escaped, so "{{config}}" or "<b>" appear as typed. Pictures
come from the storage as data: URIs and the fetcher refuses every other URL: nothing is fetched
from the network or the disk while rendering.
"""

import base64
import re
from dataclasses import dataclass, field
from datetime import date

import segno
from babel.dates import format_date
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from lms.certificates.models import CertificateTemplate, Layout
from lms.core import pdf
from lms.core.storage import storage

#: A placeholder: {nama}. Doubled braces are not one: "{{config}}" is text and prints as typed.
PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")
#: The QR code's data mask. segno would try all eight for each code and keep the one with the
#: lowest penalty (the fewest patterns that confuse a scanner), at 6 ms a certificate; for our
#: verification addresses mask 2 is that choice for over half of the codes, and otherwise within
#: 14% of the best penalty for 95% of them (measured on 300 random codes, 2026-12-02): any mask
#: decodes, and this one costs 2 ms.
QR_MASK = 2
#: Certificates are Indonesian documents whatever language the person rendering one reads.
LOCALE = "id"


def placeholders() -> dict[str, str]:
    """The placeholders a template may use, with what each stands for."""
    return {
        "nama": _l("the holder's name"),
        "nip": _l("the holder's NIP"),
        "pangkat": _l("the holder's rank and grade"),
        "jabatan": _l("the holder's position"),
        "unit": _l("the holder's unit of work"),
        "judul": _l("the title of the course or class"),
        "lembaga": _l("the institution that held the training"),
        "jp": _l("the lesson hours (JP) earned"),
        "tanggal_mulai": _l("the first day of the training"),
        "tanggal_selesai": _l("the last day of the training"),
        "predikat": _l("the grade or predicate"),
        "nomor": _l("the certificate's number"),
        "tempat": _l("the place of signing"),
        "tanggal": _l("the date of signing"),
    }


def unknown_placeholders(text: str) -> list[str]:
    """The placeholders in `text` that the system does not know, in order, each once."""
    known = placeholders()
    return list(dict.fromkeys(m for m in PLACEHOLDER.findall(text or "") if m not in known))


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each known placeholder replaced by its value; nothing else is interpreted."""
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text or "")


def long_date(day: date | None) -> str:
    """A date as Indonesian documents write it: 2 Desember 2026."""
    return format_date(day, "d MMMM y", locale=LOCALE) if day else ""


def paragraphs(body: str, values: dict[str, str]) -> list[str]:
    """The text's paragraphs (split at blank lines) with their placeholders filled in."""
    filled = (fill(p.strip(), values) for p in re.split(r"\n\s*\n", body or ""))
    return [p for p in filled if p]


@dataclass(frozen=True)
class Image:
    """A picture in the storage."""

    key: str
    content_type: str


@dataclass(frozen=True)
class Signatory:
    name: str
    nip: str
    title: str
    signature: Image | None = None


@dataclass(frozen=True)
class CertificateData:
    """Everything printed on one certificate."""

    number: str
    name: str
    nip: str
    rank: str
    position: str
    unit: str
    title: str
    institution: str
    starts_on: date | None
    ends_on: date | None
    jp: int | float
    predicate: str
    place: str
    signed_on: date
    verify_url: str
    code: str
    signatories: list[Signatory] = field(default_factory=list)
    #: The partner institution's logo, printed beside BKPSDM's for partner classes.
    institution_logo: Image | None = None

    def values(self) -> dict[str, str]:
        """The placeholders' values."""
        jp = f"{self.jp:g}" if isinstance(self.jp, float) else str(self.jp)
        return {
            "nama": self.name,
            "nip": self.nip,
            "pangkat": self.rank,
            "jabatan": self.position,
            "unit": self.unit,
            "judul": self.title,
            "lembaga": self.institution,
            "jp": jp,
            "tanggal_mulai": long_date(self.starts_on),
            "tanggal_selesai": long_date(self.ends_on),
            "predikat": self.predicate,
            "nomor": self.number,
            "tempat": self.place,
            "tanggal": long_date(self.signed_on),
        }


def signatories_of(template: CertificateTemplate) -> list[Signatory]:
    """The template's signatories, as a certificate prints them."""
    return [
        Signatory(s.name, s.nip, s.title, _image(s.signature_key, s.signature_type))
        for s in template.signatories
    ]


def _image(key: str | None, content_type: str) -> Image | None:
    return Image(key, content_type) if key else None


def _data_uri(image: Image | None) -> str:
    """The stored picture inlined; empty when there is none or its file is gone."""
    if image is None:
        return ""
    try:
        with storage().open(image.key) as f:
            content = f.read()
    except (OSError, ValueError):
        return ""
    return f"data:{image.content_type};base64,{base64.b64encode(content).decode()}"


@dataclass(frozen=True)
class Look:
    """How a certificate looks: the layout, the words with placeholders, the pictures."""

    layout: Layout
    title: str
    body: str
    logo: Image | None = None
    background: Image | None = None

    @classmethod
    def of(cls, template: CertificateTemplate) -> "Look":
        return cls(
            template.layout,
            template.title,
            template.body,
            _image(template.logo_key, template.logo_type),
            _image(template.background_key, template.background_type),
        )


def html_of(look: Look | CertificateTemplate, data: CertificateData) -> str:
    """The certificate as an HTML document for WeasyPrint (autoescaped: user text is text)."""
    if isinstance(look, CertificateTemplate):
        look = Look.of(look)
    values = data.values()
    layout = look.layout if look.layout in set(Layout) else Layout.CLASSIC
    qr = segno.make(data.verify_url, error="m", mask=QR_MASK).svg_data_uri(
        scale=4, border=0, dark="#1a1a1a"
    )
    with force_locale(LOCALE):
        return render_template(
            f"certificates/pdf/{Layout(layout).value}.html",
            issuer=current_app.config["CERTIFICATE_ISSUER"].splitlines(),
            title=fill(look.title, values),
            paragraphs=paragraphs(look.body, values),
            data=data,
            signed_on=long_date(data.signed_on),
            logo=_data_uri(look.logo),
            partner_logo=_data_uri(data.institution_logo),
            background=_data_uri(look.background),
            signatories=[(s, _data_uri(s.signature)) for s in data.signatories],
            qr=qr,
            short_url=data.verify_url.split("://", 1)[-1],
        )


def render_pdf(look: Look | CertificateTemplate, data: CertificateData) -> bytes:
    """The certificate as PDF bytes."""
    return pdf.render_pdf(html_of(look, data))
