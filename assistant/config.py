"""One typed settings object for the whole app.

Precedence, lowest first: defaults < ``aisle.toml`` (in the working directory, or the file named by
``AISLE_CONFIG``) < ``AISLE_*`` environment variables (nested with ``__``, e.g.
``AISLE_LLM__MODEL=Qwen/Qwen2.5-7B-Instruct``) < keyword arguments. Secrets are never stored here:
only the *name* of the environment variable that holds them (``llm.api_key_env``).

>>> Settings(data_dir="/tmp/aisle-doc").database_url
'sqlite:////tmp/aisle-doc/aisle.db'
"""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

REDIS_SCHEMES = ("redis://", "rediss://", "unix://")


def redact_url(url: str) -> str:
    """``url`` without its password, for messages and logs."""
    return re.sub(r"(//[^/@:]*):[^/@]*@", r"\1:***@", url)


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LLMSettings(_Section):
    backend: Literal["transformers", "openai"] = "transformers"
    model: str = Field(default="", description="HF id or local path; empty = bundled SmolLM2-135M GGUF")
    gguf_file: str = Field(default="", description="GGUF file name inside `model`, if it is a GGUF repo")
    quantization: Literal["auto", "none", "4bit"] = "auto"  # auto: 4-bit NF4 on CUDA, none on CPU
    device: Literal["auto", "cpu", "cuda"] = "auto"
    max_new_tokens: int = Field(default=48, ge=1, le=1024)
    base_url: str = "http://127.0.0.1:8000/v1"  # openai backend: an OpenAI-compatible server (vLLM)
    api_key_env: str = "AISLE_LLM_API_KEY"
    timeout_s: float = 60.0
    threads: int = Field(default=0, ge=0, description="torch CPU threads for the whole process (the LLM and the "
                         "embedder); 0 = one per two cores, at least one, so concurrent replies are not "
                         "starved by one generation's threads")
    garnish: Literal["auto", "always", "never"] = Field(
        default="auto", description="the LLM's opening sentence is a garnish on facts code selected: 'auto' writes "
        "it only when replies are not queueing (lead_busy_turns), no other lead is being generated and recent "
        "leads kept to lead_budget_ms (else the "
        "deterministic lead, at once); 'always' waits for the LLM every turn; 'never' uses the deterministic lead")
    lead_busy_turns: int = Field(default=2, ge=1, description="'auto' garnish: with this many other turns being "
                                 "answered at once, replies are queueing and a turn uses the deterministic lead")
    lead_budget_ms: int = Field(default=3000, ge=0, description="'auto' garnish: when the recent LLM leads took "
                                "longer than this (median), turns use the deterministic lead for a while")


class EmbedderSettings(_Section):
    model: str = Field(default="", description="sentence-transformers path; empty = bundled MiniLM")
    device: str = "cpu"


class RetrievalSettings(_Section):
    products_shown: int = Field(default=4, ge=1, le=20)
    candidates: int = Field(default=30, ge=1, le=500)
    faq_k: int = Field(default=3, ge=1, le=20)
    faq_min_score: float = 0.35
    search: Literal["hybrid", "dense", "bm25"] = Field(
        default="hybrid", description="product search: BM25 + vectors fused by RRF, vectors only, or BM25 only")
    chroma_url: str = Field(default="", description="a Chroma server (`chroma run`), e.g. http://127.0.0.1:8001; "
                            "empty = embedded Chroma in chroma_path")


class UISettings(_Section):
    host: str = "127.0.0.1"
    port: int = 7860
    customer_picker: bool | None = Field(default=None, description="demo mode: visitors may act as any "
                                         "customer. Unset = on only for the bundled demo store built by "
                                         "`aisle demo`; a store imported with `aisle ingest` serves with it off")
    embed_secret_env: str = Field(default="AISLE_EMBED_SECRET", description="env var holding the key (32+ "
                                  "characters) the store signs its shoppers' sign-in tokens with (JWT, HS256)")
    embed_token_max_ttl_s: int = Field(default=3600, ge=30, description="sign-in tokens meant to live longer "
                                       "than this are refused (mint them per page view, for minutes)")
    staff_password_env: str = Field(default="AISLE_STAFF_PASSWORD", description="env var holding the staff "
                                    "app's password; unset = /staff is open in demo mode only, else closed")
    concurrency: int = Field(default=4, ge=1, description="replies computed at once (Gradio workers per event); "
                             "beyond that requests wait in the queue")
    queue_size: int = Field(default=64, ge=1, description="requests that may wait for a free worker; beyond "
                            "that a request is answered 'queue is full, try again' at once")


