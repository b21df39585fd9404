"""The second stage of the next-item recommender: a small listwise model over the first stage's
candidates, trained on out-of-fold lists from the TRAIN cases only.

The first stage (``BlendRanker``) pools transitions, embedding neighbours, popularity, repeats and
brand into one linear score. Its blend cannot express interactions ("a transition from the *last*
item matters more than one from the third-last, unless the two are near-duplicates"), so the top
``depth`` candidates get a feature vector each and an MLP ensemble, trained with a softmax over
each list (the target is the positive), reorders them.

Training lists are built with K folds over users: the transition counts that describe a user's
case never include that user's own sequence, as at test time.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from recommender.offline.blend import BlendRanker, BlendWeights

FEATURES = (
    "transition", "embedding", "popularity", "repeat", "brand",  # the first stage's components
    "from_last", "from_second_last", "from_third_last",  # log transition counts from recent items
    "to_last",  # how often the candidate came *before* the last item
    "share_from_last", "share_from_second_last",  # the candidate's share of what followed those items
    "similarity_last", "similarity_second_last", "similarity_max",
    "log_count", "out_degree", "same_brand_as_last",
    "first_stage_rank", "first_stage_score", "history_length",
)


@dataclass
class CandidateList:
    """The first stage's top candidates for one history (catalogue indices, best first) and features."""

    items: np.ndarray  # int indices into the catalogue
    features: np.ndarray  # float32 [len(items), len(FEATURES)]


