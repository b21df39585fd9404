"""The LLM's vote on an intent: how likely the bundled chat model finds each candidate label.

``LlmLabelScorer`` scores a label by the mean log-probability of its words (``card_arrival`` ->
"card arrival") as the continuation of ``Customer message: ...\\nIntent:``, minus the same with an
empty message: the label's prior, which otherwise favours short, common words (calibration by
pointwise mutual information; priors are computed once per label). Only a few candidate labels per
utterance are scored (the embedding model's top-k): the prompt runs once, its key/value cache is
shared by the k candidates. The model is the app's ``TransformersChatModel`` (by default the bundled
SmolLM2-135M-Instruct, loaded once from the safetensors cache under ``models_dir``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

PROMPT = "Customer message: {text}\nIntent:"


def label_words(label: str) -> str:
    return " " + " ".join(label.replace("_", " ").replace("-", " ").split()).lower()


class LlmLabelScorer:
    """PMI-calibrated mean log-probability of each candidate label's words after the message."""

    def __init__(self, chat_model: Any, calibrate: bool = True):
        self.chat_model = chat_model  # a TransformersChatModel (its weights load on first use)
        self.calibrate = calibrate
        self._label_ids: dict[str, list[int]] = {}
        self._prior: dict[str, float] = {}

    @classmethod
    def bundled(cls, models_dir: str | Path | None = None) -> LlmLabelScorer:
        """The configured local LLM (default: the bundled SmolLM2), loaded as the app loads it."""
        from assistant.backends.transformers_chat import TransformersChatModel
        from assistant.config import Settings

        settings = Settings()
        return cls(TransformersChatModel(settings.llm, models_dir or settings.models_dir or ".aisle/models"))

    def _loaded(self) -> tuple[Any, Any]:
        self.chat_model.load()
        return self.chat_model._model, self.chat_model._tokenizer

    def _raw(self, text: str, labels: Sequence[str]) -> np.ndarray:
        """Mean log-probability of each label's tokens after the prompt (one prompt pass, shared cache)."""
        import torch

        model, tokenizer = self._loaded()
        prompt = tokenizer.encode(PROMPT.format(text=text), add_special_tokens=False)
        ids = [self._label_ids.setdefault(lb, tokenizer.encode(label_words(lb), add_special_tokens=False))
               for lb in labels]
        width = max(len(i) for i in ids)
        pad = tokenizer.pad_token_id or 0
        cont = torch.tensor([i + [pad] * (width - len(i)) for i in ids])
        device = model.device
        with self.chat_model._generate_lock, torch.inference_mode():
            out = model(input_ids=torch.tensor([prompt], device=device), use_cache=True)
            cache = out.past_key_values
            cache.batch_repeat_interleave(len(ids))
            mask = torch.ones((len(ids), len(prompt) + width), dtype=torch.long)  # padding comes last: unread
            mask[:, len(prompt):] = torch.arange(width)[None, :] < torch.tensor([len(i) for i in ids])[:, None]
            rest = model(input_ids=cont.to(device), attention_mask=mask.to(device), past_key_values=cache).logits
        first = torch.log_softmax(out.logits[0, -1].float(), dim=-1).cpu()
        later = torch.log_softmax(rest.float(), dim=-1).cpu()
        scores = np.zeros(len(ids), dtype=np.float32)
        for row, label_ids in enumerate(ids):
            taken = [float(first[label_ids[0]])]
            taken += [float(later[row, j - 1, label_ids[j]]) for j in range(1, len(label_ids))]
            scores[row] = float(np.mean(taken))
        return scores

    def score(self, texts: Sequence[str], candidates: Sequence[Sequence[str]]) -> list[np.ndarray]:
        """For each text, the (calibrated) score of each of its candidate labels; higher is likelier."""
        out = []
        for text, labels in zip(texts, candidates, strict=True):
            raw = self._raw(text, labels)
            if self.calibrate:
                missing = [lb for lb in labels if lb not in self._prior]
                if missing:
                    self._prior.update(zip(missing, map(float, self._raw("", missing)), strict=True))
                raw = raw - np.array([self._prior[lb] for lb in labels], dtype=np.float32)
            out.append(raw)
        return out
