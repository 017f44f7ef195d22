"""Certificate templates: the admin's form (text with placeholders, pictures, one to three
signatories), the PDF they render to, with the user's text printed literally, and who may."""

import io
import re
import shutil
import subprocess

import pytest
from flask_babel import gettext
from markupsafe import escape
from sqlalchemy import func, select

from lms.auth.models import Role
from lms.certificates import render, services
from lms.certificates.models import CertificateTemplate, Layout, TemplateSignatory
from lms.core.audit import AuditEntry
from lms.core.clock import utcnow
from lms.core.demo_images import logo_png, signature_png
from lms.core.storage import storage
from lms.extensions import db

PNG = logo_png(32)
PDF_TEXT = shutil.which("pdftotext")


def text_of(app, message: str, **kw) -> str:
    """What a page says for `message`, in the default language, as HTML."""
    with app.test_request_context():
        return str(escape(gettext(message, **kw)))


def pdf_pages(pdf: bytes) -> list[str]:
    """The text of each page of a PDF as pdftotext reads it, each on one line."""
    out = subprocess.run(
        [PDF_TEXT, "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    ).stdout.decode()
    return [" ".join(page.split()) for page in out.split("\f")[:-1]]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


needs_pdftotext = pytest.mark.skipif(PDF_TEXT is None, reason="pdftotext (poppler-utils)")


def template_form(**kw) -> dict:
    form = {
        "name": "Sertifikat Pelatihan",
        "layout": "classic",
        "title": "SERTIFIKAT",
        "body": "telah mengikuti {judul} selama {jp} JP.\n\nDengan predikat {predikat}.",
        "place": "Makassar",
        "number_pattern": "800/{seq}/BKPSDM/{year}",
        "active": "y",
        "signatories-0-name": "Dr. H. Andi Zulkifli",
        "signatories-0-nip": "197803152000121002",
        "signatories-0-title": "Kepala BKPSDM Kota Makassar",
    }
    form.update(kw)
    return form


def only_template() -> CertificateTemplate:
    return db.session.scalars(select(CertificateTemplate)).one()


def count_templates() -> int:
    return db.session.scalar(select(func.count(CertificateTemplate.id)))


def sample(template, **kw) -> render.CertificateData:
    from datetime import date

    values = {
        "number": "800/0001/BKPSDM/2026",
        "name": "Andi Muhammad Rizal",
        "nip": "199001012015031001",
        "rank": "Penata Muda (III/a)",
        "position": "Analis Kebijakan",
        "unit": "Bagian Organisasi",
        "title": "Pelatihan Analisis Data",
        "institution": "Universitas Demo",
        "starts_on": date(2026, 11, 30),
        "ends_on": date(2026, 12, 2),
        "jp": 40,
        "predicate": "Sangat Baik",
        "place": "Makassar",
        "signed_on": date(2026, 12, 2),
        "verify_url": "https://bina.test/v/ABCD1234",
        "code": "ABCD1234",
        "signatories": render.signatories_of(template),
    }
    values.update(kw)
    return render.CertificateData(**values)


# Placeholders -----------------------------------------------------------------------------


def test_placeholders_are_replaced_as_text_and_nothing_else_is_interpreted():
    values = {"nama": "Andi <Rizal>", "jp": "40"}

    text = "Kepada {nama} ({jp} JP): {{config}} {{nama}} <script>alert(1)</script> {NAMA}"

    assert render.fill(text, values) == (
        "Kepada Andi <Rizal> (40 JP): {{config}} {{nama}} <script>alert(1)</script> {NAMA}"
    )


def test_unknown_placeholders_are_named():
    assert render.unknown_placeholders("{nama} {foo} {jp} {foo} {bar_baz}") == ["foo", "bar_baz"]
    assert render.unknown_placeholders("{{config}} {nama} {{nama}}") == []


def test_dates_are_written_in_indonesian(app):
    from datetime import date

    assert render.long_date(date(2026, 12, 2)) == "2 Desember 2026"


def test_html_prints_the_users_text_escaped(app, make_template):
    t = make_template(body="{nama} <b>tebal</b> {{ 7*7 }}", title="SERTIFIKAT <i>")

    with app.test_request_context():
        html = render.html_of(t, sample(t, name="Andi <Rizal>"))

    assert "Andi &lt;Rizal&gt; &lt;b&gt;tebal&lt;/b&gt; {{ 7*7 }}" in html
    assert "SERTIFIKAT &lt;i&gt;" in html
    assert "<b>tebal" not in html and "49" not in html


# The form ---------------------------------------------------------------------------------


def test_admin_creates_a_template_with_pictures_and_signatories(admin_client, admin_user):
    response = admin_client.post_form(
        "/sertifikat/templat/baru",
        template_form(
            logo=(io.BytesIO(PNG), "logo.png"),
            **{
                "signatories-0-signature": (io.BytesIO(signature_png()), "ttd.png"),
                "signatories-1-name": "Prof. Dr. Rahmawati",
                "signatories-1-title": "Rektor Universitas Demo",
            },
        ),
    )

    assert response.status_code == 302
    assert response.headers["Location"] == "/sertifikat/templat"
    t = only_template()
    assert (t.name, t.layout, t.place, t.active) == (
        "Sertifikat Pelatihan",
        Layout.CLASSIC,
        "Makassar",
        True,
    )
    assert t.logo_type == "image/png"
    with storage().open(t.logo_key) as f:
        assert f.read() == PNG
    first, second = t.signatories
    assert (first.position, first.name, first.nip) == (
        1,
        "Dr. H. Andi Zulkifli",
        "197803152000121002",
    )
    assert first.signature_type == "image/png"
    assert (second.position, second.name, second.nip, second.signature_key) == (
        2,
        "Prof. Dr. Rahmawati",
        "",
        None,
    )
    [entry] = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "certificate_template.create")
    ).all()
    assert entry.actor_id == admin_user.id and entry.target == f"certificate_template:{t.id}"
    assert len(entry.after["signatories"]) == 2
    page = admin_client.get("/sertifikat/templat").get_data(as_text=True)
    assert "Sertifikat Pelatihan" in page and f'id="template-{t.id}"' in page


