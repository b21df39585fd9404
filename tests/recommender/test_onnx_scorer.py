"""The ONNX int8 interest scorer: it ranks as the PyTorch scorer does, loads lazily and once, and a
corrupt ONNX file falls back to PyTorch (or, asked to, fails with a message naming the file)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy.stats import spearmanr

from knowledge.bundled import minilm_dir
from recommender.cross_encoder import CrossEncoderScorer, history_text, train_cross_encoder
from recommender.onnx_scorer import (
    BACKEND_ONNX,
    BACKEND_TORCH,
    OnnxCrossEncoderScorer,
    OnnxScorerError,
    onnx_path,
)
from tests.recommender import synthetic
from tests.recommender.test_cross_encoder import TITLES, _pairs

pytestmark = pytest.mark.slow
pytest.importorskip("onnx", reason="the ONNX exporter needs the onnx package (a dependency in pyproject.toml)")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A scorer fine-tuned briefly on the synthetic world, with its ONNX copy made once."""
    out = train_cross_encoder(minilm_dir(), _pairs(80), tmp_path_factory.mktemp("onnx") / "scorer",
                              {"data": "synthetic"}, epochs=2, batch_size=16, max_length=48, progress=False)
    OnnxCrossEncoderScorer(out).score_pairs([("a", "b")])
    return out


def _copy(trained: Path, tmp_path: Path, with_onnx: bool = True) -> Path:
    copy = tmp_path / "scorer"
    shutil.copytree(trained, copy, ignore=None if with_onnx else shutil.ignore_patterns("onnx"))
    return copy


def _ranking_pairs() -> list[tuple[str, str]]:
    """Each synthetic history against every item: 30 candidates a history, as in the chat."""
    histories = [c["history"] for c in synthetic.cases(6, seed=9)]
    return [(history_text([TITLES[h] for h in history]), text) for history in histories for text in TITLES.values()]


def test_onnx_scores_rank_candidates_as_pytorch_does(trained: Path) -> None:
    pairs = _ranking_pairs()
    onnx = OnnxCrossEncoderScorer(trained)
    fast, slow = onnx.score_pairs(pairs), CrossEncoderScorer(trained).score_pairs(pairs)
    assert onnx.backend == BACKEND_ONNX
    assert fast.shape == slow.shape == (len(pairs),) and ((fast >= 0) & (fast <= 1)).all()
    assert np.abs(fast - slow).max() < 0.1  # int8 weights move a probability by a little
    per_history, rho, overlap = len(TITLES), [], []
    for start in range(0, len(pairs), per_history):
        a, b = slow[start : start + per_history], fast[start : start + per_history]
        rho.append(spearmanr(a, b).statistic)
        overlap.append(len(set(np.argsort(-a)[:5]) & set(np.argsort(-b)[:5])) / 5)
    print(f"spearman {np.round(rho, 3)}, top-5 overlap {overlap}, max |diff| {np.abs(fast - slow).max():.4f}")
    assert np.mean(rho) > 0.85 and min(rho) > 0.7
    assert np.mean(overlap) >= 0.8


def test_the_onnx_file_is_made_on_first_use_and_the_session_opens_once(trained: Path, tmp_path: Path) -> None:
    folder = _copy(trained, tmp_path, with_onnx=False)  # a scorer trained before ONNX existed
    scorer = OnnxCrossEncoderScorer(folder)
    assert scorer.backend is None and not onnx_path(folder).exists()  # nothing loads on construction
    first = scorer.score_pairs(_ranking_pairs()[:5])
    session, made = scorer._session, onnx_path(folder).stat().st_mtime_ns
    assert scorer.backend == BACKEND_ONNX and session is not None
    again = scorer.score_pairs(_ranking_pairs()[:5])
    assert scorer._session is session and onnx_path(folder).stat().st_mtime_ns == made
    assert np.allclose(first, again)
    assert not list(onnx_path(folder).parent.glob(".export-*"))  # the work folder is gone


def test_a_corrupt_onnx_file_falls_back_to_pytorch(trained: Path, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    folder = _copy(trained, tmp_path)
    onnx_path(folder).write_bytes(b"not a model")
    scorer = OnnxCrossEncoderScorer(folder)
    pairs = _ranking_pairs()[:8]
    scores = scorer.score_pairs(pairs)
    assert scorer.backend == BACKEND_TORCH
    assert np.allclose(scores, CrossEncoderScorer(folder).score_pairs(pairs), atol=1e-5)
    assert str(onnx_path(folder)) in caplog.text and "PyTorch" in caplog.text


def test_a_corrupt_onnx_file_without_fallback_names_the_file(trained: Path, tmp_path: Path) -> None:
    folder = _copy(trained, tmp_path)
    onnx_path(folder).write_bytes(b"not a model")
    with pytest.raises(OnnxScorerError, match="not a readable ONNX model.*delete it"):
        OnnxCrossEncoderScorer(folder, fallback=False).score_pairs([("a", "b")])


def test_no_pairs_score_to_nothing_without_loading(trained: Path) -> None:
    scorer = OnnxCrossEncoderScorer(trained)
    assert scorer.score_pairs([]).shape == (0,) and scorer.backend is None