class SafetySettings(_Section):
    max_turns: int = Field(default=200, ge=1, description="shopper messages per conversation; then a new one")
    per_session_rate: str = Field(default="20/minute;200/hour", description="`limits` strings; empty = none")
    per_client_rate: str = Field(default="60/minute;600/hour", description="per client address; empty = none")
    rate_limit_storage: str = Field(default="memory://", description="`limits` storage, e.g. redis://host:6379; "
                                    "left at memory:// while shared_state_url is set, the limits use that Redis")
    allowed_link_hosts: list[str] = Field(default_factory=list, description="hosts chat text may link to or "
                                          "show images from (the store's own), besides Aisle's own pages")


class VocabularySettings(_Section):
    """The store's own words for what it sells, besides its catalog's names and general synonyms."""

    synonyms: dict[str, list[str]] = Field(default_factory=dict, description="a word of the catalog (category, "
                                           "product type, colour or brand) → the words the store's shoppers use "
                                           "for it, e.g. {\"water bottle\" = [\"flask\", \"canteen\"]}; a key the "
                                           "catalog lacks is an error when the assistant is built")

    @field_validator("synonyms")
    @classmethod
    def _words(cls, synonyms: dict[str, list[str]]) -> dict[str, list[str]]:
        """Lower-case words, none empty, and no shopper word under two store words."""
        out: dict[str, list[str]] = {}
        owner: dict[str, str] = {}
        for key, words in synonyms.items():
            store_word = " ".join(key.lower().split())
            if not store_word:
                raise ValueError("a store word (key) is empty")
            cleaned = [" ".join(w.lower().split()) for w in words]
            if not all(cleaned):
                raise ValueError(f"an empty shopper word under {key!r}")
            for word in cleaned:
                if owner.setdefault(word, store_word) != store_word:
                    raise ValueError(f"{word!r} is listed under both {owner[word]!r} and {store_word!r}")
            out[store_word] = cleaned
        return out


class UnderstandingSettings(_Section):
    """How messages are read beyond their literal words. Each part can be turned off; ``bench/understanding.py``
    measures all of them off (the earlier pipeline) against all on."""

    spelling: bool = Field(default=True, description="correct typos against the catalog's own words (brands, "
                           "categories, product types, colours, materials) before reading the message, and read "
                           "budgets as people say them (\"under a hundred\", \"50-ish\", \"80 bucks or less\")")
    exclusions: bool = Field(default=True, description="read \"not Pacewell\", \"no leather\", \"anything but "
                             "black\" as filters that leave those products out")
    attribute_filters: bool = Field(default=True, description="read a value of one of the catalog's categorical "
                                    "product attributes (\"for women\", \"men's\") as a filter; which attributes "
                                    "count is read from the catalog (assistant/attribute_values.py)")
    comparatives: bool = Field(default=True, description="answer \"cheaper than the first\", \"the lightest of "
                               "these\" and each part of a two-part question from the records")
    not_carried: bool = Field(default=True, description="say plainly when nothing the store carries matches a "
                              "request or a constraint, and offer the closest real items")
    qualifiers: bool = Field(default=True, description="read a qualifier anywhere in the message as part of "
                             "the store's more specific product type (\"rain jacket for cycling\" → cycling rain "
                             "jacket)")
    relevance_floor: float = Field(default=0.6, ge=0.0, le=1.0, description="leave out a pick whose relevance "
                                   "is below this share of the best match's; 0 = show every pick (0.6: measured "
                                   "on both sample stores, see bench/relevance_floor.md)")
    term_coverage: bool = Field(default=True, description="leave out a pick that lacks a word of the request the "
                                "best match's title has (\"dog food for a puppy\": not the senior dog food; \"a 4 "
                                "person tent\": not the 2-person one); see assistant/answers/coverage.py")