def test_unknown_placeholder_is_refused_with_its_name(app, admin_client):
    response = admin_client.post_form(
        "/sertifikat/templat/baru", template_form(body="Kepada {nama} dan {foo}.")
    )

    assert response.status_code == 422
    assert text_of(app, "Unknown placeholder %(names)s.", names="{foo}") in response.get_data(
        as_text=True
    )
    assert count_templates() == 0


def test_the_number_pattern_needs_its_running_number(app, admin_client):
    response = admin_client.post_form(
        "/sertifikat/templat/baru", template_form(number_pattern="800/BKPSDM/{year}")
    )

    assert response.status_code == 422
    assert text_of(app, "The number must contain {seq}.") in response.get_data(as_text=True)
    assert count_templates() == 0


def test_a_template_needs_a_signatory(app, admin_client):
    response = admin_client.post_form(
        "/sertifikat/templat/baru",
        template_form(
            **{"signatories-0-name": "", "signatories-0-nip": "", "signatories-0-title": ""}
        ),
    )

    assert response.status_code == 422
    assert text_of(app, "Give one to %(n)d signatories.", n=3) in response.get_data(as_text=True)
    assert count_templates() == 0


def test_a_signatory_needs_a_name_and_a_position(app, admin_client):
    response = admin_client.post_form(
        "/sertifikat/templat/baru", template_form(**{"signatories-0-title": ""})
    )

    assert response.status_code == 422
    assert text_of(app, "Give each signatory's name and position.") in response.get_data(
        as_text=True
    )
    assert count_templates() == 0


def test_at_most_three_signatories(app, admin_user):
    rows = [services.SignatoryInput(f"Pejabat {i}", "", "Kepala") for i in range(4)]
    data = {
        "name": "Empat",
        "layout": Layout.FORMAL,
        "title": "SERTIFIKAT",
        "body": "{nama}",
        "place": "Makassar",
        "number_pattern": "{seq}",
    }

    with pytest.raises(services.TemplateError) as e:
        services.save_template(CertificateTemplate(), data, rows, actor=admin_user, now=utcnow())

    assert e.value.field == "signatories"
    assert count_templates() == 0


