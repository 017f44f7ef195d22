"""Open Badges 3.0 credentials: signed with the instance's Ed25519 key (eddsa-jcs-2022), the same
each time they are made, checked on a public page (valid, revoked, altered, unknown, not a
credential), the key published as did:web, and downloaded by the holder alone."""

import copy
import io
import json

import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519
from flask_babel import gettext

from lms.certificates import credentials, issuing
from lms.core.clock import utcnow
from lms.extensions import db
from tests.test_certificate_templates import text_of


def as_bytes(document: dict) -> bytes:
    return json.dumps(document, ensure_ascii=False, indent=2).encode()


def test_a_credential_verifies_and_is_the_same_each_time(app, make_certificate):
    certificate = make_certificate(jp=24, pdf=False)
    credential = credentials.credential_for(certificate)
    assert credentials.credential_for(certificate) == credential
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"] == credentials.CONTEXT
    assert credential["id"] == issuing.verify_url(certificate.code)
    did = credential["issuer"]["id"]
    assert did.startswith("did:web:")
    subject = credential["credentialSubject"]
    assert subject["achievement"]["name"] == certificate.title
    assert subject["creditsEarned"] == 24
    assert {"identityType": "name", "identityHash": certificate.holder_name}.items() <= (
        subject["identifier"][0].items()
    )
    assert certificate.holder_nip not in json.dumps(credential)  # only its salted hash
    proof = credential["proof"]
    assert proof["cryptosuite"] == "eddsa-jcs-2022"
    assert proof["verificationMethod"] == f"{did}#key-1"
    assert proof["proofValue"].startswith("z")

    result = credentials.check(as_bytes(credential))
    assert result.ok and result.status == credentials.Status.VALID
    assert result.certificate.id == certificate.id
    assert result.message == gettext(
        "Valid: the credential is intact and the certificate is in force."
    )


#: The eddsa-jcs-2022 test vector of the W3C "Data Integrity EdDSA Cryptosuites v1.0"
#: (its TestVectors/keyPair.json and eddsa-jcs-2022/signedJCS.json).
SPEC_PUBLIC = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
SPEC_SECRET = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
SPEC_SIGNED = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/examples/v2",
    ],
    "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
    "type": ["VerifiableCredential", "AlumniCredential"],
    "name": "Alumni Credential",
    "description": "A minimum viable example of an Alumni Credential.",
    "issuer": "https://vc.example/issuers/5678",
    "validFrom": "2023-01-01T00:00:00Z",
    "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    "proof": {
        "type": "DataIntegrityProof",
        "cryptosuite": "eddsa-jcs-2022",
        "created": "2023-02-24T23:36:38Z",
        "verificationMethod": (
            "https://vc.example/issuers/5678#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
        ),
        "proofPurpose": "assertionMethod",
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://www.w3.org/ns/credentials/examples/v2",
        ],
        "proofValue": (
            "z63t83Y53KfzJ5ZosfKTnqfMcKB2dmTrfjSaQjeNNjAD5srBowQfmWqeRb8rRjmeEuCBEsddF9LsVogtuTsijJKh4"
        ),
    },
}


def test_the_proof_is_eddsa_jcs_2022_as_specified():
    from datetime import UTC, datetime

    public = credentials.b58decode(SPEC_PUBLIC[1:])
    secret = credentials.b58decode(SPEC_SECRET[1:])
    assert public[:2] == credentials.ED25519_PUB and secret[:2] == b"\x80\x26"
    public_key = ed25519.Ed25519PublicKey.from_public_bytes(public[2:])
    assert credentials.public_key_multibase(public_key) == SPEC_PUBLIC
    assert credentials.verify_proof(SPEC_SIGNED, public_key)

    signed = credentials.add_proof(
        {k: v for k, v in SPEC_SIGNED.items() if k != "proof"},
        ed25519.Ed25519PrivateKey.from_private_bytes(secret[2:]),
        verification_method=SPEC_SIGNED["proof"]["verificationMethod"],
        created=datetime(2023, 2, 24, 23, 36, 38, tzinfo=UTC),
    )
    assert signed == SPEC_SIGNED


def _set(path: str, value):
    def change(document: dict) -> None:
        *parents, last = path.split(".")
        target = document
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return change


@pytest.mark.parametrize(
    "change",
    [
        _set("name", "Pelatihan Kepemimpinan Nasional"),
        _set("credentialSubject.creditsEarned", 240),
        _set("credentialSubject.achievement.creditsAvailable", 240),
        _set("credentialSubject.identifier.0.identityHash", "Orang Lain"),
        _set("credentialSubject.result.0.value", "Sangat Memuaskan"),
        _set("validFrom", "2020-01-01T00:00:00Z"),
        _set("issuer.name", "Lembaga Lain"),
        _set("proof.created", "2020-01-01T00:00:00Z"),
    ],
    ids=["name", "jp", "jp-offered", "holder", "predicate", "date", "issuer", "proof-date"],
)
def test_changing_any_field_breaks_the_signature(app, make_certificate, change):
    credential = credentials.credential_for(make_certificate(pdf=False))
    altered = copy.deepcopy(credential)
    change(altered)
    result = credentials.check(as_bytes(altered))
    assert not result.ok and result.status == credentials.Status.ALTERED
    assert result.certificate is None
    assert result.message == gettext(
        "The signature does not match: the credential was altered after it was issued, "
        "or it was not issued by Bina ASN."
    )
    # Re-ordering or re-indenting is no change: JCS makes one canonical form.
    shuffled = json.dumps(dict(reversed(list(credential.items())))).encode()
    assert credentials.check(shuffled).ok


