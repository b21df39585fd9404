"""Signing a shopper in from the store's own page: the embed snippet passes ``customer`` and
``sig = hex(HMAC-SHA256(secret, customer))``, computed by the store's backend with the shared
secret (``AISLE_EMBED_SECRET``). Without a secret, or with a wrong signature, the shopper is a guest:
a bare customer id in a URL must never unlock someone's orders."""

from __future__ import annotations

import hashlib
import hmac


def sign_customer(customer_id: str, secret: str) -> str:
    return hmac.new(secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def signed_customer(customer_id: str, signature: str, secret: str) -> str | None:
    """The customer id when ``signature`` is its valid signature under ``secret``, else None."""
    if not (secret and customer_id and signature):
        return None
    return customer_id if hmac.compare_digest(sign_customer(customer_id, secret), signature.lower()) else None