@pytest.mark.parametrize(
    ("field", "upload"),
    [
        ("logo", (io.BytesIO(b"%PDF-1.4 not a picture"), "logo.png")),
        ("background", (io.BytesIO(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), "bg.svg")),
        ("signatories-0-signature", (io.BytesIO(b"MZ\x90\x00 a program"), "ttd.png")),
    ],
)
def test_pictures_of_other_kinds_are_refused(app, admin_client, field, upload):
    response = admin_client.post_form("/sertifikat/templat/baru", template_form(**{field: upload}))

    assert response.status_code == 422
    assert text_of(
        app, "This kind of file is not accepted. Allowed: %(types)s.", types="GIF, JPG, PNG, WEBP"
    ) in response.get_data(as_text=True)
    assert count_templates() == 0


def test_a_picture_above_the_limit_is_refused(app, admin_client):
    app.config["CERTIFICATE_IMAGE_MAX_BYTES"] = 100

    response = admin_client.post_form(
        "/sertifikat/templat/baru", template_form(logo=(io.BytesIO(logo_png(64)), "logo.png"))
    )

    assert response.status_code == 422
    assert text_of(app, "The file is larger than %(limit)s.", limit="1 KB") in response.get_data(
        as_text=True
    )
    assert count_templates() == 0


def test_editing_replaces_and_removes_pictures_and_signatories(
    admin_client, make_template, admin_user
):
    t = make_template(
        signatories=[
            services.SignatoryInput("Satu", "", "Kepala"),
            services.SignatoryInput("Dua", "", "Sekretaris"),
        ]
    )
    admin_client.post_form(
        f"/sertifikat/templat/{t.id}/ubah",
        template_form(name=t.name, logo=(io.BytesIO(PNG), "logo.png")),
    )
    db.session.refresh(t)
    old_logo = t.logo_key
    assert old_logo and [s.name for s in t.signatories] == ["Dr. H. Andi Zulkifli"]

    response = admin_client.post_form(
        f"/sertifikat/templat/{t.id}/ubah",
        template_form(name=t.name, remove_logo="y", layout="modern"),
    )

    assert response.status_code == 302
    db.session.refresh(t)
    assert t.logo_key is None and t.layout == Layout.MODERN
    with pytest.raises(FileNotFoundError):
        storage().open(old_logo)
    assert db.session.scalar(select(func.count(TemplateSignatory.id))) == 1
    assert db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "certificate_template.update")
    ).all()


def test_the_form_lists_the_placeholders(admin_client):
    page = admin_client.get("/sertifikat/templat/baru").get_data(as_text=True)

    assert 'id="placeholders"' in page
    for name in ("{nama}", "{nip}", "{pangkat}", "{jp}", "{tanggal_mulai}", "{predikat}"):
        assert f"<code>{name}</code>" in page


def test_deactivating_keeps_the_template_but_marks_it(admin_client, make_template):
    t = make_template()

    response = admin_client.post_form(f"/sertifikat/templat/{t.id}/nonaktifkan")

    assert response.status_code == 302
    db.session.refresh(t)
    assert t.active is False


# The PDF ----------------------------------------------------------------------------------


@needs_pdftotext
def test_preview_is_a_pdf_with_the_users_text_literally(admin_client, make_template):
    t = make_template(body="{nama} {{config}} <script>x</script> selama {jp} JP.")

    response = admin_client.get(f"/sertifikat/templat/{t.id}/pratinjau", buffered=True)

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Content-Disposition"].startswith("inline")
    assert response.data.startswith(b"%PDF")
    text = pdf_text(response.data)
    assert "Andi Muhammad Rizal, S.Kom. {{config}} <script>x</script> selama 40 JP." in text
    assert "SERTIFIKAT" in text.replace(" ", "")
    assert "Dr. H. Andi Zulkifli" in text and "Kepala BKPSDM Kota Makassar" in text
    assert "NIP. 199001012015031001" in text


