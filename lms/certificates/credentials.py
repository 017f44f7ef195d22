"""Certificates as Open Badges 3.0 credentials (W3C Verifiable Credentials 2.0), signed with the
instance's Ed25519 key, and the check of an uploaded credential.

The proof is a Data Integrity proof with the `eddsa-jcs-2022` cryptosuite: the proof options
and the credential are each canonicalised with JCS (RFC 8785) and hashed with SHA-256; the
Ed25519 signature of the two hashes, options first, is the proof value (multibase base58btc).
The issuer is the site as a `did:web`, whose document (/.well-known/did.json) publishes the
public key, so that any verifier can check a credential without asking us.

A credential is built from the certificate's immutable snapshot, its proof dated when the
certificate was issued: produced twice, it is the same (Ed25519 signatures are deterministic).
"""

from __future__ import annotations

import enum
import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

import rfc8785
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from flask import current_app
from flask_babel import force_locale, format_date
from flask_babel import gettext as _

from lms.certificates import issuing, keys, public, render
from lms.certificates.models import Certificate
from lms.core.clock import local_date

CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
CRYPTOSUITE = "eddsa-jcs-2022"
KEY_ID = "key-1"
#: The multicodec prefix of an Ed25519 public key (0xed, as a varint) in a Multikey.
ED25519_PUB = b"\xed\x01"
#: The largest credential file the check reads; ours are a few kilobytes.
MAX_BYTES = 64 * 1024


