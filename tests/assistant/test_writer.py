"""ReplyWriter: the LLM's lead sentence is streamed only as far as it is grounded, else replaced."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from importlib import resources

import pytest
import yaml

from assistant.answers.draft import Draft, product_facts
from assistant.errors import LLMBackendError
from assistant.grounding import GroundingVerifier, evidence_for
from assistant.llm import ChatMessage, FakeChatModel
from assistant.writer import Lead, ReplyWriter, novel_words, on_topic
from knowledge.catalog import Catalog
from knowledge.schemas import Product

FALLBACK = "Here are 2 rain jackets for you:"
MESSAGE = "rain jackets for hiking"


def make_product(pid: str, title: str, brand: str, subcategory: str, price: float,
                 rating: float | None = None) -> Product:
    return Product(id=pid, title=title, brand=brand, category="apparel", subcategory=subcategory, price=price,
                   stock=20, rating=rating, review_count=40 if rating else 0, description=f"A {subcategory}.")


CATALOG = Catalog([
    make_product("APP-1", "Northwind Storm Shell Jacket", "Northwind", "rain jackets", 120.0),
    make_product("APP-2", "Northwind Drizzle Packable Jacket", "Northwind", "rain jackets", 79.0),
    make_product("APP-3", "Stride Breeze Windbreaker", "Stride", "windbreakers", 55.0),
    make_product("APP-4", "Alder Rated Rain Shell", "Alder", "rain jackets", 95.0, rating=4.5),
])


def jackets_draft(ids: Sequence[str] = ("APP-1", "APP-2")) -> Draft:
    products = [CATALOG.require(pid) for pid in ids]
    evidence = evidence_for(product_ids=list(ids), texts=[MESSAGE, *(product_facts(p) for p in products)],
                            extra_numbers=[len(products)])
    return Draft("product_search", FALLBACK, "1. ...", topic=f"{len(products)} rain jackets", evidence=evidence)


def run(writer: ReplyWriter, draft: Draft, message: str = MESSAGE) -> tuple[list[str], Lead]:
    events = list(writer.lead(draft, message))
    *partials, lead = events
    assert isinstance(lead, Lead)
    assert all(isinstance(p, str) for p in partials)
    return partials, lead  # type: ignore[return-value]


def writer_for(*replies: str) -> tuple[ReplyWriter, FakeChatModel]:
    fake = FakeChatModel(replies)
    return ReplyWriter(fake, GroundingVerifier(CATALOG), "Maple & Main"), fake


class CharByCharModel(FakeChatModel):
    """Streams one character at a time, so words arrive split across pieces ("$", "5", " ")."""

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Iterator[str]:
        self.prompts.append(list(messages))
        yield from self.replies.pop(0)


class BrokenModel(FakeChatModel):
    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Iterator[str]:
        yield "Here are "
        raise LLMBackendError("connection refused")


# -- good leads ----------------------------------------------------------------------------------

def test_good_lead_is_used_and_streams_word_by_word() -> None:
    writer, fake = writer_for("Here are some rain jackets you might like for hiking.")
    partials, lead = run(writer, jackets_draft())
    assert lead == Lead("Here are some rain jackets you might like for hiking.", True, [])
    assert partials[0] == "Here"
    assert partials[-1] == lead.text
    assert all(b.startswith(a) for a, b in zip(partials, partials[1:], strict=False))
    assert len(fake.prompts) == 1


def test_lead_stops_at_the_first_sentence() -> None:
    writer, _ = writer_for("Here are some rain jackets you might like. The first one is $5.")
    partials, lead = run(writer, jackets_draft())
    assert lead.from_llm and lead.text == "Here are some rain jackets you might like."
    assert not any("$5" in p for p in partials)


def test_grounded_number_in_a_lead_is_allowed() -> None:
    writer, _ = writer_for("Here are two rain jackets for hiking.")
    _, lead = run(writer, jackets_draft())
    assert lead.from_llm, lead.problems


# -- ungrounded leads fall back --------------------------------------------------------------------

@pytest.mark.parametrize(("reply", "bad_word", "problem"), [
    ("Here are rain jackets at $5 today.", "$5", "number 5 is not in the selected records"),
    ("Here are rain jackets from Stride too.", "Stride", "brand Stride is not among the selected products"),
    ("Here are rain jackets with free returns.", "free", "policy term 'free' is not supported by a cited policy"),
    ("Here are three rain jackets.", "three", "number 3 is not in the selected records"),
])
def test_ungrounded_word_falls_back_and_is_never_streamed(reply: str, bad_word: str, problem: str) -> None:
    for model in (FakeChatModel([reply]), CharByCharModel([reply])):
        writer = ReplyWriter(model, GroundingVerifier(CATALOG), "Maple & Main")
        partials, lead = run(writer, jackets_draft())
        assert lead == Lead(FALLBACK, False, [problem])
        assert partials, "the grounded words before the bad one stream"
        assert not any(bad_word in p for p in partials), partials


def test_five_dollar_example_streams_only_the_words_before_the_price() -> None:
    writer, _ = writer_for("Here are rain jackets at $5 today.")
    partials, lead = run(writer, jackets_draft())
    assert partials == ["Here", "Here are", "Here are rain", "Here are rain jackets", "Here are rain jackets at"]
    assert not lead.from_llm and lead.text == FALLBACK


def test_invented_price_is_rejected_when_a_product_has_a_rating() -> None:
    writer, _ = writer_for("Here are rain jackets at $5 today.")
    partials, lead = run(writer, jackets_draft(("APP-1", "APP-4")))
    assert not any("$5" in p for p in partials)
    assert not lead.from_llm


def test_refusal_falls_back() -> None:
    writer, _ = writer_for("As an AI I cannot pick rain jackets.")
    partials, lead = run(writer, jackets_draft())
    assert not any("AI" in p for p in partials)
    assert lead.text == FALLBACK and not lead.from_llm
    assert "reads like a refusal or talks about the model" in lead.problems


def test_lead_with_novel_words_is_rejected_before_they_stream() -> None:
    writer, _ = writer_for("Here are some rain jackets that help you sleep.")
    partials, lead = run(writer, jackets_draft())
    assert not any("sleep" in p for p in partials)
    assert lead.text == FALLBACK and not lead.from_llm
    assert lead.problems == ["lead adds words found in no record: sleep"]


def test_off_topic_lead_is_rejected() -> None:
    writer, _ = writer_for("Sure, happy to help!")
    _, lead = run(writer, jackets_draft())
    assert not lead.from_llm
    assert "lead does not mention the request or the answer" in lead.problems


def test_empty_llm_reply_falls_back() -> None:
    writer, _ = writer_for("")
    partials, lead = run(writer, jackets_draft())
    assert partials == [] and lead.text == FALLBACK
    assert "empty text" in lead.problems


def test_overlong_lead_is_rejected() -> None:
    writer, _ = writer_for(" ".join(["here are rain jackets"] * 10) + ".")
    _, lead = run(writer, jackets_draft())
    assert not lead.from_llm
    assert "lead sentence too long" in lead.problems


def test_backend_error_falls_back() -> None:
    writer = ReplyWriter(BrokenModel(), GroundingVerifier(CATALOG), "Maple & Main")
    _, lead = run(writer, jackets_draft())
    assert lead.text == FALLBACK and not lead.from_llm
    assert lead.problems == ["LLM backend error: connection refused"]


# -- no LLM ----------------------------------------------------------------------------------------

def test_no_llm_uses_the_fallback() -> None:
    writer = ReplyWriter(None, GroundingVerifier(CATALOG), "Maple & Main")
    assert list(writer.lead(jackets_draft(), MESSAGE)) == [Lead(FALLBACK, False, [])]


def test_draft_without_topic_never_asks_the_llm() -> None:
    writer, fake = writer_for("Here are some rain jackets.")
    draft = Draft("order_status", "Here's the latest on order MM-100123:", "body")
    assert list(writer.lead(draft, "where is my order")) == [Lead(draft.fallback_lead, False, [])]
    assert fake.prompts == []


# -- the prompt ----------------------------------------------------------------------------------

def test_prompt_renders_examples_as_alternating_turns() -> None:
    spec = yaml.safe_load(resources.files("assistant").joinpath("prompts/reply.yaml").read_text("utf-8"))
    writer, fake = writer_for("Here are some rain jackets you might like.")
    messages = writer.prompt(jackets_draft(), MESSAGE)
    assert [m.role for m in messages] == ["system"] + ["user", "assistant"] * len(spec["examples"]) + ["user"]
    assert "Maple & Main" in messages[0].content and "{{" not in messages[0].content
    for i, shot in enumerate(spec["examples"]):
        user, assistant = messages[1 + 2 * i], messages[2 + 2 * i]
        assert shot["request"] in user.content and shot["results"] in user.content
        assert assistant.content == shot["sentence"]
    assert MESSAGE in messages[-1].content and "2 rain jackets" in messages[-1].content
    assert not any("{{" in m.content or "}}" in m.content for m in messages)
    run(writer, jackets_draft())
    assert fake.prompts == [messages]


# -- helpers ---------------------------------------------------------------------------------------

def test_on_topic_and_novel_words() -> None:
    assert on_topic("Here are some rain jackets.", MESSAGE, "2 rain jackets")
    assert not on_topic("Sure thing!", MESSAGE, "2 rain jackets")
    assert novel_words("Here are jackets that glow.", [MESSAGE]) == {"glow"}
    assert novel_words("Here are some great jackets you might like.", [MESSAGE]) == set()
