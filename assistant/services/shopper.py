"""What a shopper's chat widget, and the public API beside it, may do.

Every call acts in a session the server issued (``ShopperSessions``: a guest, a customer a sign-in
token names, or in demo mode the picked customer); nothing here takes a customer id from the caller
outside demo mode. The link and image rules (``assistant/safety``) are applied here, once, so a page
only renders what it gets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

from assistant.conversations import Conversations
from assistant.errors import InvalidMessage
from assistant.examples import chat_examples
from assistant.feedback import FeedbackLog
from assistant.operations import NO_OPERATIONS, Operations, observed
from assistant.product_views import ProductDetails, comparison_rows, product_details
from assistant.reply import PartialText, Reply
from assistant.safety.images import image_file
from assistant.safety.links import restrict_links
from assistant.shopper_sessions import ShopperSessions
from knowledge.catalog import Catalog
from knowledge.store.database import StoreDatabase

DEMO_CUSTOMERS_SHOWN = 40  # in the demo's "You are" menu


class ShopperService:
    def __init__(self, conversations: Conversations, sessions: ShopperSessions, feedback: FeedbackLog,
                 catalog: Callable[[], Catalog], db: StoreDatabase, store_name: str, images_folder: Path,
                 max_message_chars: int, operations: Operations = NO_OPERATIONS):
        """``catalog`` is looked up on every use: an ingest replaces it. ``operations``: where each turn is
        reported (logs, metrics)."""
        self.conversations = conversations
        self.sessions = sessions
        self.feedback = feedback
        self._catalog = catalog
        self.db = db
        self.store_name = store_name
        self.images_folder = images_folder
        self.max_message_chars = max_message_chars
        self.operations = operations

    @property
    def demo_mode(self) -> bool:
        return self.sessions.demo_mode

    @property
    def link_hosts(self) -> list[str]:
        """Where cards may show images from and link to (besides Aisle itself)."""
        return self.conversations.link_hosts

    def examples(self) -> list[str]:
        return chat_examples(self._catalog())

    # -- the conversation ---------------------------------------------------------------------
    def echo(self, message: str) -> str:
        """The shopper's message as their chat shows it back (links only to allowed hosts, as stored)."""
        return restrict_links(str(message), self.link_hosts)

    def stream(self, session_id: str, message: str, client: str | None = None) -> Iterator[PartialText | Reply]:
        return observed(self.operations, session_id, "message",
                        self.conversations.stream(session_id, message, client))

    def respond(self, session_id: str, message: str, client: str | None = None) -> Reply:
        return _last_reply(self.stream(session_id, message, client))

    def remove_filter(self, session_id: str, chip: str) -> Reply:
        def removed() -> Iterator[Reply]:
            yield self.conversations.remove_constraint(session_id, chip)

        return _last_reply(observed(self.operations, session_id, "filter_removed", removed()))

    def agent_messages(self, session_id: str, after: int = 0) -> list[dict[str, Any]]:
        """Messages a support agent sent into this conversation after message id ``after``."""
        return [m.to_dict() for m in self.conversations.agent_messages(session_id, after)]

    # -- products -----------------------------------------------------------------------------
    def product(self, product_id: str) -> ProductDetails | None:
        product = self._catalog().get(product_id)
        return product_details(product) if product is not None else None

    def products(self, product_ids: list[str]) -> list[ProductDetails]:
        """The known ones of ``product_ids``, in order (a card picked for comparison)."""
        return [d for d in map(self.product, product_ids) if d is not None]

    def comparison(self, product_ids: list[str]) -> list[list[str]]:
        """A side-by-side comparison of two or more products; ``InvalidMessage`` names unknown ids."""
        catalog = self._catalog()
        unknown = [p for p in product_ids if p not in catalog]
        if unknown:
            raise InvalidMessage(f"Unknown product ids: {', '.join(unknown)}")
        if len(product_ids) < 2:
            raise InvalidMessage("Give two or more product ids, separated by commas.")
        return comparison_rows(self.products(product_ids))

    def image_file(self, path: str) -> Path | None:
        """A product image from the store's images folder, or None if ``path`` is not one."""
        return image_file(self.images_folder, path)

    # -- what the shopper does with replies ---------------------------------------------------
    def click(self, session_id: str, product_id: str) -> dict[str, Any]:
        click = self.feedback.click(self.conversations.session(session_id), product_id)
        return {"logged": True, "event": "click", **asdict(click)}

    def rate(self, session_id: str, rating: str, message_index: int | None, reply_text: str) -> dict[str, Any]:
        record = self.feedback.rate(self.conversations.session(session_id), rating, message_index, reply_text)
        return {"logged": True, **record.model_dump(mode="json")}

    # -- demo mode ----------------------------------------------------------------------------
    def demo_customers(self, limit: int | None = None) -> list[dict[str, str]]:
        """The customers a visitor may act as: demo mode only."""
        if not self.demo_mode:
            raise InvalidMessage("Acting as a customer is only possible in demo mode; sign in with a token.")
        customers = self.db.customers()
        return [{"id": c.id, "name": c.name} for c in customers[:limit]]


def _last_reply(events: Iterator[PartialText | Reply]) -> Reply:
    replies = [event for event in events if isinstance(event, Reply)]
    assert replies, "a turn ends with its Reply"
    return replies[-1]
