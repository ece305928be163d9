"""Password hashing with argon2id (argon2-cffi), with rehash-on-login when parameters change."""

from __future__ import annotations

from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

# argon2-cffi's defaults follow RFC 9106's "low memory" profile (t=3, m=64 MiB, p=4): about
# 50-100 ms per hash on this class of machine, which also bounds online guessing per core.
HASHER = PasswordHasher()
MIN_PASSWORD_LENGTH = 10


def hash_password(password: str) -> str:
    """The argon2id hash (parameters and salt included) of a password."""
    return HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether `password` matches; never raises on a wrong password or a malformed hash."""
    try:
        return HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the stored hash used other parameters than the current ones."""
    try:
        return HASHER.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against for unknown usernames, so a login for a missing user takes as
    long as one with a wrong password (no user enumeration by timing)."""
    return HASHER.hash("ringscope-no-such-user")


def check_password_policy(password: str) -> None:
    """Raise ValueError when a new password is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if password.strip() != password:
        raise ValueError("password must not start or end with whitespace")
