"""An OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, ...) for scale-out."""

from __future__ import annotations

import json
import os
from collections.abc import Generator, Sequence

import httpx

from assistant.config import LLMSettings
from assistant.errors import LLMBackendError
from assistant.llm import ChatMessage


class OpenAICompatibleChatModel:
    """Streams ``/chat/completions`` with greedy decoding (temperature 0)."""

    def __init__(self, settings: LLMSettings):
        self.settings = settings
        self.name = settings.model or "default"
        self.url = settings.base_url.rstrip("/") + "/chat/completions"

    def _headers(self) -> dict[str, str]:
        key = os.environ.get(self.settings.api_key_env, "")
        return {"Authorization": f"Bearer {key}"} if key else {}

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Generator[str, None, None]:
        body = {
            "model": self.settings.model or "default",
            "messages": [{"role": m.role, "content": m.content} for m in messages],
            "max_tokens": max_new_tokens,
            "temperature": 0,
            "stream": True,
        }
        if stop:
            body["stop"] = list(stop)
        try:
            with httpx.stream("POST", self.url, json=body, headers=self._headers(),
                              timeout=self.settings.timeout_s) as response:
                if response.status_code != 200:
                    raise LLMBackendError(
                        f"LLM server at {self.url} answered HTTP {response.status_code}: {response.read()[:200]!r}"
                    )
                for line in response.iter_lines():
                    if not line.startswith("data:"):
                        continue
                    data = line.removeprefix("data:").strip()
                    if data == "[DONE]":
                        break
                    choices = json.loads(data).get("choices") or [{}]
                    piece = (choices[0].get("delta") or {}).get("content")
                    if piece:
                        yield piece
        except httpx.HTTPError as exc:
            raise LLMBackendError(
                f"cannot reach the LLM server at {self.url} ({exc}); check llm.base_url or start the server."
            ) from exc

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
                 stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_new_tokens, stop)).strip()
