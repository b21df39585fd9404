"""The shopper's sign-in rules: which identity a new chat session gets, from what the server has
verified itself (a sign-in token, or the demo's picker in demo mode), and which session a call acts
in. Nothing here takes a customer id from the caller outside demo mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.conversations import Conversations
from assistant.errors import InvalidMessage
from assistant.identity import GUEST, EmbedTokens, Identity

GUEST_CHOICE = "guest"  # the demo picker's "not signed in"


class ShopperSessions:
    def __init__(self, conversations: Conversations, customer_exists: Callable[[str], bool], demo_mode: bool,
                 tokens: EmbedTokens):
        self.conversations = conversations
        self.customer_exists = customer_exists
        self.demo_mode = demo_mode
        self.tokens = tokens

    def start(self, identity: Identity = GUEST, client: str | None = None) -> str:
        return self.conversations.start(identity, client)

    def from_token(self, token: str | None) -> Identity:
        return self.tokens.verify(token)

    def demo_identity(self, customer: str | None) -> Identity:
        """Demo mode only: act as the picked customer (or a guest)."""
        if not self.demo_mode:
            raise InvalidMessage("Acting as a customer is only possible in demo mode; sign in with a token.")
        if not customer or customer == GUEST_CHOICE:
            return GUEST
        if not self.customer_exists(customer):
            raise InvalidMessage(f"Unknown customer {customer!r}.")
        return Identity(customer, "demo")

    def ensure(self, given: str | None, held: str | None, client: str | None = None) -> str:
        """The session a call acts in: the id it names (only one the server issued: else
        ``UnknownSession``), else the client's own, else a new guest session."""
        given = (given or "").strip()
        if given:
            self.conversations.session(given)
            return given
        return held or self.start(GUEST, client)

    def summary(self, session_id: str, identity: Identity) -> dict[str, Any]:
        return {"session_id": session_id, "signed_in": not identity.is_guest, "customer_id": identity.customer_id,
                "signed_in_by": identity.signed_in_by, "demo_mode": self.demo_mode, "note": identity.note}
