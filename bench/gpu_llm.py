"""The LLM on a CUDA GPU: a model loaded 4-bit (NF4, bitsandbytes) through the chat backend, its
time to first token and decoding speed, against the same model in bf16 on the GPU (baseline, same
run). Without a CUDA GPU it prints ``{"skipped": ...}`` and exits 0.

The model is ``--model`` (a local folder or a hub id already on disk), else the bundled SmolLM2
converted to safetensors (the cache ``aisle demo`` builds), so the run needs no network.

Run: ``python bench/gpu_llm.py [--model PATH] [--runs 5] [--out FILE]`` on a machine with a GPU
(``pip install -e '.[gpu]'`` for bitsandbytes).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

os.environ.setdefault("HF_HUB_OFFLINE", "1")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

PROMPTS = ["waterproof hiking boots", "what is your return policy", "a gift for my dad who likes cooking",
           "compare the first two", "noise cancelling headphones under $200"]


def measure(model: Any, tokenizer: Any, runs: int, max_new_tokens: int = 64) -> dict[str, float]:
    from assistant.llm import ChatMessage

    first, rates = [], []
    for i in range(runs):
        messages = [ChatMessage("user", f"Write two sentences about: {PROMPTS[i % len(PROMPTS)]}")]
        start = time.perf_counter()
        text = ""
        seen_first = None
        for piece in model.stream(messages, max_new_tokens):
            if seen_first is None:
                seen_first = time.perf_counter() - start
            text += piece
        total = time.perf_counter() - start
        tokens = len(tokenizer(text, add_special_tokens=False)["input_ids"])
        first.append(seen_first or total)
        rates.append(tokens / max(total - (seen_first or 0.0), 1e-9))
    return {"ttft_ms_p50": round(statistics.median(first) * 1000, 1), "tokens_per_s_p50": round(statistics.median(rates), 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--models-dir", type=Path, default=REPO / ".aisle" / "models")
    parser.add_argument("--out", type=Path, default=Path("bench/results/gpu_llm.json"))
    options = parser.parse_args()

    import torch

    from bench.output import emit

    if not torch.cuda.is_available():
        emit({"skipped": "no CUDA GPU visible"}, options.out)
        return
    from transformers import AutoTokenizer

    from assistant.backends.transformers_chat import TransformersChatModel, convert_bundled_gguf
    from assistant.config import LLMSettings

    source = options.model or str(convert_bundled_gguf(options.models_dir))
    tokenizer = AutoTokenizer.from_pretrained(source)
    result: dict[str, Any] = {"gpu": torch.cuda.get_device_name(0), "model": source}
    for name, quantization in (("4bit_nf4", "4bit"), ("bf16_baseline", "none")):
        llm = TransformersChatModel(LLMSettings(model=source, quantization=quantization, device="cuda"),
                                    options.models_dir)
        start = time.perf_counter()
        llm.load()
        result[name] = {"load_s": round(time.perf_counter() - start, 1),
                        "gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20), **measure(llm, tokenizer, options.runs)}
        del llm
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats()
    result["tokens_per_s_4bit_vs_bf16"] = round(result["4bit_nf4"]["tokens_per_s_p50"]
                                                / result["bf16_baseline"]["tokens_per_s_p50"], 3)
    emit(result, options.out)


if __name__ == "__main__":
    main()
