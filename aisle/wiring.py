"""Wiring: build every part of Aisle from ``Settings``, lazily, once per process.

``Services`` holds what lives as long as the process (database, index, models, conversations, the
application services); what is derived from the store's data is its ``current`` store
(``aisle/current_store.py``), replaced whole after an ingest or a retrain. Nothing
heavy is imported or loaded until a property is first used, so the CLI's ``--help`` and the web
app's start stay fast; models load on the first message (or on ``warm_up``).
"""

from __future__ import annotations

import os
import threading
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from aisle.current_store import CurrentStore
from assistant.config import Settings
from assistant.errors import AisleError
from knowledge.ingest import IngestReport, ingest_store
from knowledge.sample_stores import DEFAULT_STORE, sample_store
from knowledge.store.database import StoreDatabase, SyncCounts

if TYPE_CHECKING:
    from aisle.metrics import AisleMetrics
    from aisle.operations import OperationsRecorder
    from assistant.conversations import Conversations
    from assistant.feedback import FeedbackLog
    from assistant.identity import EmbedTokens
    from assistant.intents.classifier import IntentClassifier
    from assistant.intents.store import StoreIntents
    from assistant.lead_gate import LeadGate
    from assistant.llm import ChatModel
    from assistant.services.admin import AdminService
    from assistant.services.copilot import CopilotService
    from assistant.services.shopper import ShopperService
    from assistant.session_store import SessionStateStore
    from knowledge.retrieval.embed import SentenceTransformerEmbedder
    from knowledge.retrieval.index import ProductIndex
    from knowledge.store.conversations import ConversationStore
    from knowledge.store.journal import Journal
    from knowledge.store.order_log import OrderLog
    from knowledge.store.sessions import SessionRegistry
    from knowledge.store.tickets import TicketStore
    from recommender.scorer import EmbeddingInterestScorer

# The app never reaches a model hub: everything is loaded from local files.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")


