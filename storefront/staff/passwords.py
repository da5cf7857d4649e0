"""Argon2id password hashing (argon2-cffi) with a constant-cost miss path."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 12
MAX_LENGTH = 1024  # argon2 copes with more, but nobody types this much; stops hashing-cost abuse

_hasher = PasswordHasher()


def policy_problem(password: str, email: str = "") -> str | None:
    """Return why a new password is unacceptable, or None."""
    if len(password) < MIN_LENGTH:
        return f"must be at least {MIN_LENGTH} characters"
    if len(password) > MAX_LENGTH:
        return f"must be at most {MAX_LENGTH} characters"
    if email and password.strip().lower() == email.strip().lower():
        return "must not be the email address"
    return None


def hash_password(password: str) -> str:
    """Hash a password with the library's current argon2id parameters."""
    return _hasher.hash(password)


# Verified against when the account does not exist, so a miss costs as much as a wrong
# password (made with the library's default parameters; no hashing at start-up).
DUMMY_HASH = "$argon2id$v=19$m=65536,t=3,p=4$xk4f6U15q5hYmbqcfU8pQg$voktEYSbPo51g/BTvr1SjRPtiYZe4dp0mqaTBCQKA/k"


def verify_password(stored_hash: str | None, password: str) -> bool:
    """Check a password; an unknown account (``stored_hash`` None) costs the same time."""
    if len(password) > MAX_LENGTH:
        return False
    try:
        return _hasher.verify(stored_hash or DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)
