"""Signed certificate PDFs (PAdES): an issued PDF carries the instance's intact signature over the
whole file; a PDF changed after signing fails the check; the instance's keys are made once, in
the instance folder, and every process uses the same; a configured key and certificate are used
instead of the generated ones."""

import asyncio
import contextvars
import datetime as dt
import io
import json
import os
import stat
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader

from lms.certificates import keys, signing
from tests.test_certificate_issuing import stored_pdf


def signer_certificate(pdf: bytes) -> x509.Certificate:
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    return x509.load_der_x509_certificate(signature.signer_cert.dump())


def test_an_issued_certificate_carries_the_instances_intact_signature(app, make_certificate):
    content = stored_pdf(make_certificate())
    result = signing.check_pdf(content)
    assert result.ok and result.signed
    assert result.signer == keys.SIGNER_NAME
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    assert signature.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"  # PAdES
    assert signature.sig_object["/Location"] == "Makassar"
    # Signed by the certificate kept in the instance folder.
    kept = (Path(app.instance_path) / "keys" / keys.PDF_KEY_FILE).read_bytes()
    assert signer_certificate(content) == x509.load_pem_x509_certificate(
        dict(keys.pem_blocks(kept))["CERTIFICATE"]
    )


def add_text_incrementally(pdf: bytes) -> bytes:
    """The PDF with a note added on its first page, as an editor saving an update would."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page_ref = writer.root["/Pages"]["/Kids"][0]
    page = page_ref.get_object()
    note = writer.add_object(
        generic.DictionaryObject(
            {
                generic.NameObject("/Type"): generic.NameObject("/Annot"),
                generic.NameObject("/Subtype"): generic.NameObject("/FreeText"),
                generic.NameObject("/Rect"): generic.ArrayObject(
                    [generic.NumberObject(n) for n in (50, 50, 300, 80)]
                ),
                generic.NameObject("/Contents"): generic.TextStringObject("Predikat: Istimewa"),
                generic.NameObject("/DA"): generic.TextStringObject("/Helv 12 Tf 0 g"),
            }
        )
    )
    page[generic.NameObject("/Annots")] = generic.ArrayObject([note])
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_a_pdf_changed_after_signing_fails_the_check(app, make_certificate):
    content = stored_pdf(make_certificate())
    updated = add_text_incrementally(content)
    assert updated.startswith(content) and len(updated) > len(content)
    page = PdfFileReader(io.BytesIO(updated)).root["/Pages"]["/Kids"][0]
    assert page["/Annots"][0]["/Contents"] == "Predikat: Istimewa"
    assert not signing.check_pdf(updated).ok

    # One letter changed inside the signed bytes (the producer's name in the document info).
    at = content.index(b"WeasyPrint")
    flipped = content[:at] + b"WeasyPrinT" + content[at + len(b"WeasyPrint") :]
    result = signing.check_pdf(flipped)
    assert result.signed and not result.ok

    assert not signing.check_pdf(b"%PDF-1.7 not really a PDF").ok
    assert not signing.check_pdf(b"").signed


def test_keys_are_made_once_private_and_kept(app, make_certificate):
    first = signer_certificate(stored_pdf(make_certificate()))
    folder = Path(app.instance_path) / "keys"
    files = sorted(p.name for p in folder.iterdir())
    assert files == [keys.PDF_KEY_FILE]  # the credential key comes with the first credential
    assert stat.S_IMODE((folder / keys.PDF_KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    before = (folder / keys.PDF_KEY_FILE).read_bytes()

    keys.forget_cached()  # as a new process would start
    again = signer_certificate(stored_pdf(make_certificate()))
    assert again == first
    assert (folder / keys.PDF_KEY_FILE).read_bytes() == before


def test_processes_starting_at_once_agree_on_the_keys(app, tmp_path):
    """Two processes that find no key both make one; only one is kept, and both use it."""
    script = (
        "import json, sys\n"
        "from cryptography.hazmat.primitives import serialization as s\n"
        "from lms import create_app\n"
        "from lms.certificates import keys\n"
        "app = create_app({'SECRET_KEY': 'x', 'SQLALCHEMY_DATABASE_URI': 'sqlite://'})\n"
        "with app.app_context():\n"
        "    sys.stdin.read()\n"  # wait for the go
        "    pdf = keys.pdf_signing_material().certificate.fingerprint(keys.hashes.SHA256())\n"
        "    ed = keys.credential_key().public_key()\n"
        "    ed = ed.public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)\n"
        "    print(json.dumps([pdf.hex(), ed.hex()]))\n"
    )
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path / "shared")}
    root = Path(__file__).resolve().parent.parent
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", script],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=root,
            env=env,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate("go", timeout=120)[0] for p in procs]
    assert all(p.returncode == 0 for p in procs)
    answers = [json.loads(out) for out in outs]
    assert answers[0] == answers[1]
    names = sorted(p.name for p in (tmp_path / "shared" / "keys").iterdir())
    assert names == sorted([keys.PDF_KEY_FILE, keys.CREDENTIAL_KEY_FILE])  # no temporary left


def test_create_once_keeps_the_first_of_many_writers(tmp_path):
    path = tmp_path / "keys" / "k.pem"
    start = threading.Barrier(8)
    results = []

    def make():
        return os.urandom(32)

    def race():
        start.wait()
        results.append(keys.create_once(path, make))

    threads = [threading.Thread(target=race) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(set(results)) == 1 and results[0] == path.read_bytes()
    assert [p.name for p in path.parent.iterdir()] == ["k.pem"]


# -- a configured key --------------------------------------------------------------------------


def _issued_by_a_real_ca(folder: Path, password: bytes) -> x509.Certificate:
    """A CA, and a signing certificate it issued, written as PEM files: key.pem (encrypted),
    chain.pem (the signer's certificate, then the CA's)."""
    now = dt.datetime.now(dt.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    ca_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ca = (
        x509.CertificateBuilder()
        .subject_name(name("Balai Sertifikasi Uji"))
        .issuer_name(name("Balai Sertifikasi Uji"))
        .public_key(ca_key.public_key())
        .serial_number(1)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name("Kepala BKPSDM Kota Makassar"))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(2)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=365))
        .add_extension(
            x509.KeyUsage(True, True, False, False, False, False, False, False, False),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.BestAvailableEncryption(password),
        )
    )
    (folder / "chain.pem").write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + ca.public_bytes(serialization.Encoding.PEM)
    )
    return certificate


@pytest.fixture
def configured_key(app_config, tmp_path):
    certificate = _issued_by_a_real_ca(tmp_path, b"rahasia-kota")
    app_config["CERTIFICATE_SIGNING_KEY"] = str(tmp_path / "key.pem")
    app_config["CERTIFICATE_SIGNING_CERT"] = str(tmp_path / "chain.pem")
    app_config["CERTIFICATE_SIGNING_KEY_PASSWORD"] = "rahasia-kota"
    return certificate


def test_a_configured_key_and_certificate_are_used(configured_key, app, make_certificate):
    content = stored_pdf(make_certificate())
    assert signer_certificate(content) == configured_key
    result = signing.check_pdf(content)
    assert result.ok and result.signer == "Kepala BKPSDM Kota Makassar"
    # The chain travels in the signature, and nothing was generated.
    signature = PdfFileReader(io.BytesIO(content)).embedded_signatures[0]
    assert len(list(signature.signed_data["certificates"])) == 2
    assert not (Path(app.instance_path) / "keys" / keys.PDF_KEY_FILE).exists()


def test_a_pdf_signed_by_another_key_is_not_ours(app, make_certificate, tmp_path):
    ours = stored_pdf(make_certificate())
    _issued_by_a_real_ca(tmp_path, b"x")
    app.config.update(
        CERTIFICATE_SIGNING_KEY=str(tmp_path / "key.pem"),
        CERTIFICATE_SIGNING_CERT=str(tmp_path / "chain.pem"),
        CERTIFICATE_SIGNING_KEY_PASSWORD="x",
    )
    # Checked against the configured certificate, the PDF signed with the generated key fails.
    result = signing.check_pdf(ours)
    assert result.signed and not result.ok


@pytest.fixture
def unsigned(app_config):
    app_config["CERTIFICATE_PDF_SIGNING"] = False


def test_signing_can_be_turned_off(unsigned, app, make_certificate):
    content = stored_pdf(make_certificate())
    assert not signing.check_pdf(content).signed
    assert not (Path(app.instance_path) / "keys").exists()


def test_signing_and_checking_work_where_an_event_loop_is_running(app):
    """As in a process driven by an asyncio library: pyHanko's own asyncio.run() would fail."""
    from lms.core.pdf import render_pdf

    content = render_pdf("<p>Sertifikat</p>")

    async def inside_a_loop():
        signed = signing.sign_pdf(content)
        return signed, signing.check_pdf(signed)

    # In a thread of its own, whose context is this one (the app's), so that the test does not
    # depend on whether this thread already runs a loop (Playwright's, after browser tests).
    context = contextvars.copy_context()
    with ThreadPoolExecutor(max_workers=1) as pool:
        signed, check = pool.submit(context.run, asyncio.run, inside_a_loop()).result()
    assert check.ok and check.signed and len(signed) > len(content)
