"""The LLM backends behind the ``ChatModel`` seam (``assistant/llm.py``): local transformers (the bundled
GGUF, any Hugging Face id, 4-bit on CUDA) and an OpenAI-compatible HTTP server (vLLM)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from assistant.config import LLMSettings
    from assistant.llm import ChatModel


def load_chat_model(settings: LLMSettings, models_dir: str) -> ChatModel:
    """Build the configured backend; heavy libraries are imported only here."""
    if settings.backend == "openai":
        from assistant.backends.openai_compatible import OpenAICompatibleChatModel

        return OpenAICompatibleChatModel(settings)
    from assistant.backends.transformers_chat import TransformersChatModel

    return TransformersChatModel(settings, models_dir)
