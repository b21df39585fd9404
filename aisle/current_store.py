"""What Aisle derives from the store's data as it is now: catalog, FAQ, policy, search, ranking and
the assistant built over them. Each part is built on first use; after an ingest or a retrain the
whole object is replaced (``Services.reload``), so no part outlives the data it was built from while
a turn already running keeps the one it started with."""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

from assistant.errors import StoreNotBuilt
from knowledge.catalog import Catalog

if TYPE_CHECKING:
    import numpy as np

    from aisle.wiring import Services
    from assistant.answers.coverage import RequestCoverage
    from assistant.chat import Assistant
    from assistant.orders.numbers import OrderNumbers
    from assistant.vocabulary.store import StoreVocabulary
    from knowledge.retrieval.lexical import LexicalIndex
    from knowledge.retrieval.search import Retriever
    from knowledge.schemas import FaqEntry
    from knowledge.store_policy import StorePolicy
    from recommender.history import HistoryItem
    from recommender.ranker import Ranker
    from recommender.store_candidates import HistoryCandidates


class CurrentStore:
    def __init__(self, services: Services):
        """``services``: the process's parts (database, index, models) this is built from."""
        self.services = services

    @cached_property
    def catalog(self) -> Catalog:
        products = self.services.db.products()
        if not products:
            raise StoreNotBuilt(
                f"the store at {self.services.settings.data_dir} has no products yet; run `aisle ingest` "
                "(or `make run`, which loads the demo store)."
            )
        return Catalog(products)

    @cached_property
    def faq_entries(self) -> list[FaqEntry]:
        return self.services.db.faq_entries()

    @cached_property
    def lexical(self) -> LexicalIndex:
        """The products' BM25 index, loaded from the data folder (a few ms); rebuilt and saved if it
        is missing or was built from another catalog."""
        from knowledge.retrieval.lexical import LexicalIndex
        from knowledge.retrieval.search import product_record

        return LexicalIndex.open(self.services.lexical_path, [product_record(p) for p in self.catalog])

    @cached_property
    def retriever(self) -> Retriever:
        from knowledge.retrieval.search import Retriever, current_faq

        mode = self.services.settings.retrieval.search
        return Retriever(self.services.index, self.catalog, current_faq(self.faq_entries),
                         self.lexical if mode != "dense" else None, mode)

    @cached_property
    def popularity(self) -> dict[str, float]:
        from assistant.answers.products import popularity_scores

        return popularity_scores(dict(self.services.db.event_counts()))

    @cached_property
    def order_numbers(self) -> OrderNumbers:
        """Finds the store's order numbers in messages: exact lookup, plus the shapes learned at ingest."""
        from assistant.orders.numbers import OrderNumbers
        from knowledge.order_shapes import META_KEY, learn_shapes, load_shapes

        db = self.services.db
        shapes = load_shapes(db.meta(META_KEY))
        if shapes is None:  # a store ingested before shapes were stored
            shapes = learn_shapes(db.order_ids())
        return OrderNumbers(db.find_order_ids, shapes)

    @cached_property
    def policy(self) -> StorePolicy:
        """The store's order policy (``aisle ingest --policy``; ``DEFAULT_POLICY`` when it has none),
        checked against the current FAQ and catalog: a policy that no longer fits stops the start."""
        from knowledge.retrieval.search import current_faq
        from knowledge.store_policy import META_KEY, PolicyFileError, stored_policy

        policy = stored_policy(self.services.db.meta(META_KEY))
        problems = policy.problems([e.id for e in current_faq(self.faq_entries)], self.catalog.categories)
        if problems:
            raise PolicyFileError("the store's policy does not fit its data:\n  " + "\n  ".join(problems)
                                  + "\nFix the policy file and run `aisle ingest --policy FILE`.")
        return policy

    @cached_property
    def product_vectors(self) -> dict[str, np.ndarray]:
        """Every product's stored embedding (from the index, not re-embedded)."""
        from knowledge.retrieval.search import PRODUCTS

        return self.services.index.vectors(PRODUCTS, [p.id for p in self.catalog])

    @cached_property
    def history_candidates(self) -> HistoryCandidates:
        from recommender.store_candidates import HistoryCandidates
        from recommender.store_scorer import customer_sequences

        sequences = customer_sequences(self.services.db.events_by_customer())
        return HistoryCandidates(list(sequences.values()), self.product_vectors)

    @cached_property
    def ranker(self) -> Ranker:
        """The validated scorer and weights when a trained scorer's card has them, else embedding
        affinity with the default weights. The cross-encoder runs on ONNX Runtime with int8 weights
        and re-scores only the first stage's top candidates when its validation did so."""
        from recommender.cross_encoder import read_card
        from recommender.onnx_scorer import OnnxCrossEncoderScorer
        from recommender.ranker import Ranker
        from recommender.store_scorer import CrossEncoderInterestScorer
        from recommender.store_validation import chosen_rescore_top, chosen_weights

        explainer = self.services.explainer
        scorer_dir = self.services.scorer_dir
        validation = read_card(scorer_dir).get("validation")
        choice = chosen_weights(validation)
        if choice is None:
            return Ranker(explainer)
        name, weights = choice
        top = chosen_rescore_top(validation)
        if name == "cross-encoder":
            return Ranker(CrossEncoderInterestScorer(OnnxCrossEncoderScorer(scorer_dir), explainer), weights, top)
        return Ranker(explainer, weights, top)

    def _coverage(self, vocabulary: StoreVocabulary) -> RequestCoverage | None:
        """The request-coverage cut (``[understanding] term_coverage``), on the BM25 index's words."""
        from assistant.answers.coverage import RequestCoverage

        lexical = self.retriever.lexical
        if not self.services.settings.understanding.term_coverage or lexical is None:
            return None
        return RequestCoverage.for_catalog(lexical.tokens, self.catalog, vocabulary)

    def history(self, customer_id: str, items: int = 40, events: int = 300) -> list[HistoryItem]:
        """The shopper's recent items, newest first, one per product with its strongest event."""
        from recommender.history import collapse_events

        return collapse_events(self.services.db.history(customer_id, events), self.catalog, items)

    @cached_property
    def assistant(self) -> Assistant:
        from assistant.answers.faq import FaqAnswers
        from assistant.answers.products import ProductAnswers
        from assistant.chat import Assistant
        from assistant.grounding import GroundingVerifier
        from assistant.handoff import Handoff
        from assistant.orders.answers import OrderAnswers
        from assistant.orders.policy import OrderPolicy
        from assistant.orders.tools import OrderTools
        from assistant.router import Router
        from assistant.slots import SlotExtractor
        from assistant.vocabulary.typos import SpellingCorrector
        from assistant.writer import ReplyWriter
        from knowledge.retrieval.search import current_faq

        services, s = self.services, self.services.settings
        catalog = self.catalog
        # UnknownStoreWord: a synonym's key the catalog lacks
        slots = SlotExtractor(catalog, s.vocabulary.synonyms, exclusions=s.understanding.exclusions,
                              spoken_amounts=s.understanding.spelling,
                              attribute_filters=s.understanding.attribute_filters,
                              qualified_types=s.understanding.qualifiers)
        products = ProductAnswers(self.retriever, self.ranker, services.embedder, self.history,
                                  lambda: self.popularity, s.retrieval.products_shown, s.retrieval.candidates,
                                  lambda: self.history_candidates, lambda: self.product_vectors,
                                  s.understanding.relevance_floor, self._coverage(slots.store_vocabulary))
        categories = {p.id: p.category for p in catalog}
        rules = OrderPolicy(self.policy, lambda pid: categories.get(pid, ""))
        faq_by_id = {e.id: e for e in current_faq(self.faq_entries)}  # the policy in force, by id
        policy_titles = [text for e in faq_by_id.values() for text in (e.title, e.topic)]
        spelling = (SpellingCorrector.for_store(slots.store_vocabulary, catalog, policy_titles)
                    if s.understanding.spelling else None)
        tools = OrderTools(services.db, services.order_log, catalog.get, rules, s.now)
        faq = FaqAnswers(self.retriever, s.retrieval.faq_k, s.retrieval.faq_min_score)
        writer = ReplyWriter(services.llm, GroundingVerifier(catalog), services.store_name, s.llm.max_new_tokens,
                             gate=services.lead_gate)
        handoff = Handoff(services.tickets, services.customer_name, s.now)
        orders = OrderAnswers(tools, faq_by_id, slots.extract, self.order_numbers, handoff)
        router = Router(catalog, slots, products, orders, faq, handoff, services.customer_name, services.store_name,
                        services.store_intents, faq_by_id.get, s.understanding.comparatives,
                        s.understanding.not_carried)
        return Assistant(services.intent_classifier, router, writer, s.max_message_chars, spelling)
