"""The bundled SmolLM2 through transformers: GGUF → safetensors cache, greedy, streaming, errors."""

from __future__ import annotations

import json

import pytest

from assistant.backends.transformers_chat import BUNDLED_CACHE_NAME, TransformersChatModel
from assistant.config import LLMSettings
from assistant.errors import ModelLoadError
from assistant.llm import ChatMessage

pytestmark = pytest.mark.slow
PROMPT = [ChatMessage("system", "You are a helpful shopping assistant."),
          ChatMessage("user", "Say hello to a shopper looking for hiking boots.")]


@pytest.fixture(scope="module")
def llm(settings) -> TransformersChatModel:
    model = TransformersChatModel(LLMSettings(), settings.models_dir)
    model.load()
    return model


def test_bundled_model_is_cached_as_safetensors_without_gguf_config(llm, settings) -> None:
    cache = settings.models_dir / BUNDLED_CACHE_NAME
    assert (cache / "model.safetensors").stat().st_size > 100_000_000
    config = json.loads((cache / "config.json").read_text())
    assert "quantization_config" not in config
    assert config["model_type"] == "llama"
    assert not list(settings.models_dir.glob(".convert-*")), "a half-written conversion was left behind"


def test_greedy_decoding_is_deterministic(llm) -> None:
    first = llm.complete(PROMPT, max_new_tokens=16)
    second = llm.complete(PROMPT, max_new_tokens=16)
    assert first and first == second


def test_stream_yields_pieces_that_join_to_the_completion(llm) -> None:
    pieces = list(llm.stream(PROMPT, max_new_tokens=16))
    assert len(pieces) > 1
    assert "".join(pieces).strip() == llm.complete(PROMPT, max_new_tokens=16)


def test_a_prompts_opening_is_computed_once_and_the_text_is_the_same_as_without_it(llm) -> None:
    llm._prefixes.clear()
    first = llm.complete(PROMPT, max_new_tokens=16)
    (opening, cached), = llm._prefixes.items()
    assert opening == (("system", PROMPT[0].content),)
    second = llm.complete(PROMPT, max_new_tokens=16)
    assert llm._prefixes[opening] is cached, "reused, not computed again"

    inputs = llm._inputs(PROMPT)  # the whole prompt, no cache
    whole = llm._model.generate(**inputs, max_new_tokens=16, do_sample=False, pad_token_id=llm._tokenizer.pad_token_id)
    plain = llm._tokenizer.decode(whole[0, inputs["input_ids"].shape[1]:], skip_special_tokens=True).strip()
    assert first == second == plain


def test_stop_strings_end_generation_at_the_first_sentence(llm) -> None:
    text = llm.complete(PROMPT, max_new_tokens=60, stop=(".", "!", "?"))
    assert text[-1] in ".!?"
    assert sum(text.count(c) for c in ".!?") == 1


def test_four_bit_on_cpu_is_refused_with_a_clear_message(settings) -> None:
    model = TransformersChatModel(LLMSettings(model="any/model", quantization="4bit", device="cpu"),
                                  settings.models_dir)
    with pytest.raises(ModelLoadError, match="4-bit quantization needs a CUDA GPU"):
        model.load()


def test_missing_model_path_is_a_clear_error(settings, tmp_path) -> None:
    model = TransformersChatModel(LLMSettings(model=str(tmp_path / "no-such-model"), device="cpu"),
                                  settings.models_dir)
    with pytest.raises(ModelLoadError, match="cannot load LLM"):
        model.load()


def test_closing_the_stream_early_stops_the_generation_thread(llm) -> None:
    import threading

    before = threading.active_count()
    pieces = llm.stream(PROMPT, max_new_tokens=200)
    assert next(pieces)
    pieces.close()  # what the writer does when the verifier rejects a word
    assert threading.active_count() == before