def size_torch_threads(requested: int) -> int:
    """Set torch's CPU threads for the process (the LLM and the embedder share them) and return the
    number: ``requested``, or for 0 one per two cores available, at least one. A server runs several
    turns at once; with a thread per core each small matrix product waits for threads another turn
    (or another job) keeps busy, which on 2 busy cores made a MiniLM query ~25x slower."""
    import torch

    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    threads = requested or max(1, cores // 2)
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


class Services:
    def __init__(self, settings: Settings | None = None):
        self.settings = settings or Settings()
        self._lock = threading.RLock()
        self._current_lock = threading.Lock()
        self._current: CurrentStore | None = None
        self.recovered: dict[str, SyncCounts] | None = None  # what ``recover`` re-synced when the index was opened, if anything
        self.replayed: object = None  # a ReplayReport: what the journal replay applied when the database was opened

    # -- storage ------------------------------------------------------------------------------
    @cached_property
    def db(self) -> StoreDatabase:
        from knowledge.store.journal import Journal

        db = StoreDatabase(self.settings.database_url)
        # shopper writes a locked or full database deferred (or a kill interrupted) are applied now
        db.journal = Journal(self.settings.data_dir / "journal")
        self.replayed = db.journal.replay(db)
        return db

    @property
    def journal(self) -> Journal:
        """The write-ahead journal of order actions, clicks and ratings (``knowledge/store/journal.py``)."""
        assert self.db.journal is not None
        return self.db.journal

    @cached_property
    def embedder(self) -> SentenceTransformerEmbedder:
        from knowledge.retrieval.embed import SentenceTransformerEmbedder

        size_torch_threads(self.settings.llm.threads)
        return SentenceTransformerEmbedder(self.settings.embedder.model or None, self.settings.embedder.device)

    @cached_property
    def index(self) -> ProductIndex:
        from knowledge.ingest import recover
        from knowledge.retrieval.vector_index import VectorIndex

        assert self.settings.chroma_path is not None
        index = VectorIndex(self.settings.chroma_path, self.embedder, url=self.settings.retrieval.chroma_url)
        if index.started_empty and self.db.count("products"):
            # a missing or corrupt (moved aside) index over a built store: rebuild it like a killed ingest
            from knowledge.store.store_lock import mark_in_progress

            mark_in_progress(self.settings.data_dir)
        # an ingest killed midway left its marker: re-sync the index from the database now
        self.recovered = recover(self.db, index, self.settings.data_dir, self.lexical_path)
        return index

    @property
    def lexical_path(self) -> Path:
        """Where the BM25 index of the products is kept (rebuilt by ``sync_index`` on catalog changes)."""
        return self.settings.data_dir / "bm25" / "products"

    def is_built(self) -> bool:
        return self.db.count("products") > 0 and self.index.count("products") > 0

    # -- the store's data ---------------------------------------------------------------------
    @property
    def current(self) -> CurrentStore:
        """What is derived from the store's data now (a new one after each ``reload``)."""
        with self._current_lock:
            if self._current is None:
                self._current = CurrentStore(self)
            return self._current

    def reload(self) -> None:
        """Forget what was derived from the store's data (after an ingest or a retrain): the next use
        builds it again; a turn already running keeps the one it started with."""
        with self._current_lock:
            self._current = None

    def build_demo(self, progress: bool = True, store: str = DEFAULT_STORE) -> IngestReport:
        """Load a bundled sample store (``knowledge/sample_stores.py``) if the database is empty; (re)sync
        the index either way. A data folder holds one store: asking for another one is an error."""
        sample = sample_store(store)
        paths: dict[str, Path | None] = {"policy": sample.paths()["policy"]}  # also brings older builds up to date
        if self.db.count("products") == 0:
            paths = sample.paths()
        else:
            built = self.db.meta("sample_store")
            if built is None and self.db.meta("origin") in ("demo", None):
                built = DEFAULT_STORE  # built by an Aisle that did not record which sample it was
            if built != sample.key:
                what = f"the sample store {built!r}" if built else "an imported store"
                raise AisleError(f"{self.settings.data_dir} already holds {what}; give another --data-dir "
                                 f"for {sample.key!r}.")
        report = ingest_store(self.db, self.index, self.settings.data_dir, paths, self.lexical_path, progress=progress)
        if "catalog" in paths:
            self.db.set_meta("origin", "demo")  # the demo's customer picker is on by default
            self.db.set_meta("sample_store", sample.key)
            self.db.set_meta("store_name", sample.name)
        self.reload()
        return report

    def ingest(self, wait: float = 0.0, store_name: str | None = None, **paths: Path | None) -> IngestReport:
        """Import store files under the writer lock (``IngestRunning`` if another ingest holds it past
        ``wait`` seconds); the indexes follow the database incrementally (content hashes)."""
        report = ingest_store(self.db, self.index, self.settings.data_dir, paths, self.lexical_path, wait=wait)
        self.db.set_meta("origin", "imported")  # a store's own data: no demo picker unless settings say so
        self.db.set_meta("sample_store", "")
        if store_name:
            self.db.set_meta("store_name", store_name)
        self.reload()
        return report

    @property
    def store_name(self) -> str:
        """Settings' ``store_name`` when set, else the name the store was imported with."""
        return self.settings.store_name or self.db.meta("store_name") or "our store"

    def customer_name(self, customer_id: str) -> str | None:
        customer = self.db.customer(customer_id)
        return customer.name if customer else None

    @cached_property
    def feedback(self) -> FeedbackLog:
        """Card clicks and reply ratings from the chat, validated and stored in ``db``."""
        from datetime import UTC, datetime

        from assistant.feedback import FeedbackLog

        return FeedbackLog(self.db, lambda pid: pid in self.current.catalog,
                           lambda cid: self.db.customer(cid) is not None,
                           lambda: self.settings.clock or datetime.now(UTC))

    # -- models -------------------------------------------------------------------------------
    @cached_property
    def llm(self) -> ChatModel:
        from assistant.backends import load_chat_model

        size_torch_threads(self.settings.llm.threads)
        return load_chat_model(self.settings.llm, str(self.settings.models_dir))

    @cached_property
    def lead_gate(self) -> LeadGate:
        """Whether a turn asks the LLM for its lead (``[llm] garnish``); one per process, as the model is."""
        from assistant.lead_gate import LeadGate

        llm = self.settings.llm
        return LeadGate(llm.garnish, llm.lead_budget_ms, llm.lead_busy_turns)

    @cached_property
    def intent_classifier(self) -> IntentClassifier:
        from assistant.intents.classifier import IntentClassifier, load_examples

        examples = load_examples()
        if self.store_intents is not None:
            for label, extra in self.store_intents.extra_examples.items():
                examples[label] = examples[label] + extra
        return IntentClassifier(self.embedder, examples,
                                names_order=lambda text: self.current.order_numbers.names_order(text))

    @cached_property
    def store_intents(self) -> StoreIntents | None:
        """The store's own intents (``intents_csv``), or None."""
        from assistant.backends.transformers_chat import TransformersChatModel
        from assistant.intents.classifier import load_examples
        from assistant.intents.llm_scorer import LlmLabelScorer
        from assistant.intents.store import StoreIntents

        path = self.settings.intents_csv
        if not path:
            return None
        vote = self.settings.intent_llm_vote and isinstance(self.llm, TransformersChatModel)
        return StoreIntents(self.embedder, load_examples(), path, LlmLabelScorer(self.llm) if vote else None)

    @property
    def scorer_dir(self) -> Path:
        return self.settings.data_dir / "scorer"

    def has_trained_scorer(self) -> bool:
        """Whether a scorer was trained and validated here (a card without a validation is a training
        that stopped between the two)."""
        from recommender.cross_encoder import read_card

        return bool((read_card(self.scorer_dir).get("validation") or {}).get("chosen"))

    def train_scorer(self, progress: bool = True, max_cases: int = 700, validation_cases: int = 200) -> Path:
        """Fine-tune the interest scorer on this store's interaction log (minutes on CPU) and validate
        it on held-out customers (``recommender/store_training.py``); the chat then ranks with whichever
        scorer won. One training at a time per data folder (``TrainingRunning``); its progress is
        written for the admin (``recommender/training_progress.py``)."""
        from knowledge.bundled import minilm_dir
        from recommender.cross_encoder import read_card
        from recommender.store_training import retrain_and_validate
        from recommender.training_progress import ProgressFile, training_lock

        with training_lock(self.settings.data_dir):
            report = ProgressFile(self.settings.data_dir)
            report.started()
            try:
                current = self.current
                out = retrain_and_validate(current.catalog, self.db.events_by_customer(), current.product_vectors,
                                           current.retriever, self.explainer, current.popularity, self.scorer_dir,
                                           self.settings.embedder.model or minilm_dir(), max_cases=max_cases,
                                           validation_cases=validation_cases, progress=progress, on_step=report.step)
            except BaseException as exc:
                report.failed(exc)
                raise
            report.finished(read_card(out))
        self.reload()
        return out

    def scorer_training(self) -> dict[str, Any]:
        """The last training's progress: not started, running (step, done, elapsed), done (which
        scorer won the validation) or failed (the error)."""
        from recommender.cross_encoder import read_card
        from recommender.training_progress import training_status

        return training_status(self.settings.data_dir, read_card(self.scorer_dir))

    @cached_property
    def explainer(self) -> EmbeddingInterestScorer:
        """Embedding affinity: the fallback scorer, and the source of every recommendation's reason."""
        from knowledge.retrieval.search import PRODUCTS
        from recommender.scorer import EmbeddingInterestScorer

        return EmbeddingInterestScorer(self.embedder, stored=lambda ids: self.index.vectors(PRODUCTS, ids))

    # -- operations ---------------------------------------------------------------------------
    @cached_property
    def order_log(self) -> OrderLog:
        """The audit log of order actions (and the return/exchange requests they created)."""
        from knowledge.store.order_log import OrderLog

        return OrderLog(self.db)

    @cached_property
    def tickets(self) -> TicketStore:
        """Handoff tickets: the agent copilot's queue."""
        from knowledge.store.tickets import TicketStore

        return TicketStore(self.db)

    @cached_property
    def conversation_store(self) -> ConversationStore:
        """Every stored message of every chat: the copilot's transcripts and the admin's reports."""
        from knowledge.store.conversations import ConversationStore

        return ConversationStore(self.db)

    @cached_property
    def session_registry(self) -> SessionRegistry:
        """The identity of every session id the server issued, and the embed tokens already used."""
        from knowledge.store.sessions import SessionRegistry

        return SessionRegistry(self.db)

    def embed_tokens(self, secret: str | None = None) -> EmbedTokens:
        """Verifies the store's sign-in tokens, signed with ``secret`` (default: the environment
        variable ``[ui] embed_secret_env`` names; unset = guests only)."""
        from datetime import UTC, datetime

        from assistant.identity import EmbedTokens

        ui = self.settings.ui
        registry = self.session_registry
        return EmbedTokens(os.environ.get(ui.embed_secret_env, "") if secret is None else secret,
                           lambda jti, expires: registry.claim_token(jti, expires, datetime.now(UTC).replace(tzinfo=None)),
                           lambda cid: self.db.customer(cid) is not None, ui.embed_token_max_ttl_s)

    @property
    def demo_mode(self) -> bool:
        """Whether visitors may act as any customer (the demo's picker): ``[ui] customer_picker`` when
        set, else only for the bundled demo store as ``aisle demo`` built it."""
        picker = self.settings.ui.customer_picker
        return picker if picker is not None else self.db.meta("origin") == "demo"

    @cached_property
    def conversations(self) -> Conversations:
        """Live chats by session id, shared by the shopper widget, the API and the agent copilot."""
        from assistant.conversations import Conversations
        from assistant.safety.rate_limits import MessageRateLimits

        settings = self.settings
        safety = settings.safety
        storage = safety.rate_limit_storage
        if storage == "memory://" and settings.shared_state_url:
            # several processes: one count per session and client (limits names a Redis socket redis+unix://)
            storage = settings.shared_state_url.replace("unix://", "redis+unix://", 1)
        limits = MessageRateLimits(safety.per_session_rate, safety.per_client_rate, storage,
                                   key_prefix=f"{settings.shared_state_prefix}:limits",
                                   on_refused=lambda kind: self.operations.rate_limited(kind))
        return Conversations(lambda: self.current.assistant, self.conversation_store, self.session_registry,
                             settings.now, settings.max_message_chars, rate_limits=limits,
                             max_turns=safety.max_turns, link_hosts=safety.allowed_link_hosts,
                             states=self.session_states)

    @cached_property
    def session_states(self) -> SessionStateStore:
        """Where live conversations are kept between turns: this process's memory, or the Redis at
        ``shared_state_url`` that every Aisle process of the store shares (reached now: a server that
        cannot be reached stops the start with an error naming the setting)."""
        from assistant.session_store import MemorySessionStates, RedisSessionStates

        url = self.settings.shared_state_url
        if not url:
            return MemorySessionStates()
        import redis

        from assistant.config import redact_url

        client = redis.Redis.from_url(url, socket_connect_timeout=5, health_check_interval=30)
        try:
            client.ping()
        except (redis.RedisError, ValueError) as exc:
            raise AisleError(f"shared_state_url {redact_url(url)}: cannot reach Redis there ({exc}). Start it, "
                             "or leave shared_state_url empty to keep conversations in this process.") from exc
        return RedisSessionStates(client, self.settings.shared_state_prefix, self.settings.shared_state_ttl_s)

    # -- what operations sees ----------------------------------------------------------------
    @cached_property
    def metrics(self) -> AisleMetrics:
        """This process's Prometheus metrics (a registry of their own), served at ``/metrics``."""
        from aisle.metrics import AisleMetrics

        return AisleMetrics()

    @cached_property
    def operations(self) -> OperationsRecorder:
        """Each turn, copilot action, rate-limit refusal and error as a log event and in ``metrics``."""
        from aisle.operations import OperationsRecorder

        return OperationsRecorder(self.metrics, lambda: self.store_name)

    # -- the application services (what ``ui`` is given) -------------------------------------
    def shopper(self, demo_mode: bool | None = None, embed_secret: str | None = None) -> ShopperService:
        """The shopper's widget and API; ``demo_mode`` and ``embed_secret`` default to the settings'."""
        from assistant.safety.images import IMAGES_FOLDER
        from assistant.services.shopper import ShopperService
        from assistant.shopper_sessions import ShopperSessions

        demo = self.demo_mode if demo_mode is None else demo_mode
        sessions = ShopperSessions(self.conversations, lambda cid: self.db.customer(cid) is not None, demo,
                                   self.embed_tokens(embed_secret))
        return ShopperService(self.conversations, sessions, self.feedback, lambda: self.current.catalog, self.db,
                              self.store_name, self.settings.data_dir / IMAGES_FOLDER, self.settings.max_message_chars,
                              self.operations)

    @cached_property
    def copilot(self) -> CopilotService:
        from assistant.services.copilot import CopilotService

        return CopilotService(self.conversations, self.conversation_store, self.tickets, self.db,
                              lambda: self.current.catalog, self.settings.now,
                              list(self.settings.safety.allowed_link_hosts), self.operations)

    @cached_property
    def admin(self) -> AdminService:
        from assistant.services.admin import AdminService
        from knowledge.store.reports import StoreReports

        return AdminService(self.ingest, lambda: self.train_scorer(progress=True), StoreReports(self.db),
                            self.scorer_training)

    def prepare_models(self) -> None:
        """What a first start would otherwise spend on the models, done ahead (``aisle demo``): the
        bundled LLM dequantized once to safetensors (~20 s) if it is the one configured."""
        if self.settings.llm.backend == "transformers" and not self.settings.llm.model:
            from assistant.backends.transformers_chat import convert_bundled_gguf

            assert self.settings.models_dir is not None
            convert_bundled_gguf(self.settings.models_dir)

    def warm_up(self) -> None:
        """Load the models now rather than on the first message."""
        with self._lock:
            self.conversations  # noqa: B018  (reaches shared_state_url's Redis now, if set)
            self.current.assistant  # noqa: B018  (builds it now: a policy or vocabulary that does not fit stops the start)
            self.embedder.embed(["warm up"])
            self.intent_classifier.embedding_scores("hello")
            if self.store_intents is not None:
                self.store_intents.match("hello")  # fits the store's intent model
            load = getattr(self.llm, "load", None)
            if load is not None:
                load()
