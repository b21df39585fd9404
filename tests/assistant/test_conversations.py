"""Live conversations on the demo store: every turn stored with its intent, resolution and sources,
restored after a restart, issued by the server for one identity, and the copilot's suggest/send on top of them."""

from __future__ import annotations

import pytest

from assistant.conversations import Conversations
from assistant.errors import InvalidMessage, UnknownSession
from assistant.identity import GUEST, Identity
from knowledge.store.conversations import Role

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def start(services, customer: str | None = None) -> str:
    """A session issued for ``customer`` (as if a sign-in token named them), or a guest."""
    return services.conversations.start(Identity(customer, "token") if customer else GUEST)


def restarted(services) -> Conversations:
    """The same store's conversations in a new process."""
    return Conversations(lambda: services.current.assistant, services.conversation_store, services.session_registry,
                         services.settings.now)


def _all_tickets(services) -> list:
    return services.tickets.queue(None, limit=1_000_000)


def test_a_turn_is_stored_with_its_intent_resolution_and_products(services) -> None:
    conversations = services.conversations
    t1 = start(services, "C001")
    reply = conversations.respond(t1, "running shoes under $80")

    user, answer = conversations.transcript(t1)
    assert (user.role, user.text, user.intent) == (Role.USER, "running shoes under $80", "product_search")
    assert (answer.role, answer.text, answer.intent) == (Role.ASSISTANT, reply.text, "product_search")
    assert answer.resolution == "answered"
    assert answer.sources["product_ids"] == reply.product_ids and reply.product_ids
    stored = services.conversation_store.get(t1)
    assert stored is not None and (stored.customer_id, stored.messages, stored.ticket_id) == ("C001", 2, "")
    assert stored.last_user_text == "running shoes under $80"


def test_a_handoff_turn_is_stored_as_handed_off_with_the_ticket(services) -> None:
    t2 = start(services)
    reply = services.conversations.respond(t2, "I want to talk to a human")

    assert reply.handoff and reply.ticket_id
    answer = services.conversations.transcript(t2)[-1]
    assert answer.resolution == "handed off" and answer.intent == "handoff"
    stored = services.conversation_store.get(t2)
    assert stored is not None and stored.ticket_id == reply.ticket_id and stored.customer_id == ""


def test_an_out_of_scope_turn_is_stored_as_unanswered(services) -> None:
    t3 = start(services)
    reply = services.conversations.respond(t3, "can you write my history essay about your store?")

    assert reply.intent == "out_of_scope" and reply.failed
    assert services.conversations.transcript(t3)[-1].resolution == "unanswered"


def test_a_restart_restores_the_session_and_a_follow_up_still_works(services) -> None:
    t4 = start(services, "C001")
    first = services.conversations.respond(t4, "running shoes under $80")
    shown = first.product_ids
    assert len(shown) >= 2

    restarted_conversations = restarted(services)
    state = restarted_conversations.session(t4)

    assert [(t.role, t.text) for t in state.turns] == [("user", "running shoes under $80"),
                                                       ("assistant", first.text)]
    assert state.shown_product_ids == shown and state.last_intent == "product_search"
    follow_up = restarted_conversations.respond(t4, "compare the first two")
    assert follow_up.intent == "compare"
    titles = [services.current.catalog.get(pid).title for pid in shown[:2]]
    assert all(title in follow_up.text for title in titles)
    assert len(restarted_conversations.transcript(t4)) == 4
    assert state.customer_id == "C001"  # the identity comes from the registry, not from the caller


def test_a_session_keeps_the_identity_it_was_issued_for(services) -> None:
    t5 = start(services, "C001")
    services.conversations.respond(t5, "hi")

    assert services.conversations.session(t5).customer_id == "C001"
    assert services.conversations.identity(t5) == Identity("C001", "token")
    assert restarted(services).session(t5).customer_id == "C001"
    assert services.conversations.identity(start(services)) == GUEST
    assert [m.role for m in services.conversations.transcript(t5)] == [Role.USER, Role.ASSISTANT]


def test_session_ids_are_long_random_and_distinct(services) -> None:
    ids = {start(services) for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 32 and i.replace("-", "").replace("_", "").isalnum() for i in ids)


@pytest.mark.parametrize("session_id", ["", "has space", "x" * 49, "semi;colon", "ünï", "C001", "conv-never-issued",
                                        "0123456789abcdef"])
def test_a_session_id_the_server_never_issued_is_refused(services, session_id: str) -> None:
    with pytest.raises(UnknownSession, match="not a session id this server issued"):
        services.conversations.session(session_id)
    with pytest.raises(UnknownSession):
        services.conversations.respond(session_id, "show me my orders")
    with pytest.raises(UnknownSession):
        services.conversations.agent_messages(session_id)