def test_a_revoked_certificates_credential_says_revoked(app, make_certificate, admin_user):
    certificate = make_certificate(pdf=False)
    credential = credentials.credential_for(certificate)
    issuing.revoke(certificate, "Nama keliru", actor=admin_user, now=utcnow())
    db.session.commit()
    result = credentials.check(as_bytes(credential))
    assert not result.ok and result.status == credentials.Status.REVOKED
    assert result.certificate.id == certificate.id
    from flask_babel import format_date

    from lms.core.clock import local_date

    assert result.message == gettext(
        "The signature is intact, but this certificate was revoked on %(date)s.",
        date=format_date(local_date(certificate.revoked_at), "long"),
    )


def test_a_credential_naming_no_certificate_of_ours_is_unknown(app, make_certificate):
    from lms.certificates import keys

    credential = credentials.credential_for(make_certificate(pdf=False))
    credential["id"] = issuing.verify_url("A" * issuing.CODE_LENGTH)
    resigned = credentials.add_proof(
        credential,
        keys.credential_key(),
        verification_method=credential["proof"]["verificationMethod"],
        created=utcnow(),
    )
    result = credentials.check(as_bytes(resigned))
    assert not result.ok and result.status == credentials.Status.UNKNOWN
    assert result.message == gettext(
        "The signature is ours, but the certificate it names is not known here."
    )


def test_what_is_not_a_credential_gets_a_plain_answer(app):
    not_one = gettext(
        "This is not a credential: a credential is a JSON file as downloaded from Bina ASN."
    )
    for data in (b"%PDF-1.7", b"[1, 2]", b'{"name": "x"}', "é".encode("latin-1"), b""):
        result = credentials.check(data)
        assert not result.ok and result.message == not_one, data
    big = credentials.check(b" " * (credentials.MAX_BYTES + 1))
    assert big.message == gettext(
        "The file is too big for a credential (at most %(kb)d KB).",
        kb=credentials.MAX_BYTES // 1024,
    )
    unsigned = credentials.check(b'{"id": "https://bina.example/v/ABC"}')
    assert unsigned.message == gettext("This credential carries no signature.")


def test_did_json_publishes_the_key_that_verifies(app, client, make_certificate):
    credential = credentials.credential_for(make_certificate(pdf=False))
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    document = response.get_json()
    method = document["verificationMethod"][0]
    assert method["type"] == "Multikey" and document["assertionMethod"] == [method["id"]]
    raw = credentials.b58decode(method["publicKeyMultibase"][1:])
    assert raw[:2] == credentials.ED25519_PUB
    key = ed25519.Ed25519PublicKey.from_public_bytes(raw[2:])
    assert credentials.verify_proof(credential, key)
    # The document's DID is the credential's issuer when both come from the same address.
    with app.test_request_context(base_url="http://localhost/"):
        assert credentials.site_did() == document["id"] == "did:web:localhost"


def test_only_the_holder_and_admins_download_a_credential(
    app, new_client, make_user, make_certificate, admin_user
):
    holder = make_user("Andi Muhammad Rizal")
    certificate = make_certificate(holder, pdf=False)
    url = f"/sertifikat/{certificate.id}/kredensial.json"

    anonymous = new_client()
    assert anonymous.get(url).headers["Location"].startswith("/masuk")

    other = new_client()
    other.login(make_user("Nurul Hidayah").nip)
    assert other.get(url).status_code == 404

    mine = new_client()
    mine.login(holder.nip)
    response = mine.get(url)
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert ".json" in response.headers["Content-Disposition"]
    assert credentials.check(response.data).ok
    assert response.get_json()["credentialSubject"]["identifier"][0]["identityHash"] == (
        "Andi Muhammad Rizal"
    )

    admin = new_client()
    admin.login(admin_user.email)
    assert admin.get(url).status_code == 200
    assert admin.get("/sertifikat/999999/kredensial.json").status_code == 404


def test_the_public_page_checks_an_uploaded_or_pasted_credential(app, client, make_certificate):
    certificate = make_certificate(pdf=False)
    with app.test_request_context(base_url="http://localhost/"):
        credential = credentials.credential_for(certificate)
    page = client.get("/verifikasi/kredensial")
    assert page.status_code == 200

    sent = client.post_form(
        "/verifikasi/kredensial",
        {"file": (io.BytesIO(as_bytes(credential)), "kredensial.json")},
        content_type="multipart/form-data",
    )
    html = sent.get_data(as_text=True)
    assert sent.status_code == 200
    assert text_of(app, "Valid: the credential is intact and the certificate is in force.") in html
    assert certificate.holder_name in html and certificate.number in html

    credential["credentialSubject"]["creditsEarned"] = 99
    pasted = client.post_form("/verifikasi/kredensial", {"text": json.dumps(credential)})
    html = pasted.get_data(as_text=True)
    assert (
        text_of(
            app,
            "The signature does not match: the credential was altered after it was issued, "
            "or it was not issued by Bina ASN.",
        )
        in html
    )
    assert certificate.holder_name not in html

    empty = client.post_form("/verifikasi/kredensial", {"text": "  "})
    assert text_of(app, "Choose the credential file, or paste its content.") in empty.get_data(
        as_text=True
    )


@pytest.fixture
def tight_limit(app_config):
    app_config["CERTIFICATE_VERIFY_RATE_LIMIT"] = "3 per minute"


def test_the_check_is_rate_limited(tight_limit, app, client):
    token = client.csrf_token()
    answers = [
        client.post("/verifikasi/kredensial", data={"text": "{}", "csrf_token": token}).status_code
        for _ in range(4)
    ]
    assert answers == [200, 200, 200, 429]
