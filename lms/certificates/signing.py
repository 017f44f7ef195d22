"""PAdES signatures on certificate PDFs, with pyHanko.

Each PDF is signed (PAdES baseline B, invisible) with the instance's key, as a certification
signature that allows no change: a PDF reader shows who signed it and whether anything was
changed after. The signer is built once per process: loading the key and certificate for each
certificate would cost more than the signature itself.

`check_pdf` tells whether a PDF carries our signature, intact and covering the whole file.
"""

from __future__ import annotations

import asyncio
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from flask import current_app
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from lms.certificates import keys

#: The signature field's name in every certificate PDF.
FIELD_NAME = "TandaTanganBinaASN"
REASON = "Sertifikat diterbitkan oleh Bina ASN, BKPSDM Kota Makassar"
LOCATION = "Makassar"
#: Room kept in the PDF for the signature's CMS besides the certificates it carries (signed
#: attributes and the signature itself take well under 1.5 KB, even with RSA-4096). A size known
#: in advance spares pyHanko a trial signature on every PDF.
CMS_SLACK = 2048


def _asn1_certificate(certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))


@dataclass(frozen=True)
class _Signer:
    material: keys.SigningMaterial
    signer: signers.PdfSigner
    #: Hex digits kept for the signature in the PDF.
    reserved: int


_signers: dict[int, _Signer] = {}


def pdf_signer() -> _Signer:
    """The pyHanko signer for this instance's key, built once per process."""
    material = keys.pdf_signing_material()
    cached = _signers.get(id(material))
    if cached is not None and cached.material is material:
        return cached
    chain = [_asn1_certificate(c) for c in material.chain]
    signer = signers.SimpleSigner(
        signing_cert=chain[0],
        signing_key=asn1_keys.PrivateKeyInfo.load(
            material.key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
        cert_registry=SimpleCertificateStore.from_certs(chain[1:]),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=REASON,
        location=LOCATION,
        certify=True,
        docmdp_permissions=fields.MDPPerm.NO_CHANGES,
    )
    reserved = 2 * (CMS_SLACK + sum(len(c.dump()) for c in chain))
    # Held with its material, so that the id() cannot be reused while the entry lives.
    cached = _signers[id(material)] = _Signer(material, signers.PdfSigner(meta, signer), reserved)
    return cached


def sign_pdf(content: bytes) -> bytes:
    """The PDF signed with the instance's key; unchanged when CERTIFICATE_PDF_SIGNING is off."""
    if not current_app.config.get("CERTIFICATE_PDF_SIGNING", True):
        return content
    writer = IncrementalPdfFileWriter(io.BytesIO(content), strict=False)
    cached = pdf_signer()
    out = run(cached.signer.async_sign_pdf(writer, bytes_reserved=cached.reserved))
    return out.getvalue()


def run(coroutine):
    """Run one of pyHanko's coroutines to its end, from plain (synchronous) code.

    pyHanko's synchronous functions call asyncio.run(), which refuses to start in a thread
    whose event loop is already running (as in a process driven by Playwright's sync API):
    there the coroutine runs in a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


# -- checking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PdfSignatureCheck:
    """What a PDF's signature says: `ok` only for our signature, intact, over the whole file."""

    ok: bool
    #: Whether the PDF carries any signature at all.
    signed: bool = False
    #: The signer's name (the certificate's common name), when there is a signature.
    signer: str = ""
    signed_at: datetime | None = None


def _common_name(certificate: asn1_x509.Certificate) -> str:
    return certificate.subject.native.get("common_name", "") or certificate.subject.human_friendly


def check_pdf(content: bytes) -> PdfSignatureCheck:
    """Whether `content` carries this instance's signature, intact and covering every byte.

    Trust is our own certificate (and its chain): a PDF signed by anyone else, a signature
    whose signed bytes changed, or a file with anything appended after signing (an incremental
    update adding text, say) is not ok.
    """
    # Anyone's file goes into a PDF parser: whatever it raises (zlib errors in a broken
    # stream, a bad xref, ...) means the file is no intact signed PDF of ours.
    try:
        reader = PdfFileReader(io.BytesIO(content), strict=False)
        embedded = reader.embedded_signatures
    except Exception:
        return PdfSignatureCheck(ok=False)
    if not embedded:
        return PdfSignatureCheck(ok=False)
    signature = embedded[0]
    material = keys.pdf_signing_material()
    ours = [_asn1_certificate(c) for c in material.chain]
    context = ValidationContext(trust_roots=ours, allow_fetching=False)
    try:
        status = run(async_validate_pdf_signature(signature, context, skip_diff=True))
    except Exception as e:
        current_app.logger.info("PDF signature not readable: %r", e)
        return PdfSignatureCheck(ok=False, signed=True)
    ok = (
        len(embedded) == 1
        and status.intact
        and status.valid
        and status.trusted
        and status.coverage == SignatureCoverageLevel.ENTIRE_FILE
        and status.signing_cert.dump() == ours[0].dump()
    )
    return PdfSignatureCheck(
        ok=bool(ok),
        signed=True,
        signer=_common_name(status.signing_cert),
        signed_at=status.signer_reported_dt,
    )