class OpsSettings(_Section):
    """What operations sees: logs and the Prometheus metrics at ``/metrics`` (README "Operations")."""

    log_format: Literal["text", "json"] = Field(default="text", description="'json': one JSON object a line "
                                                "(python-json-logger), e.g. a `turn` event per shopper turn")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_file: str = Field(default="", description="append the log to this file; empty = standard error")
    metrics_token_env: str = Field(default="AISLE_METRICS_TOKEN", description="env var holding the bearer token "
                                   "/metrics requires; unset = /metrics answers loopback clients only (not "
                                   "through a proxy)")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="AISLE_", env_nested_delimiter="__", extra="forbid", toml_file="aisle.toml"
    )

    data_dir: Path = Path(".aisle")
    database_url: str = ""  # empty = SQLite file in data_dir
    chroma_path: Path | None = None  # empty = data_dir/chroma
    models_dir: Path | None = None  # converted/cached model weights; empty = data_dir/models
    store_name: str = Field(default="", description="the store's name in replies; empty = the name it was "
                            "imported with (`aisle ingest --store-name`, or the sample store's)")
    max_message_chars: int = Field(default=2000, ge=10)
    intents_csv: Path | None = Field(default=None, description="a store's own intents: sentence,label CSV")
    intent_llm_vote: bool = Field(default=False, description="let the local LLM vote on store intents "
                                  "(its weight is chosen by cross-validation; ~150 ms a message on CPU)")
    clock: datetime | None = Field(default=None, description="pin 'now' (tests, demos); empty = real time")
    shared_state_url: str = Field(default="", description="where live conversations (constraints, items shown, an "
                                  "order proposal awaiting 'yes') are kept between turns: empty = this process's "
                                  "memory (one Aisle process); redis://host:port/db = a Redis shared by every Aisle "
                                  "process of the store, so a message may land on any of them. While [safety] "
                                  "rate_limit_storage is left at memory://, the rate limits use this Redis too")
    shared_state_prefix: str = Field(default="aisle", min_length=1, description="the Redis keys' prefix (one per "
                                     "store when stores share a Redis)")
    shared_state_ttl_s: int = Field(default=86400, ge=60, description="a shared conversation's state is kept this "
                                    "long after its last turn; later it is restored from its transcript (without "
                                    "a pending order proposal)")
    llm: LLMSettings = LLMSettings()
    embedder: EmbedderSettings = EmbedderSettings()
    retrieval: RetrievalSettings = RetrievalSettings()
    ui: UISettings = UISettings()
    safety: SafetySettings = SafetySettings()
    vocabulary: VocabularySettings = VocabularySettings()
    understanding: UnderstandingSettings = UnderstandingSettings()
    ops: OpsSettings = OpsSettings()

    @field_validator("shared_state_url")
    @classmethod
    def _redis_url(cls, url: str) -> str:
        url = url.strip()
        if url:
            from redis.connection import parse_url

            try:
                if not url.startswith(REDIS_SCHEMES):
                    raise ValueError(f"it must start with {', '.join(REDIS_SCHEMES)}")
                parse_url(url)
            except ValueError as exc:
                raise ValueError(f"shared_state_url {redact_url(url)!r} is not a Redis URL "
                                 f"(redis://host:port/db): {exc}") from None
        return url

    def model_post_init(self, __context: object) -> None:
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'aisle.db'}"
        if self.chroma_path is None:
            self.chroma_path = self.data_dir / "chroma"
        if self.models_dir is None:
            self.models_dir = self.data_dir / "models"

    def now(self) -> datetime:
        """The time as the store keeps it: naive UTC, like every stored timestamp (``knowledge.schemas``),
        whatever the server's time zone."""
        return self.clock or datetime.now(UTC).replace(tzinfo=None)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml_file = os.environ.get("AISLE_CONFIG", "aisle.toml")
        return (init_settings, env_settings, TomlConfigSettingsSource(settings_cls, toml_file=toml_file))