class CandidateFeatures:
    """Builds a ``CandidateList`` for a history from a fitted ``BlendRanker``."""

    def __init__(self, blend: BlendRanker, vectors: np.ndarray, depth: int = 100):
        self.blend = blend
        self.depth = min(depth, len(blend.ids))
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        self.unit = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
        counts = blend.transitions.popularity
        self.log_count = np.log1p(np.array([counts.get(i, 0) for i in blend.ids], dtype=np.float32))
        self.out_degree = np.log1p(np.array([len(blend.transitions.next.get(i, {})) for i in blend.ids],
                                            dtype=np.float32))

    def _from(self, source: int | None, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Log transition counts from ``source`` to each item, and each item's share of them."""
        if source is None:
            return np.zeros(len(items), dtype=np.float32), np.zeros(len(items), dtype=np.float32)
        following: Mapping[str, float] = self.blend.transitions.next.get(self.blend.ids[source], {})
        counts = np.array([following.get(self.blend.ids[j], 0.0) for j in items], dtype=np.float32)
        return np.log1p(counts), counts / (sum(following.values()) or 1.0)

    def __call__(self, history: Sequence[str]) -> CandidateList:
        blend = self.blend
        parts = blend.components(history)
        w = blend.weights
        score = (w.transition * parts["transition"] + w.embedding * parts["embedding"]
                 + w.popularity * parts["popularity"] + w.repeat * parts["repeat"] + w.brand * parts["brand"])
        top = np.argpartition(-score, self.depth - 1)[: self.depth]
        top = top[np.argsort(-score[top], kind="stable")]
        known = [blend.index[h] for h in history if h in blend.index]
        recent: list[int | None] = [*reversed(known), None, None, None]
        last, second, third = recent[0], recent[1], recent[2]
        zeros = np.zeros(len(top), dtype=np.float32)
        to_last = zeros
        if last is not None:
            before = [blend.transitions.next[blend.ids[j]].get(blend.ids[last], 0.0)
                      if blend.ids[j] in blend.transitions.next else 0.0 for j in top]
            to_last = np.log1p(np.array(before, dtype=np.float32))
        similarity = self.unit[top] @ self.unit[known].T if known else np.zeros((len(top), 1), dtype=np.float32)
        same_brand = zeros if last is None else ((blend.brands[top] == blend.brands[last])
                                                 & (blend.brands[top] != "")).astype(np.float32)
        (from_last, share_last), (from_second, share_second) = self._from(last, top), self._from(second, top)
        columns = [
            parts["transition"][top], parts["embedding"][top], parts["popularity"][top], parts["repeat"][top],
            parts["brand"][top], from_last, from_second, self._from(third, top)[0], to_last, share_last, share_second,
            similarity[:, -1], similarity[:, -2] if similarity.shape[1] > 1 else zeros, similarity.max(axis=1),
            self.log_count[top], self.out_degree[top], same_brand,
            1.0 / np.log2(np.arange(len(top)) + 2.0), score[top], np.full(len(top), np.log1p(len(history))),
        ]
        return CandidateList(top, np.stack(columns, axis=1).astype(np.float32))


class ListwiseModel:
    """An ensemble of small MLPs scoring candidates; trained with cross-entropy over each list."""

    def __init__(self, members: int = 5, hidden: tuple[int, int] = (64, 32), epochs: int = 30,
                 learning_rate: float = 3e-3, batch_size: int = 256, seed: int = 0):
        self.members, self.hidden, self.epochs = members, hidden, epochs
        self.learning_rate, self.batch_size, self.seed = learning_rate, batch_size, seed
        self._nets: list = []
        self._mean = np.zeros(len(FEATURES), dtype=np.float32)
        self._scale = np.ones(len(FEATURES), dtype=np.float32)

    def fit(self, lists: np.ndarray, targets: np.ndarray, progress: bool = False) -> ListwiseModel:
        """``lists``: [cases, depth, features]; ``targets``: the positive's position in each list."""
        import torch

        flat = lists.reshape(-1, lists.shape[-1])
        self._mean, self._scale = flat.mean(axis=0), flat.std(axis=0) + 1e-6
        x = torch.from_numpy((lists - self._mean) / self._scale).float()
        y = torch.from_numpy(targets).long()
        self._nets = []
        for member in tqdm(range(self.members), desc="training the list model", disable=not progress):
            generator = torch.Generator().manual_seed(self.seed + member)
            torch.manual_seed(self.seed + member)
            a, b = self.hidden
            net = torch.nn.Sequential(torch.nn.Linear(x.shape[-1], a), torch.nn.ReLU(), torch.nn.Linear(a, b),
                                      torch.nn.ReLU(), torch.nn.Linear(b, 1))
            optimiser = torch.optim.Adam(net.parameters(), lr=self.learning_rate, weight_decay=1e-4)
            for _ in range(self.epochs):
                order = torch.randperm(len(x), generator=generator)
                for start in range(0, len(x), self.batch_size):
                    batch = order[start : start + self.batch_size]
                    loss = torch.nn.functional.cross_entropy(net(x[batch]).squeeze(-1), y[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
            net.eval()
            self._nets.append(net)
        return self

    def score(self, features: np.ndarray) -> np.ndarray:
        import torch

        x = torch.from_numpy((features - self._mean) / self._scale).float()
        with torch.no_grad():
            return sum(net(x).squeeze(-1) for net in self._nets).numpy() / max(1, len(self._nets))


class LearnedRanker:
    """First stage + list model: ``rank`` returns the top ids, ``scored`` the whole reordered list."""

    def __init__(self, features: CandidateFeatures, model: ListwiseModel):
        self.features = features
        self.model = model
        self.ids = features.blend.ids

    def reorder(self, found: CandidateList) -> tuple[list[str], np.ndarray]:
        """A candidate list in the model's order, with its scores."""
        scores = self.model.score(found.features)
        order = np.argsort(-scores, kind="stable")
        return [self.ids[i] for i in found.items[order]], scores[order]

    def scored(self, history: Sequence[str]) -> tuple[list[str], np.ndarray]:
        return self.reorder(self.features(history))

    def rank(self, history: Sequence[str], k: int = 10) -> list[str]:
        return self.scored(history)[0][:k]


@dataclass
class OutOfFold:
    """Per training case (in input order): the candidate list built without that user's data."""

    lists: list[CandidateList]
    fold_of_case: list[int]


def out_of_fold_lists(ids: Sequence[str], vectors: np.ndarray, cases: Sequence[tuple[str, Sequence[str], str]],
                      weights: BlendWeights, brands: Sequence[str] | None, folds: int = 8, depth: int = 100,
                      seed: int = 5, progress: bool = False) -> OutOfFold:
    users = sorted({user for user, _, _ in cases})
    random.Random(seed).shuffle(users)
    fold_of_user = {user: i % folds for i, user in enumerate(users)}
    lists: list[CandidateList | None] = [None] * len(cases)
    for fold in tqdm(range(folds), desc="out-of-fold candidate lists", disable=not progress):
        blend = BlendRanker(ids, vectors, weights, brands=brands).fit(
            [c for c in cases if fold_of_user[c[0]] != fold])
        features = CandidateFeatures(blend, vectors, depth)
        for i, (user, history, _) in enumerate(cases):
            if fold_of_user[user] == fold:
                lists[i] = features(history)
    return OutOfFold([found for found in lists if found is not None], [fold_of_user[c[0]] for c in cases])


def fit_learned_ranker(ids: Sequence[str], vectors: np.ndarray, cases: Sequence[tuple[str, Sequence[str], str]],
                       weights: BlendWeights, brands: Sequence[str] | None = None, depth: int = 100,
                       out_of_fold: OutOfFold | None = None, model: ListwiseModel | None = None,
                       progress: bool = False) -> LearnedRanker:
    """Train the list model on out-of-fold lists whose target made the first stage's top ``depth``
    (the others teach it nothing), then pair it with a first stage fitted on every case."""
    oof = out_of_fold or out_of_fold_lists(ids, vectors, cases, weights, brands, depth=depth, progress=progress)
    index = {item: i for i, item in enumerate(ids)}
    size = min(depth, len(ids))
    lists, targets = [], []
    for found, (_, _, target) in zip(oof.lists, cases, strict=True):
        hit = np.flatnonzero(found.items == index.get(target, -1))
        if len(hit) and len(found.items) == size:
            lists.append(found.features)
            targets.append(int(hit[0]))
    if not lists:
        raise ValueError("no training case has its target among the first stage's candidates; "
                         "the training data is too small or unrelated to the catalogue")
    trained = (model or ListwiseModel()).fit(np.stack(lists), np.array(targets), progress=progress)
    blend = BlendRanker(ids, vectors, weights, brands=brands).fit(cases)
    return LearnedRanker(CandidateFeatures(blend, vectors, depth), trained)
