"""The instance's keys: an Ed25519 key that signs the Open Badges credentials, and a key with
an X.509 certificate that signs the PDFs.

Both are generated on first use into `<instance>/keys/` (readable by the owner only) unless a
real key and certificate are configured for the PDFs (CERTIFICATE_SIGNING_KEY and
CERTIFICATE_SIGNING_CERT). Several processes may start at once (gunicorn workers, the job
worker): a key file is written whole under a temporary name and then linked into place, which
fails if another process got there first; the loser reads the winner's file, so every process
ends up with the same key.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509.oid import NameOID
from flask import current_app

#: Who the generated PDF certificate names.
SIGNER_NAME = "Bina ASN \u2014 BKPSDM Kota Makassar"
SIGNER_YEARS = 10
CREDENTIAL_KEY_FILE = "credentials-ed25519.pem"
#: The generated PDF key and its certificate, in one file so that they are created together.
PDF_KEY_FILE = "pdf-signing.pem"

_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----.+?-----END \1-----\r?\n?", re.S)


def keys_folder() -> Path:
    return Path(current_app.instance_path) / "keys"


def create_once(path: Path, make: Callable[[], bytes]) -> bytes:
    """The content of `path`, written from `make()` if it does not exist yet.

    The new content goes to a private temporary file that is then hard-linked to `path`:
    linking never replaces an existing file, so of two processes creating it at once, one
    wins and the other reads what the winner wrote.
    """
    with contextlib.suppress(FileNotFoundError):
        return path.read_bytes()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(make())
            out.flush()
            os.fsync(out.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes()


def pem_blocks(content: bytes) -> list[tuple[str, bytes]]:
    """The PEM blocks of a file, as (label, block): "PRIVATE KEY", "CERTIFICATE", ..."""
    return [(m.group(1).decode(), m.group(0)) for m in _PEM_BLOCK.finditer(content)]


# -- the credential key -------------------------------------------------------------------------


def _new_ed25519() -> bytes:
    return ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def credential_key() -> ed25519.Ed25519PrivateKey:
    """The Ed25519 key that signs credentials (cached per process and key file)."""
    return _load_ed25519(str(keys_folder() / CREDENTIAL_KEY_FILE))


_ed25519_cache: dict[str, ed25519.Ed25519PrivateKey] = {}


def _load_ed25519(path: str) -> ed25519.Ed25519PrivateKey:
    key = _ed25519_cache.get(path)
    if key is None:
        key = serialization.load_pem_private_key(create_once(Path(path), _new_ed25519), None)
        if not isinstance(key, ed25519.Ed25519PrivateKey):
            raise ValueError(f"{path} does not hold an Ed25519 key")
        _ed25519_cache[path] = key
    return key


# -- the PDF key and certificate ----------------------------------------------------------------


@dataclass(frozen=True)
class SigningMaterial:
    """A private key and its certificate, followed by the rest of the chain (PEM-loaded)."""

    key: object
    chain: list[x509.Certificate]

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]


def _new_pdf_key_and_certificate() -> bytes:
    """An ECDSA P-256 key with a self-signed certificate for signing documents, as PEM."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, SIGNER_NAME),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Pemerintah Kota Makassar"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "Makassar"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "ID"),
        ]
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * SIGNER_YEARS + SIGNER_YEARS // 4))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # non-repudiation: what PDF validators ask of a signer
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ) + certificate.public_bytes(serialization.Encoding.PEM)


def pdf_signing_material() -> SigningMaterial:
    """The configured key and certificate chain, else the generated ones (cached)."""
    config = current_app.config
    if config.get("CERTIFICATE_SIGNING_KEY") or config.get("CERTIFICATE_SIGNING_CERT"):
        return _load_configured(
            config["CERTIFICATE_SIGNING_KEY"],
            config["CERTIFICATE_SIGNING_CERT"],
            config.get("CERTIFICATE_SIGNING_KEY_PASSWORD") or "",
        )
    return _load_generated(str(keys_folder() / PDF_KEY_FILE))


_material_cache: dict[tuple, SigningMaterial] = {}


def _load_generated(path: str) -> SigningMaterial:
    material = _material_cache.get((path,))
    if material is None:
        content = create_once(Path(path), _new_pdf_key_and_certificate)
        material = _material(content, content, None)
        _material_cache[(path,)] = material
    return material


def _load_configured(key_path: str, cert_path: str, password: str) -> SigningMaterial:
    cache_key = (key_path, cert_path, password)
    material = _material_cache.get(cache_key)
    if material is None:
        if not (key_path and cert_path):
            raise ValueError("set both CERTIFICATE_SIGNING_KEY and CERTIFICATE_SIGNING_CERT")
        material = _material(
            Path(key_path).read_bytes(), Path(cert_path).read_bytes(), password or None
        )
        _material_cache[cache_key] = material
    return material


def _material(key_pem: bytes, chain_pem: bytes, password: str | None) -> SigningMaterial:
    """The key and the certificates out of PEM text (other blocks are skipped)."""
    blocks = pem_blocks(key_pem)
    key_blocks = [b for label, b in blocks if label.endswith("PRIVATE KEY")]
    if not key_blocks:
        raise ValueError("no private key in the signing key file")
    key = serialization.load_pem_private_key(key_blocks[0], password.encode() if password else None)
    chain = [
        x509.load_pem_x509_certificate(b)
        for label, b in pem_blocks(chain_pem)
        if label == "CERTIFICATE"
    ]
    if not chain:
        raise ValueError("no certificate in the signing certificate file")
    if chain[0].public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ) != key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    ):
        raise ValueError("the signing certificate is not the signing key's")
    return SigningMaterial(key, chain)


def forget_cached() -> None:
    """Drop the keys loaded by this process (tests; after replacing a key file)."""
    _ed25519_cache.clear()
    _material_cache.clear()
