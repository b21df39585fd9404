"""Who the shopper is, decided by the server: a guest, or a customer signed in by a credential the
server verifies. No caller-supplied customer id is ever trusted.

A store signs its logged-in shopper in through the embed snippet with a short-lived, single-use
token: a standard JWT (HS256) with ``sub`` = the customer id, ``exp`` = expiry (Unix seconds) and
``jti`` = a random id, signed with the secret shared with Aisle (``AISLE_EMBED_SECRET``). Any JWT
library mints one; so does ``mint_embed_token`` and ``aisle token``. The signature is an
HMAC-SHA256 over the customer id and expiry, compared in constant time (PyJWT's
``hmac.compare_digest``). An expired, malformed, tampered, replayed or over-long-lived token, or one
for a customer the store doesn't have, signs nobody in: the shopper is a guest, and ``Identity.note``
says why (for the store's developers; it names nobody).

>>> secret = "s" * 32
>>> tokens = EmbedTokens(secret, claim=lambda jti, expires: True, customer_exists=lambda cid: cid == "C001")
>>> tokens.verify(mint_embed_token("C001", secret)).customer_id
'C001'
>>> tokens.verify("C002").customer_id is None
True
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from assistant.errors import AisleError

SignedInBy = Literal["guest", "token", "demo", "cli"]
MIN_SECRET_CHARS = 32  # HS256 keys shorter than the hash are weak (RFC 7518 §3.2)
LEEWAY_S = 30  # clock difference allowed between the store's server and Aisle's


class EmbedSecretTooShort(AisleError):
    """The embed secret is set but too short to sign with safely."""


@dataclass(frozen=True)
class Identity:
    customer_id: str | None  # None: a guest
    signed_in_by: SignedInBy = "guest"
    note: str = ""  # why a presented token signed nobody in

    @property
    def is_guest(self) -> bool:
        return self.customer_id is None


GUEST = Identity(None)


def mint_embed_token(customer_id: str, secret: str, ttl_s: int = 600, now: float | None = None) -> str:
    """A sign-in token for the store's page (what the store's backend does on each page view).

    >>> mint_embed_token("C001", "s" * 32).count(".")
    2
    """
    import jwt

    issued = int(time.time() if now is None else now)
    claims = {"sub": customer_id, "exp": issued + ttl_s, "iat": issued, "jti": secrets.token_urlsafe(16)}
    return jwt.encode(claims, secret, algorithm="HS256")


class EmbedTokens:
    """Verifies the store's sign-in tokens. ``claim(jti, expires)`` returns True only the first time a
    token id is seen (``knowledge.store.sessions.SessionRegistry.claim_token``); ``max_ttl_s`` refuses tokens
    meant to live longer than that (a token in a page's HTML must be short-lived)."""

    def __init__(self, secret: str, claim: Callable[[str, datetime], bool], customer_exists: Callable[[str], bool],
                 max_ttl_s: int = 3600, now: Callable[[], float] = time.time):
        if secret and len(secret) < MIN_SECRET_CHARS:
            raise EmbedSecretTooShort(f"the embed secret is {len(secret)} characters; use at least "
                                      f"{MIN_SECRET_CHARS} random ones, e.g. `python -c 'import secrets; "
                                      "print(secrets.token_urlsafe(32))'`.")
        self.secret = secret
        self.claim = claim
        self.customer_exists = customer_exists
        self.max_ttl_s = max_ttl_s
        self.now = now

    @property
    def enabled(self) -> bool:
        return bool(self.secret)

    def verify(self, token: str | None) -> Identity:
        """The customer the token signs in, or a guest with the reason in ``note``."""
        import jwt

        token = (token or "").strip()
        if not token:
            return GUEST
        if not self.secret:
            return Identity(None, note="sign-in tokens are off: no embed secret is set")
        if len(token) > 4096:
            return Identity(None, note="malformed token")
        try:
            claims = jwt.decode(token, self.secret, algorithms=["HS256"],
                                options={"require": ["sub", "exp", "jti"], "verify_exp": False}, leeway=LEEWAY_S)
        except jwt.InvalidSignatureError:
            return Identity(None, note="bad signature")
        except jwt.PyJWTError:
            return Identity(None, note="malformed token")
        customer, expires, jti = claims.get("sub"), claims.get("exp"), claims.get("jti")
        if not (isinstance(customer, str) and customer and isinstance(jti, str) and jti
                and isinstance(expires, int | float)):
            return Identity(None, note="malformed token")
        now = self.now()
        if expires + LEEWAY_S < now:
            return Identity(None, note="expired token")
        if expires > now + self.max_ttl_s + LEEWAY_S:
            return Identity(None, note=f"token lives longer than {self.max_ttl_s} s")
        if not self.customer_exists(customer):
            return Identity(None, note="unknown customer")
        if not self.claim(jti[:128], datetime.fromtimestamp(expires + LEEWAY_S, UTC).replace(tzinfo=None)):
            return Identity(None, note="token already used")
        return Identity(customer, "token")
