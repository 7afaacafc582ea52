"""Encryption at rest of personal data fields (identity-document numbers).

Fernet (AES-128-CBC with HMAC-SHA256, a timestamped token) from the ``cryptography`` package.
The key is ``settings.PRIVACY_FIELD_KEY``, falling back to ``SECRET_KEY`` (like the suppression
list's key). Either may be any string: a Fernet key is derived from it with HKDF-SHA256, so a
passphrase is as good as a generated key, and the same secret gives different keys for
different uses. Rotation: put the new key in PRIVACY_FIELD_KEY and the previous ones in
PRIVACY_FIELD_OLD_KEYS; tokens made with an old key still decrypt (MultiFernet), and
``rotate`` re-encrypts a token with the current key.
"""

import base64
import functools

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

INFO = b"crm privacy field encryption v1"

__all__ = ["InvalidToken", "decrypt", "encrypt", "rotate"]


def derive_key(secret: str) -> bytes:
    """A Fernet key (url-safe base64 of 32 bytes) derived from any secret string."""
    if not secret:
        raise ImproperlyConfigured("An encryption key for personal data fields is empty.")
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(secret.encode())
    return base64.urlsafe_b64encode(raw)


def _secrets() -> tuple[str, ...]:
    current = getattr(settings, "PRIVACY_FIELD_KEY", "") or settings.SECRET_KEY
    old = tuple(key for key in getattr(settings, "PRIVACY_FIELD_OLD_KEYS", ()) if key)
    return (current, *old)


@functools.lru_cache(maxsize=8)
def _fernet(secrets: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(derive_key(secret)) for secret in secrets])


def fernet() -> MultiFernet:
    """The current key first (it encrypts), then the old ones (they only decrypt)."""
    return _fernet(_secrets())


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    """The plain text; raises InvalidToken when no configured key made the token."""
    return fernet().decrypt(token.encode("ascii")).decode()


def rotate(token: str) -> str:
    """The same value, encrypted with the current key."""
    return fernet().rotate(token.encode("ascii")).decode("ascii")