@needs_pdftotext
@pytest.mark.parametrize("layout", list(Layout))
def test_every_layout_renders_one_page_with_pictures(app, make_template, admin_user, layout):
    t = make_template(layout=layout)
    services.save_template(
        t,
        {
            "name": t.name,
            "layout": layout,
            "title": "SERTIFIKAT",
            "body": "{pangkat}\n\ntelah mengikuti {judul} pada {tanggal_mulai}.",
            "place": "Makassar",
            "number_pattern": t.number_pattern,
        },
        [
            services.SignatoryInput(
                "Satu", "197803152000121002", "Kepala", signature=_upload(signature_png())
            ),
            services.SignatoryInput("Dua", "", "Sekretaris"),
            services.SignatoryInput("Tiga", "", "Rektor"),
        ],
        actor=admin_user,
        now=utcnow(),
        logo=_upload(PNG),
        background=_upload(logo_png(48)),
    )
    db.session.commit()

    with app.test_request_context():
        pdf = render.render_pdf(
            t, sample(t, institution_logo=render.Image(t.logo_key, "image/png"))
        )

    assert pdf.startswith(b"%PDF")
    [text] = pdf_pages(pdf)
    assert "30 November 2026" in text and "Penata Muda (III/a)" in text
    assert "Makassar, 2 Desember 2026" in text
    assert "bina.test/v/ABCD1234" in text
    assert all(name in text for name in ("Satu", "Dua", "Tiga"))


def test_rendering_fetches_nothing_but_data_uris(app, make_template, monkeypatch):
    import weasyprint

    t = make_template()
    fetched = []
    real = weasyprint.URLFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return real(self, url, headers)

    monkeypatch.setattr(weasyprint.URLFetcher, "fetch", spy)
    monkeypatch.setattr(
        render, "html_of", lambda *a: '<img src="http://example.com/x.png"><p>x</p>'
    )

    with app.test_request_context():
        pdf = render.render_pdf(t, sample(t))

    assert pdf.startswith(b"%PDF") and fetched == ["http://example.com/x.png"]


def _upload(data: bytes):
    from lms.core.uploads import CheckedUpload

    return CheckedUpload(io.BytesIO(data), "image/png", "png", "x.png")


# Access -----------------------------------------------------------------------------------


@pytest.mark.parametrize("roles", [(Role.ASN,), (Role.PARTNER,), (Role.SUPERVISOR,)])
def test_only_admins_manage_templates(client, make_user, make_institution, make_template, roles):
    t = make_template()
    inst = make_institution() if Role.PARTNER in roles else None
    make_user("Bukan Admin", email="bukan@test.id", roles=roles, institution=inst)
    client.login("bukan@test.id")

    for url in (
        "/sertifikat/templat",
        "/sertifikat/templat/baru",
        f"/sertifikat/templat/{t.id}/ubah",
        f"/sertifikat/templat/{t.id}/pratinjau",
    ):
        assert client.get(url).status_code == 403, url
    assert client.post_form(f"/sertifikat/templat/{t.id}/nonaktifkan").status_code == 403
    assert client.post_form("/sertifikat/templat/baru", template_form()).status_code == 403
    db.session.refresh(t)
    assert t.active is True and count_templates() == 1


def test_the_form_keeps_each_signatory_in_its_row(admin_client, make_template):
    t = make_template(
        signatories=[
            services.SignatoryInput("", "", ""),
            services.SignatoryInput("Dua", "", "Sekretaris", signature=_upload(signature_png())),
        ]
    )
    [only] = t.signatories
    assert only.position == 2

    page = admin_client.get(f"/sertifikat/templat/{t.id}/ubah").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="signatories-1-name"[^>]*value="Dua"', page)
    assert not re.search(r'<input[^>]*name="signatories-0-name"[^>]*value="[^"]', page)
    admin_client.post_form(
        f"/sertifikat/templat/{t.id}/ubah",
        template_form(
            name=t.name,
            **{
                "signatories-1-name": "Dua",
                "signatories-1-title": "Sekretaris BKPSDM",
            },
        ),
    )

    db.session.refresh(t)
    first, second = t.signatories
    assert (first.position, second.position, second.title) == (1, 2, "Sekretaris BKPSDM")
    assert second.id == only.id and second.signature_key == only.signature_key
