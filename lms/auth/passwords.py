"""Passwords: argon2id hashes, and the rules a new password must meet."""

import secrets
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher, profiles
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import lazy_gettext as _l

MIN_LENGTH = 12
#: Far above any passphrase; keeps a single request from costing more than a few hashes.
MAX_LENGTH = 1024

#: argon2id with RFC 9106's low-memory profile (64 MiB, 3 passes); see configure().
_hasher = PasswordHasher.from_parameters(profiles.RFC_9106_LOW_MEMORY)
# One-time passwords are random (about 70 bits), so guessing them costs nothing a slow hash
# would add; a light profile lets an import of thousands of people finish in seconds.
# The person's own password, chosen at the next login, gets the full profile.
_light_hasher = PasswordHasher(time_cost=1, memory_cost=8 * 1024, parallelism=1)


class PasswordRejected(ValueError):
    """A new password that does not meet the rules; the message says why."""


@cache
def _common() -> frozenset[str]:
    path = Path(__file__).parent / "data" / "common-passwords.txt"
    lines = path.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_new_password(password: str, *, context: tuple[str, ...] = ()) -> None:
    """Raise PasswordRejected unless the password is long enough and not a common one.

    No composition rules: any Unicode counts, by characters, and nothing is truncated.
    `context` holds words tied to the person (NIP, e-mail, name) that may not be the password.
    """
    if len(password) < MIN_LENGTH:
        raise PasswordRejected(
            _l(
                "Use at least %(n)d characters; a few words together are easy to remember.",
                n=MIN_LENGTH,
            )
        )
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(_l("Use at most %(n)d characters.", n=MAX_LENGTH))
    folded = password.casefold()
    # A common word padded with digits or symbols ("makassar2026!") is just as easy to guess.
    core = folded.strip("0123456789!@#$%^&*()-_=+.,?~ ")
    if folded in _common() or core in _common() or len(set(folded)) < 4:
        raise PasswordRejected(_l("This password is too common. Choose another."))
    for word in context:
        word = (word or "").casefold().strip()
        if len(word) >= 4 and (folded == word or core == word):
            raise PasswordRejected(_l("Do not use your NIP, e-mail or name as the password."))


def configure(profile: str) -> None:
    """Choose the argon2 profile by name (tests use CHEAPEST); existing hashes keep theirs."""
    global _hasher
    _hasher = PasswordHasher.from_parameters(getattr(profiles, profile))
    dummy_hash.cache_clear()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def hash_one_time_password(password: str) -> str:
    return _light_hasher.hash(password)


def new_one_time_password() -> str:
    """Return a random password that reads well aloud and on paper, e.g. "k7mp-2xqa-9d4r-hw3c"."""
    groups = ("".join(secrets.choice(_OTP_ALPHABET) for _ in range(4)) for _ in range(4))
    return "-".join(groups)


#: No 0/o, 1/l/i: one-time passwords are read from paper and typed on phones.
_OTP_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def verify_password(password_hash: str, password: str) -> bool:
    """Check a password against its hash, in constant work whatever the outcome."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash to verify against when the account is unknown, so timing does not tell."""
    return _hasher.hash("not a real password, only for equal timing")
