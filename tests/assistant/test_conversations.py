"""Live conversations on the demo store: every turn stored with its intent, resolution and sources,
restored after a restart, owned by one customer, and the copilot's suggest/send on top of them."""

from __future__ import annotations

import pytest

from assistant.conversations import Conversations
from assistant.errors import InvalidMessage
from knowledge.conversations import Role

pytestmark = [pytest.mark.slow, pytest.mark.integration]


def _all_tickets(services) -> list:
    return services.tickets.queue(None, limit=1_000_000)


def test_a_turn_is_stored_with_its_intent_resolution_and_products(services) -> None:
    conversations = services.conversations
    reply = conversations.respond("conv-t1", "C001", "running shoes under $80")

    user, answer = conversations.transcript("conv-t1")
    assert (user.role, user.text, user.intent) == (Role.USER, "running shoes under $80", "product_search")
    assert (answer.role, answer.text, answer.intent) == (Role.ASSISTANT, reply.text, "product_search")
    assert answer.resolution == "answered"
    assert answer.sources["product_ids"] == reply.product_ids and reply.product_ids
    stored = services.conversation_store.get("conv-t1")
    assert stored is not None and (stored.customer_id, stored.messages, stored.ticket_id) == ("C001", 2, "")
    assert stored.last_user_text == "running shoes under $80"


def test_a_handoff_turn_is_stored_as_handed_off_with_the_ticket(services) -> None:
    reply = services.conversations.respond("conv-t2", None, "I want to talk to a human")

    assert reply.handoff and reply.ticket_id
    answer = services.conversations.transcript("conv-t2")[-1]
    assert answer.resolution == "handed off" and answer.intent == "handoff"
    stored = services.conversation_store.get("conv-t2")
    assert stored is not None and stored.ticket_id == reply.ticket_id and stored.customer_id == ""


def test_an_out_of_scope_turn_is_stored_as_unanswered(services) -> None:
    reply = services.conversations.respond("conv-t3", None, "can you write my history essay about your store?")

    assert reply.intent == "out_of_scope" and reply.failed
    assert services.conversations.transcript("conv-t3")[-1].resolution == "unanswered"


def test_a_restart_restores_the_session_and_a_follow_up_still_works(services) -> None:
    first = services.conversations.respond("conv-t4", "C001", "running shoes under $80")
    shown = first.product_ids
    assert len(shown) >= 2

    restarted = Conversations(lambda: services.assistant, services.conversation_store, services.settings.now)
    state = restarted.session("conv-t4", "C001")

    assert [(t.role, t.text) for t in state.turns] == [("user", "running shoes under $80"),
                                                       ("assistant", first.text)]
    assert state.shown_product_ids == shown and state.last_intent == "product_search"
    follow_up = restarted.respond("conv-t4", "C001", "compare the first two")
    assert follow_up.intent == "compare"
    titles = [services.catalog.get(pid).title for pid in shown[:2]]
    assert all(title in follow_up.text for title in titles)
    assert len(restarted.transcript("conv-t4")) == 4


def test_a_session_belongs_to_one_customer(services) -> None:
    services.conversations.respond("conv-t5", "C001", "hi")

    with pytest.raises(InvalidMessage, match="belongs to someone else"):
        services.conversations.session("conv-t5", "C002")
    with pytest.raises(InvalidMessage, match="belongs to someone else"):
        services.conversations.respond("conv-t5", None, "show me my orders")
    restarted = Conversations(lambda: services.assistant, services.conversation_store, services.settings.now)
    with pytest.raises(InvalidMessage, match="belongs to someone else"):
        restarted.session("conv-t5", "C002")
    assert not restarted.belongs_to("conv-t5", "C002") and restarted.belongs_to("conv-t5", "C001")
    assert [m.role for m in services.conversations.transcript("conv-t5")] == [Role.USER, Role.ASSISTANT]


@pytest.mark.parametrize("session_id", ["", "has space", "x" * 49, "semi;colon", "ünï"])
def test_a_bad_session_id_is_refused(services, session_id: str) -> None:
    with pytest.raises(InvalidMessage, match="is not valid"):
        services.conversations.session(session_id, None)


# -- the copilot's side: suggest and send --------------------------------------------------------
def test_suggest_on_a_handoff_request_opens_no_ticket(services) -> None:
    conversations = services.conversations
    first = conversations.respond("conv-t6", "C001", "I want to talk to a human")
    services.tickets.close(first.ticket_id, services.settings.now())  # so a new handoff would open one
    before = len(_all_tickets(services))

    suggestion = conversations.suggest("conv-t6")

    assert suggestion.for_message == "I want to talk to a human"
    assert suggestion.reply.handoff and suggestion.reply.intent == "handoff"
    assert len(_all_tickets(services)) == before
    assert services.tickets.open_for("conv-t6") is None
    assert len(conversations.transcript("conv-t6")) == 2  # a suggestion is not a stored turn


