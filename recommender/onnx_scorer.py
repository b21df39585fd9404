"""The interest scorer on ONNX Runtime with int8 weights: the same fine-tuned cross-encoder, about
3x faster on CPU than PyTorch in float32 (``bench/ranking_latency.py``).

The ONNX file is written beside the PyTorch weights (``onnx/model_int8.onnx`` in the scorer's
folder) when the scorer is trained, or on first use for a scorer trained before it existed. It is
exported with PyTorch's TorchScript exporter and quantized with ONNX Runtime's dynamic
quantization (int8 weights, one scale per output channel; activations quantized per batch at run
time). sentence-transformers'
own ``backend="onnx"`` needs ``optimum-onnx``, which does not support transformers 5.

When the file cannot be made or read (the ``onnx`` package missing, a corrupt file), the scorer
says so once in the log and scores with PyTorch instead: same scores, slower.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from recommender.cross_encoder import CrossEncoderScorer, read_card

ONNX_FILE = Path("onnx") / "model_int8.onnx"
BACKEND_ONNX = "onnx-int8"
BACKEND_TORCH = "torch"
log = logging.getLogger(__name__)


class OnnxScorerError(RuntimeError):
    """The scorer's ONNX file could not be written or read."""


def onnx_path(model_dir: str | Path) -> Path:
    return Path(model_dir) / ONNX_FILE


def export_int8(model_dir: str | Path) -> Path:
    """Export the cross-encoder saved at ``model_dir`` to ONNX with int8 weights; returns the file.
    The file appears only when complete (written aside, then renamed)."""
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model_dir = Path(model_dir)
    target = onnx_path(model_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    model = AutoModelForSequenceClassification.from_pretrained(
        str(model_dir), local_files_only=True, attn_implementation="eager").eval()
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    sample = tokenizer(["a history | of items", "x"], ["a candidate item", "y"], padding=True, return_tensors="pt")
    names = [n for n in ("input_ids", "attention_mask", "token_type_ids") if n in sample]
    axes = {n: {0: "batch", 1: "tokens"} for n in names} | {"logits": {0: "batch"}}
    with tempfile.TemporaryDirectory(prefix=".export-", dir=target.parent) as work:
        full = Path(work) / "model.onnx"
        quantized = Path(work) / target.name
        with torch.no_grad():
            torch.onnx.export(model, tuple(sample[n] for n in names), str(full), input_names=names,
                              output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
        quantize_dynamic(str(full), str(quantized), weight_type=QuantType.QInt8, per_channel=True)
        os.replace(quantized, target)
    return target


def try_export_int8(model_dir: str | Path) -> Path | None:
    """``export_int8``, or None (and a warning) when it cannot be done here."""
    try:
        return export_int8(model_dir)
    except Exception as exc:  # noqa: BLE001 (a missing package or an exporter error: PyTorch still scores)
        log.warning("could not export the interest scorer at %s to ONNX (%s: %s); it scores with PyTorch",
                    model_dir, type(exc).__name__, exc)
        return None


class OnnxCrossEncoderScorer:
    """Scores (history text, item text) pairs like ``CrossEncoderScorer``, on ONNX Runtime; loads
    on first use, once. ``backend`` says which runtime scored (after the first call)."""

    def __init__(self, model_path: str | Path, batch_size: int = 64, threads: int | None = None,
                 fallback: bool = True):
        """``fallback``: score with PyTorch when the ONNX file cannot be made or read (else raise
        ``OnnxScorerError``)."""
        self.model_path = str(model_path)
        self.batch_size = batch_size
        self.threads = threads
        self.fallback = fallback
        self.backend: str | None = None
        self._session: Any = None
        self._tokenizer: Any = None
        self._torch: CrossEncoderScorer | None = None
        self._lock = threading.Lock()

    @property
    def card(self) -> dict[str, Any]:
        return read_card(Path(self.model_path))

    def _open(self) -> None:
        import onnxruntime as ort
        from transformers import AutoTokenizer

        path = onnx_path(self.model_path)
        if not path.is_file() and try_export_int8(self.model_path) is None:
            raise OnnxScorerError(f"no ONNX file at {path} and it could not be exported")
        options = ort.SessionOptions()
        if self.threads:
            options.intra_op_num_threads = self.threads
        try:
            session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        except Exception as exc:  # noqa: BLE001 (ORT raises its own Fail/InvalidProtobuf types)
            raise OnnxScorerError(f"{path} is not a readable ONNX model ({exc}); delete it to export "
                                  "it again from the PyTorch weights") from exc
        self._tokenizer = AutoTokenizer.from_pretrained(self.model_path, local_files_only=True)
        self._inputs = [i.name for i in session.get_inputs()]
        self._session = session
        self.backend = BACKEND_ONNX

    def _load(self) -> None:
        with self._lock:
            if self.backend is not None:
                return
            try:
                self._open()
            except OnnxScorerError as exc:
                if not self.fallback:
                    raise
                log.warning("%s; the interest scorer scores with PyTorch instead", exc)
                self._torch = CrossEncoderScorer(self.model_path, batch_size=self.batch_size)
                self.backend = BACKEND_TORCH

    def score_pairs(self, pairs: Sequence[tuple[str, str]]) -> np.ndarray:
        """Probability-like scores in [0, 1], one per pair (the sigmoid of the model's logit)."""
        if not pairs:
            return np.zeros(0, dtype=np.float32)
        self._load()
        if self._torch is not None:
            return self._torch.score_pairs(pairs)
        logits = []
        for start in range(0, len(pairs), self.batch_size):
            batch = pairs[start : start + self.batch_size]
            encoded = self._tokenizer([a for a, _ in batch], [b for _, b in batch], padding=True,
                                      truncation="longest_first", return_tensors="np")
            feed = {name: encoded[name].astype(np.int64) for name in self._inputs}
            logits.append(self._session.run(["logits"], feed)[0].reshape(-1))
        return (1.0 / (1.0 + np.exp(-np.concatenate(logits)))).astype(np.float32)


def remove_onnx(model_dir: str | Path) -> None:
    """Drop a scorer's ONNX file (it is made again from the PyTorch weights on next use)."""
    shutil.rmtree(onnx_path(model_dir).parent, ignore_errors=True)
