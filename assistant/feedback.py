"""Chat feedback: product-card clicks stored as ``click`` events (they join the shopper's history,
so the next ranking sees them), thumbs up/down on replies stored in the ``feedback`` table.

Both are journaled before the database write (``knowledge/store/journal.py``): a full disk or a locked
database gives a ``StoreWriteFailed`` saying whether the click or rating was kept for later."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from assistant.errors import InvalidFeedback, StoreWriteFailed
from assistant.safety.privacy import mask_personal_data
from assistant.session import SESSION_ID, SessionState
from knowledge.errors import StoreWriteError
from knowledge.schemas import EventType, Feedback, Interaction, Rating
from knowledge.store.database import StoreDatabase
from knowledge.store.journal import journaled

GUEST_PREFIX = "guest:"


def event_customer_id(state: SessionState) -> str:
    """The id a shopper's events are stored under: theirs, or ``guest:<session_id>`` for a guest."""
    return state.customer_id or f"{GUEST_PREFIX}{state.session_id}"


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Click:
    """A stored card click; ``new`` is False when the same event (same time) was already stored."""

    customer_id: str
    session_id: str
    product_id: str
    new: bool


class FeedbackLog:
    """Validates clicks and ratings against the store, then writes them to the database."""

    def __init__(self, db: StoreDatabase, known_product: Callable[[str], bool],
                 known_customer: Callable[[str], bool], clock: Callable[[], datetime] = _utc_now):
        self.db = db
        self.known_product = known_product
        self.known_customer = known_customer
        self.clock = clock

    def _customer_id(self, state: SessionState) -> str:
        if not SESSION_ID.match(state.session_id):
            raise InvalidFeedback(
                f"Session id {state.session_id!r} is not valid: use 1-48 letters, digits, '.', '_' or '-'."
            )
        if state.customer_id and not self.known_customer(state.customer_id):
            raise InvalidFeedback(
                f"Unknown customer {state.customer_id!r}: sign in as a known customer or continue as a guest."
            )
        return event_customer_id(state)

    def click(self, state: SessionState, product_id: str) -> Click:
        """Store a click on a product card shown in this session."""
        customer_id = self._customer_id(state)
        product_id = (product_id or "").strip()
        if not self.known_product(product_id):
            raise InvalidFeedback(f"Unknown product id {product_id!r}: click a product card shown in the chat.")
        event = Interaction(customer_id=customer_id, product_id=product_id, event=EventType.CLICK,
                            ts=self.clock(), session_id=state.session_id)
        try:
            added = journaled(self.db, "interaction", event.model_dump(mode="json"), "click",
                              lambda _journal_id: self.db.add_interactions([event]))
        except StoreWriteError as exc:
            raise StoreWriteFailed.translate(exc) from exc
        return Click(customer_id, state.session_id, product_id, added == 1)

    def rate(self, state: SessionState, rating: str, message_index: int | None = None,
             reply_text: str = "") -> Feedback:
        """Store a thumbs up or down on an assistant reply, found by its chat-history index or text;
        the reply's intent and product ids come from the session when it still holds that turn."""
        customer_id = self._customer_id(state)
        value = str(rating).strip().lower()
        if value not in {r.value for r in Rating}:
            raise InvalidFeedback(f"A rating is 'up' or 'down', not {rating!r}.")
        if message_index is not None and message_index < 0:
            raise InvalidFeedback(f"Message index {message_index} is negative: count chat messages from 0.")
        turn = state.assistant_turn(message_index, reply_text)
        if turn is None and not reply_text.strip():
            raise InvalidFeedback(
                "Which reply? Give the chat-history index of an assistant reply in this session, or its text."
            )
        record = Feedback(
            session_id=state.session_id, customer_id=customer_id, rating=Rating(value),
            message_index=message_index, intent=(turn.intent or "") if turn else "",
            reply_text=mask_personal_data(turn.text if turn else reply_text.strip()),
            product_ids=list(turn.product_ids) if turn else [], ts=self.clock(),
        )
        try:
            journaled(self.db, "feedback", record.model_dump(mode="json"), "rating",
                      lambda journal_id: self.db.add_feedback(record, journal_id=journal_id))
        except StoreWriteError as exc:
            raise StoreWriteFailed.translate(exc) from exc
        return record
