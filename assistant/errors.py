"""Errors the assistant raises; each message says what the user can do next.

They are translated only at the edges: the CLI prints them and exits 1, the UI shows ``gr.Error``.
"""

from knowledge.errors import ImportFileError, KnowledgeError, ModelPackageMissing, StoreNotBuilt


class AisleError(Exception):
    """Base class of the assistant's errors."""


class InvalidMessage(AisleError, ValueError):
    """A shopper's message is empty or too long."""


class ModelLoadError(AisleError):
    """A configured model cannot be loaded."""


class LLMBackendError(AisleError):
    """The LLM backend failed to answer (server down, timeout, bad response)."""


class InvalidFeedback(AisleError, ValueError):
    """A card click or a reply rating cannot be recorded (unknown product, bad rating, no such reply)."""


__all__ = [
    "AisleError",
    "ImportFileError",
    "InvalidFeedback",
    "InvalidMessage",
    "KnowledgeError",
    "LLMBackendError",
    "ModelLoadError",
    "ModelPackageMissing",
    "StoreNotBuilt",
]
