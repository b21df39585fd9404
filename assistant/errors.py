"""Errors the assistant raises; each message says what the user can do next.

They are translated only at the edges: the CLI prints them and exits 1, the UI shows ``gr.Error``.
"""

from knowledge import errors as _knowledge
from knowledge.errors import (
    ImportFileError,
    KnowledgeError,
    ModelPackageMissing,
    StoreNotBuilt,
    StoreWriteError,
)


class AisleError(Exception):
    """Base class of the assistant's errors."""


class InvalidMessage(AisleError, ValueError):
    """A shopper's message is empty or too long."""


class UnknownSession(AisleError, LookupError):
    """A session id the server never issued (or a customer id sent where a session id belongs)."""


class ModelLoadError(AisleError):
    """A configured model cannot be loaded."""


class LLMBackendError(AisleError):
    """The LLM backend failed to answer (server down, timeout, bad response)."""


class RateLimited(AisleError):
    """Too many messages from one conversation or one client; ``retry_after`` is in seconds."""

    def __init__(self, message: str, retry_after: int = 1):
        super().__init__(message)
        self.retry_after = retry_after


class ConversationBusy(AisleError):
    """The conversation is still answering an earlier message (perhaps on another Aisle process)."""


class SharedStateUnavailable(AisleError):
    """The Redis that keeps conversations for several Aisle processes (``shared_state_url``) did not answer."""


class InvalidFeedback(AisleError, ValueError):
    """A card click or a reply rating cannot be recorded (unknown product, bad rating, no such reply)."""


class UnknownStoreWord(AisleError, ValueError):
    """A store synonym in the settings (``[vocabulary] synonyms``) is listed under a word that is no
    category, product type, colour or brand of the store's catalog."""


class StoreWriteFailed(AisleError, StoreWriteError):
    """A shopper's write could not be stored now; ``saved`` tells whether it is journaled for later.

    The knowledge layer raises ``knowledge.errors.StoreWriteError`` and its subclasses; the assistant's
    writing edges (feedback, order tools) re-raise them with ``StoreWriteFailed.translate`` as these
    ``AisleError`` subclasses, which the UI and the CLI show.
    """

    @staticmethod
    def translate(exc: StoreWriteError) -> StoreWriteError:
        """The ``AisleError`` twin of a knowledge-layer write error (same message and ``saved``)."""
        if isinstance(exc, AisleError):
            return exc
        twins: list[tuple[type[StoreWriteError], type[StoreWriteError]]] = [
            (_knowledge.StorageFull, StorageFull), (_knowledge.StoreBusy, StoreBusy),
            (_knowledge.WriteDeferred, WriteDeferred)]
        twin = next((mine for theirs, mine in twins if isinstance(exc, theirs)), StoreWriteFailed)
        return twin(str(exc), saved=exc.saved)


class StorageFull(StoreWriteFailed, _knowledge.StorageFull):
    """The store's disk is full: the write was not recorded (``saved`` False) or is journaled (True)."""


class StoreBusy(StoreWriteFailed, _knowledge.StoreBusy):
    """The database stayed locked by another writer; the write is journaled and applied later."""


class WriteDeferred(StoreWriteFailed, _knowledge.WriteDeferred):
    """The database refused a journaled write; it is applied when the store is opened next."""


__all__ = [
    "AisleError",
    "ImportFileError",
    "InvalidFeedback",
    "InvalidMessage",
    "KnowledgeError",
    "LLMBackendError",
    "ModelLoadError",
    "ModelPackageMissing",
    "RateLimited",
    "StorageFull",
    "StoreBusy",
    "StoreNotBuilt",
    "StoreWriteError",
    "StoreWriteFailed",
    "UnknownSession",
    "UnknownStoreWord",
    "WriteDeferred",
]