def _pending_cancel(services, session_id: str, customer: str):
    """A proposed cancel of one of ``customer``'s pending orders, waiting for a yes."""
    order = next(o for o in services.db.orders_for(customer) if o.status.value == "pending")
    proposal = services.conversations.respond(session_id, customer, f"cancel order {order.id}")
    assert proposal.pending_action == "cancel"
    return order


def test_suggest_with_a_pending_order_action_changes_no_order(services) -> None:
    conversations = services.conversations
    order = _pending_cancel(services, "conv-t7", "C083")
    transcript_before = conversations.transcript("conv-t7")

    suggestion = conversations.suggest("conv-t7")

    assert suggestion.for_message == f"cancel order {order.id}" and order.id in suggestion.reply.order_ids
    assert services.db.order(order.id).status.value == "pending"
    assert [e.outcome.value for e in services.order_log.entries(order_id=order.id)
            if e.outcome.value != "proposed"] == []  # nothing applied
    live = conversations.session("conv-t7", "C083")
    assert live.pending_action is not None and live.pending_action.order_id == order.id
    assert live.pending_action.kind.value == "cancel"
    assert conversations.transcript("conv-t7") == transcript_before
    done = conversations.respond("conv-t7", "C083", "no")  # the shopper's pending action is still theirs
    assert done.pending_action is None and services.db.order(order.id).status.value == "pending"


def test_suggest_with_a_pending_order_action_writes_no_order_log_entry(services) -> None:
    order = _pending_cancel(services, "conv-t7b", "C070")
    log_before = services.order_log.entries(order_id=order.id)

    services.conversations.suggest("conv-t7b")

    assert services.order_log.entries(order_id=order.id) == log_before


def test_suggest_needs_a_stored_conversation(services) -> None:
    with pytest.raises(LookupError, match="no conversation"):
        services.conversations.suggest("conv-never-started")


def test_send_stores_an_agent_message_the_shopper_polls_for(services) -> None:
    conversations = services.conversations
    conversations.respond("conv-t8", "C001", "do you ship to Canada?")

    first = conversations.send("conv-t8", "  Hi Maya, I checked that for you.  ", "Ana",
                               {"faq_ids": ["shipping-international"]})
    second = conversations.send("conv-t8", "Anything else?", "")

    assert (first.role, first.text, first.author) == (Role.AGENT, "Hi Maya, I checked that for you.", "Ana")
    assert first.sources == {"faq_ids": ["shipping-international"]}
    assert second.author == "agent" and second.id > first.id
    assert [m.id for m in conversations.agent_messages("conv-t8")] == [first.id, second.id]
    assert [m.text for m in conversations.agent_messages("conv-t8", after=first.id)] == ["Anything else?"]
    assert conversations.agent_messages("conv-t8", after=second.id) == []
    assert conversations.session("conv-t8", "C001").turns[-1].role == "agent"
    assert services.conversation_store.get("conv-t8").messages == 4


def test_send_refuses_empty_text_and_unknown_conversations(services) -> None:
    services.conversations.respond("conv-t9", None, "hello")
    with pytest.raises(InvalidMessage, match="empty"):
        services.conversations.send("conv-t9", "   \u200b ", "Ana")
    with pytest.raises(LookupError, match="no conversation"):
        services.conversations.send("conv-not-there", "Hello?", "Ana")
    assert services.conversations.agent_messages("conv-t9") == []


# -- removing a filter chip ----------------------------------------------------------------------
def test_removing_a_chip_searches_again_without_it(services) -> None:
    conversations = services.conversations
    first = conversations.respond("conv-t10", "C001", "running shoes under $80 for flat feet")
    assert "for flat feet" in first.constraints and "under $80.00" in first.constraints

    reply = conversations.remove_constraint("conv-t10", "C001", "for flat feet")

    assert "for flat feet" not in reply.constraints
    assert "under $80.00" in reply.constraints and "running shoes" in reply.constraints
    assert reply.products and reply.intent == "product_search"
    for pid in reply.product_ids:
        product = services.catalog.get(pid)
        assert product.price <= 80 and product.category == "shoes"
    user, answer = conversations.transcript("conv-t10")[-2:]
    assert user.text == "(removed filter: for flat feet)" and answer.sources["product_ids"] == reply.product_ids
    assert conversations.session("conv-t10", "C001").shown_product_ids == reply.product_ids


def test_removing_an_unknown_chip_names_the_filters_in_force(services) -> None:
    services.conversations.respond("conv-t11", None, "running shoes under $80")

    with pytest.raises(InvalidMessage, match=r"No filter 'purple'.*'running shoes'.*'under \$80\.00'"):
        services.conversations.remove_constraint("conv-t11", None, "purple")
    assert len(services.conversations.transcript("conv-t11")) == 2
