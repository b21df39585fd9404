"""The ``ChatModel`` seam: what the assistant needs from any LLM backend, plus a scripted fake."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant"]
    content: str


class ChatModel(Protocol):
    """Greedy (deterministic) chat completion, whole or streamed as text pieces."""

    name: str

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Generator[str, None, None]: ...

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
                 stop: Sequence[str] = ()) -> str: ...


class FakeChatModel:
    """A scripted model for unit tests of the reply logic: returns queued replies in order."""

    name = "fake"

    def __init__(self, replies: Sequence[str] = ()):
        self.replies = list(replies)
        self.prompts: list[list[ChatMessage]] = []

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Generator[str, None, None]:
        self.prompts.append(list(messages))
        text = self.replies.pop(0) if self.replies else ""
        for word in text.split(" "):
            yield word + " "

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
                 stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_new_tokens, stop)).strip()

