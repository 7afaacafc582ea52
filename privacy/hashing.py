"""Keyed hashes (HMAC-SHA256) of contact points, in Python and in SQL.

The key is ``settings.PRIVACY_SUPPRESSION_KEY`` (falling back to SECRET_KEY): without it a
hash cannot be reversed by trying every Hong Kong phone number. Changing the key orphans the
suppression list, so it must be kept like a password.
"""

import hashlib
import hmac
import re

from django.conf import settings
from django.db.models import CharField, Func
from django.db.models.functions import Lower, Trim

BLOCK = 64  # SHA-256 block size in bytes


def _key() -> bytes:
    key = (getattr(settings, "PRIVACY_SUPPRESSION_KEY", "") or settings.SECRET_KEY).encode()
    if len(key) > BLOCK:
        key = hashlib.sha256(key).digest()
    return key.ljust(BLOCK, b"\0")


def normalise(kind: str, value: str) -> str:
    """E-mail: trimmed, lower case. Phone: "+" and digits, a Hong Kong 8-digit number as +852…."""
    value = (value or "").strip()
    if kind == "email":
        return value.lower()
    digits = re.sub(r"\D", "", value)
    if not digits:
        return ""
    if len(digits) == 8 and not value.startswith("+"):
        return "+852" + digits
    return "+" + digits


def keyed_hash(kind: str, value: str) -> str:
    normal = normalise(kind, value)
    if not normal:
        return ""
    return hmac.new(_key(), normal.encode(), hashlib.sha256).hexdigest()


def _sqlite_hmac(value):
    if value is None:
        return None
    return hmac.new(_key(), value.encode(), hashlib.sha256).hexdigest()


def sqlite_register(sender, connection, **kwargs):
    """connection_created hook: SQLite gets the HMAC as a function (PostgreSQL builds it from sha256)."""
    if connection.vendor == "sqlite":
        connection.connection.create_function("privacy_hmac", 1, _sqlite_hmac, deterministic=True)


class KeyedHash(Func):
    """HMAC-SHA256 of a column, as hex, computed by the database: a stored phone number or
    e-mail can be matched against the suppression list in the same query that selects people."""

    output_field = CharField()

    def __init__(self, expression, *, kind: str):
        expression = Lower(Trim(expression)) if kind == "email" else Trim(expression)
        super().__init__(expression)

    def as_sql(self, compiler, connection, **extra_context):
        arg_sql, arg_params = compiler.compile(self.source_expressions[0])
        if connection.vendor == "postgresql":
            key = _key()
            inner = bytes(b ^ 0x36 for b in key)
            outer = bytes(b ^ 0x5C for b in key)
            sql = f"encode(sha256(%s::bytea || sha256(%s::bytea || convert_to({arg_sql}, 'UTF8'))), 'hex')"
            return sql, [outer, inner, *arg_params]
        return f"privacy_hmac({arg_sql})", list(arg_params)