# -- base58btc, multibase -----------------------------------------------------------------------

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58encode(data: bytes) -> str:
    n, out = int.from_bytes(data, "big"), ""
    while n:
        n, r = divmod(n, 58)
        out = B58[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def b58decode(text: str) -> bytes:
    """Raises ValueError on a character outside the alphabet."""
    n = 0
    for c in text:
        n = n * 58 + B58.index(c)
    zeros = len(text) - len(text.lstrip("1"))
    return b"\0" * zeros + (n.to_bytes((n.bit_length() + 7) // 8, "big") if n else b"")


def public_key_multibase(public: ed25519.Ed25519PublicKey) -> str:
    """The key as a Multikey's publicKeyMultibase: z + base58btc(0xed01 + 32 bytes)."""
    return "z" + b58encode(ED25519_PUB + public.public_bytes(Encoding.Raw, PublicFormat.Raw))


# -- the proof (eddsa-jcs-2022) -----------------------------------------------------------------


def _hash_data(document: dict, options: dict) -> bytes:
    """SHA-256 of the canonical proof options, then of the canonical document."""
    return (
        hashlib.sha256(rfc8785.dumps(options)).digest()
        + hashlib.sha256(rfc8785.dumps(document)).digest()
    )


def add_proof(
    document: dict,
    key: ed25519.Ed25519PrivateKey,
    *,
    verification_method: str,
    created: datetime,
) -> dict:
    """The document with a DataIntegrityProof (eddsa-jcs-2022) by `key`."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": "assertionMethod",
    }
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    signature = key.sign(_hash_data(unsecured, options))
    return {**unsecured, "proof": {**options, "proofValue": "z" + b58encode(signature)}}


def verify_proof(secured: dict, public: ed25519.Ed25519PublicKey) -> bool:
    """Whether the document's eddsa-jcs-2022 proof is a signature by `public` of it as it is."""
    proof = secured.get("proof")
    if not isinstance(proof, dict):
        return False
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        return False
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        return False
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    unsecured = {k: v for k, v in secured.items() if k != "proof"}
    if "@context" in options:
        # The proof's context must be where the document's begins, in the same order.
        context = unsecured.get("@context")
        wanted = (
            options["@context"] if isinstance(options["@context"], list) else [options["@context"]]
        )
        if not isinstance(context, list) or context[: len(wanted)] != wanted:
            return False
    try:
        public.verify(b58decode(value[1:]), _hash_data(unsecured, options))
    except (ValueError, InvalidSignature, TypeError):
        return False
    return True


def _timestamp(moment: datetime) -> str:
    """An XML Schema dateTime in UTC, to the second: 2026-12-02T03:04:05Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- the issuer ---------------------------------------------------------------------------------


def site_did(url: str | None = None) -> str:
    """The site as a did:web (its host; a port is written %3A), from `url` or the site's own
    address as the QR codes print it."""
    host = urlsplit(url or issuing.verify_url("")).netloc
    return "did:web:" + host.replace(":", "%3A")


def issuer_name() -> str:
    return " \u2014 ".join(
        line.strip() for line in current_app.config["CERTIFICATE_ISSUER"].splitlines() if line
    )


def did_document() -> dict:
    """The did:web document: the Ed25519 key that signs credentials, as a Multikey."""
    did = site_did()
    method = f"{did}#{KEY_ID}"
    return {
        "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": public_key_multibase(keys.credential_key().public_key()),
            }
        ],
        "assertionMethod": [method],
    }


# -- the credential -----------------------------------------------------------------------------


def credential_for(certificate: Certificate) -> dict:
    """The certificate as a signed OpenBadgeCredential (the same each time it is produced)."""
    url = issuing.verify_url(certificate.code)
    did = site_did(url)
    site = f"{urlsplit(url).scheme}://{urlsplit(url).netloc}"
    values = issuing.data_of(certificate).values()
    # An achievement is the course, or the class, whatever the number of holders.
    if certificate.cohort_id is not None:
        what = f"{site}/kelas/{certificate.cohort_id}"
    else:
        what = f"{site}/kursus/{certificate.course_id or certificate.title}"
    achievement_id = f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, what)}"
    narrative = "\n\n".join(render.paragraphs(certificate.body, values))
    with force_locale(render.LOCALE):  # a certificate is an Indonesian document
        description = _(
            "%(title)s, held by %(institution)s: %(jp)s lesson hours (JP).",
            title=certificate.title,
            institution=certificate.institution,
            jp=values["jp"],
        )
        number = _("Certificate number %(number)s", number=certificate.number)
    results = [
        {
            "type": ["Result"],
            "resultDescription": f"{achievement_id}#predikat",
            "value": certificate.predicate,
        }
    ]
    result_descriptions = [
        {
            "id": f"{achievement_id}#predikat",
            "type": ["ResultDescription"],
            "name": "Predikat",
            "resultType": "Status",
        }
    ]
    if certificate.score is not None:
        results.append(
            {
                "type": ["Result"],
                "resultDescription": f"{achievement_id}#nilai",
                "value": f"{certificate.score:g}",
            }
        )
        result_descriptions.append(
            {
                "id": f"{achievement_id}#nilai",
                "type": ["ResultDescription"],
                "name": "Nilai",
                "resultType": "Percent",
                "valueMin": "0",
                "valueMax": "100",
            }
        )
    document = {
        "@context": CONTEXT,
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": certificate.title,
        "description": number,
        "issuer": {"id": did, "type": ["Profile"], "name": issuer_name(), "url": site},
        "validFrom": _timestamp(certificate.issued_at),
        "awardedDate": _timestamp(certificate.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "name",
                    "hashed": False,
                    "identityHash": certificate.holder_name,
                },
                *([_hashed_nip(certificate)] if certificate.holder_nip else []),
            ],
            "achievement": {
                "id": achievement_id,
                "type": ["Achievement"],
                "achievementType": "Course",
                "name": certificate.title,
                "description": description,
                "criteria": {"narrative": narrative or description},
                "creditsAvailable": certificate.jp,
                "resultDescription": result_descriptions,
                "inLanguage": "id",
            },
            "creditsEarned": certificate.jp,
            "result": results,
        },
        "credentialStatus": {"id": url, "type": "BinaAsnVerificationPage"},
    }
    return add_proof(
        document,
        keys.credential_key(),
        verification_method=f"{did}#{KEY_ID}",
        created=certificate.issued_at,
    )


def _hashed_nip(certificate: Certificate) -> dict:
    """The NIP as an IdentityHash, salted with the certificate's code: whoever knows the
    holder's NIP can match it; the credential alone does not print it."""
    salt = certificate.code
    digest = hashlib.sha256((certificate.holder_nip + salt).encode()).hexdigest()
    return {
        "type": "IdentityObject",
        "identityType": "ext:NIP",
        "hashed": True,
        "identityHash": f"sha256${digest}",
        "salt": salt,
    }


# -- the check ----------------------------------------------------------------------------------


class Status(enum.StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    ALTERED = "altered"
    UNKNOWN = "unknown"
    UNREADABLE = "unreadable"


@dataclass(frozen=True)
class CredentialCheck:
    """What an uploaded credential turned out to be, in words for anyone."""

    ok: bool
    message: str
    certificate: Certificate | None = None
    status: Status = Status.UNREADABLE


_CODE_IN_URL = re.compile(r"/v/([0-9A-Za-z-]{8,40})/?$")


def check(data: bytes) -> CredentialCheck:
    """Check a credential file: our signature, then the certificate it names and its state."""
    if len(data) > MAX_BYTES:
        return CredentialCheck(
            False,
            _("The file is too big for a credential (at most %(kb)d KB).", kb=MAX_BYTES // 1024),
        )
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        document = None
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        return CredentialCheck(
            False,
            _("This is not a credential: a credential is a JSON file as downloaded from Bina ASN."),
        )
    if not isinstance(document.get("proof"), dict):
        return CredentialCheck(
            False, _("This credential carries no signature."), status=Status.ALTERED
        )
    if not verify_proof(document, keys.credential_key().public_key()):
        return CredentialCheck(
            False,
            _(
                "The signature does not match: the credential was altered after it was issued, "
                "or it was not issued by Bina ASN."
            ),
            status=Status.ALTERED,
        )
    match = _CODE_IN_URL.search(urlsplit(document["id"]).path)
    certificate = public.find_certificate(match.group(1)) if match else None
    if certificate is None:
        return CredentialCheck(
            False,
            _("The signature is ours, but the certificate it names is not known here."),
            status=Status.UNKNOWN,
        )
    if not certificate.valid:
        return CredentialCheck(
            False,
            _(
                "The signature is intact, but this certificate was revoked on %(date)s.",
                date=format_date(local_date(certificate.revoked_at), "long"),
            ),
            certificate,
            Status.REVOKED,
        )
    return CredentialCheck(
        True,
        _("Valid: the credential is intact and the certificate is in force."),
        certificate,
        Status.VALID,
    )