# -- the copilot's side: suggest and send --------------------------------------------------------
def test_suggest_on_a_handoff_request_opens_no_ticket(services) -> None:
    conversations = services.conversations
    t6 = start(services, "C001")
    first = conversations.respond(t6, "I want to talk to a human")
    services.tickets.close(first.ticket_id, services.settings.now())  # so a new handoff would open one
    before = len(_all_tickets(services))

    suggestion = conversations.suggest(t6)

    assert suggestion.for_message == "I want to talk to a human"
    assert suggestion.reply.handoff and suggestion.reply.intent == "handoff"
    assert len(_all_tickets(services)) == before
    assert services.tickets.open_for(t6) is None
    assert len(conversations.transcript(t6)) == 2  # a suggestion is not a stored turn


def _pending_cancel(services, session_id: str, customer: str):
    """A proposed cancel of one of ``customer``'s pending orders, waiting for a yes."""
    order = next(o for o in services.db.orders_for(customer) if o.status.value == "pending")
    proposal = services.conversations.respond(session_id, f"cancel order {order.id}")
    assert proposal.pending_action == "cancel"
    return order


def test_suggest_with_a_pending_order_action_changes_no_order(services) -> None:
    conversations = services.conversations
    t7 = start(services, "C083")
    order = _pending_cancel(services, t7, "C083")
    transcript_before = conversations.transcript(t7)

    suggestion = conversations.suggest(t7)

    assert suggestion.for_message == f"cancel order {order.id}" and order.id in suggestion.reply.order_ids
    assert services.db.order(order.id).status.value == "pending"
    assert [e.outcome.value for e in services.order_log.entries(order_id=order.id)
            if e.outcome.value != "proposed"] == []  # nothing applied
    live = conversations.session(t7)
    assert live.pending_action is not None and live.pending_action.order_id == order.id
    assert live.pending_action.kind.value == "cancel"
    assert conversations.transcript(t7) == transcript_before
    done = conversations.respond(t7, "no")  # the shopper's pending action is still theirs
    assert done.pending_action is None and services.db.order(order.id).status.value == "pending"


def test_suggest_with_a_pending_order_action_writes_no_order_log_entry(services) -> None:
    t7b = start(services, "C070")
    order = _pending_cancel(services, t7b, "C070")
    log_before = services.order_log.entries(order_id=order.id)

    services.conversations.suggest(t7b)

    assert services.order_log.entries(order_id=order.id) == log_before


def test_suggest_needs_a_stored_conversation(services) -> None:
    with pytest.raises(LookupError, match="no conversation"):
        services.conversations.suggest(start(services))


def test_send_stores_an_agent_message_the_shopper_polls_for(services) -> None:
    conversations = services.conversations
    t8 = start(services, "C001")
    conversations.respond(t8, "do you ship to Canada?")

    first = conversations.send(t8, "  Hi Maya, I checked that for you.  ", "Ana",
                               {"faq_ids": ["shipping-international"]})
    second = conversations.send(t8, "Anything else?", "")

    assert (first.role, first.text, first.author) == (Role.AGENT, "Hi Maya, I checked that for you.", "Ana")
    assert first.sources == {"faq_ids": ["shipping-international"]}
    assert second.author == "agent" and second.id > first.id
    assert [m.id for m in conversations.agent_messages(t8)] == [first.id, second.id]
    assert [m.text for m in conversations.agent_messages(t8, after=first.id)] == ["Anything else?"]
    assert conversations.agent_messages(t8, after=second.id) == []
    assert conversations.session(t8).turns[-1].role == "agent"
    assert services.conversation_store.get(t8).messages == 4


def test_send_refuses_empty_text_and_unknown_conversations(services) -> None:
    t9 = start(services)
    services.conversations.respond(t9, "hello")
    with pytest.raises(InvalidMessage, match="empty"):
        services.conversations.send(t9, "   \u200b ", "Ana")
    with pytest.raises(LookupError, match="no conversation"):
        services.conversations.send("conv-not-there", "Hello?", "Ana")
    assert services.conversations.agent_messages(t9) == []


# -- removing a filter chip ----------------------------------------------------------------------
def test_removing_a_chip_searches_again_without_it(services) -> None:
    conversations = services.conversations
    t10 = start(services, "C001")
    first = conversations.respond(t10, "running shoes under $80 for flat feet")
    assert "for flat feet" in first.constraints and "under $80.00" in first.constraints

    reply = conversations.remove_constraint(t10, "for flat feet")

    assert "for flat feet" not in reply.constraints
    assert "under $80.00" in reply.constraints and "running shoes" in reply.constraints
    assert reply.products and reply.intent == "product_search"
    for pid in reply.product_ids:
        product = services.current.catalog.get(pid)
        assert product.price <= 80 and product.category == "shoes"
    user, answer = conversations.transcript(t10)[-2:]
    assert user.text == "(removed filter: for flat feet)" and answer.sources["product_ids"] == reply.product_ids
    assert conversations.session(t10).shown_product_ids == reply.product_ids


def test_removing_an_unknown_chip_names_the_filters_in_force(services) -> None:
    t11 = start(services)
    services.conversations.respond(t11, "running shoes under $80")

    with pytest.raises(InvalidMessage, match=r"No filter 'purple'.*'running shoes'.*'under \$80\.00'"):
        services.conversations.remove_constraint(t11, "purple")
    assert len(services.conversations.transcript(t11)) == 2
