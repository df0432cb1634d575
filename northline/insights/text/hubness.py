"""Hubness correction for near-duplicate ranking (CSLS, Conneau et al. 2018).

Some texts (generic, long, boilerplate-heavy) are close to everything: ranked by raw cosine they
top the list of every query and push the real duplicates out of the first five. Ranking by
``score − HUB_WEIGHT × density``, where a text's density is its mean similarity to its own
`NEIGHBOURS` nearest texts, takes that advantage away (Recall@5 on the Firefox duplicates +0.028
lexical, +0.033 semantic, on both halves of a split-half test; decision 0031). The cosine stays the
score callers see and threshold; only the order changes.

A density costs a neighbour search, so it is learnt from the searches the index runs anyway
(processing queries every item it indexes): `Densities` keeps each text's best similarities
observed so far. A text's own search sets its row; each later text's search raises the rows of
the texts it finds, when it beats their weakest. Texts whose own search has not run yet get the
mean density of those whose has (a prior, so they are neither favoured nor punished).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

NEIGHBOURS = 10
HUB_WEIGHT = 0.5


class Densities:
    """Per indexed text (by position): `top`, the best similarities to other texts observed so
    far (0 where fewer were seen), and `seen`, how many texts the index held when the text's own
    neighbour search ran (0: not yet; texts from that position on may still raise the row).
    Storage grows by doubling, so indexing one text at a time costs amortised O(1) copies."""

    def __init__(self, top: np.ndarray | None = None, seen: np.ndarray | None = None) -> None:
        self._top = np.zeros((0, NEIGHBOURS), dtype=np.float32) if top is None else top
        self._seen = np.zeros(0, dtype=np.int64) if seen is None else seen
        self._n = self._seen.shape[0]
        learnt = self.seen > 0
        self._learnt = int(learnt.sum())  # the prior is the learnt rows' mean density
        self._sum = float(self.top[learnt].mean(axis=1).sum()) if self._learnt else 0.0

    @property
    def top(self) -> np.ndarray:
        return self._top[: self._n]

    @property
    def seen(self) -> np.ndarray:
        return self._seen[: self._n]

    def __len__(self) -> int:
        return self._n

    def extend(self, count: int) -> None:
        """Room for `count` newly indexed texts (nothing learnt about them yet)."""
        used = self._n
        if used + count > self._seen.shape[0]:
            rows = max(2 * self._seen.shape[0], used + count, 1024)
            top = np.zeros((rows, NEIGHBOURS), dtype=np.float32)
            seen = np.zeros(rows, dtype=np.int64)
            top[:used], seen[:used] = self.top, self.seen
            self._top, self._seen = top, seen
        self._n = used + count

    @property
    def prior(self) -> float:
        return self._sum / self._learnt if self._learnt else 0.0

    def density(self, positions: np.ndarray) -> np.ndarray:
        """Each text's mean similarity to its nearest texts (the prior where not learnt)."""
        learnt = self.seen[positions] > 0
        mean = self.top[positions].mean(axis=1)
        return np.where(learnt, mean, np.float32(self.prior)).astype(np.float32)

    def corrected(self, positions: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """What results are ranked by: the scores of `positions` less their hub weight."""
        return np.asarray(scores - HUB_WEIGHT * self.density(positions), dtype=np.float32)

    def learn(
        self, ids: Sequence[str], position: int, docs: np.ndarray, scores: np.ndarray
    ) -> None:
        """The neighbour search of the text at `position` of `ids` (what the index holds)
        scored `docs` (sorted, distinct positions) with `scores`: its row becomes their best
        `NEIGHBOURS` (the text itself and other copies of its id left out), and the row of each
        text it found that had not seen it yet is raised."""
        own = ids[position]
        others = np.fromiter((ids[d] != own for d in docs.tolist()), bool, docs.shape[0])
        docs, scores, indexed = docs[others], scores[others], len(ids)
        best = np.zeros(NEIGHBOURS, dtype=np.float32)
        top = np.sort(scores)[::-1][:NEIGHBOURS]
        best[: top.shape[0]] = np.maximum(top, 0.0)
        if self.seen[position] > 0:
            self._sum -= float(self.top[position].mean())
        else:
            self._learnt += 1
        self._sum += float(best.mean())
        self._top[position], self._seen[position] = best, max(indexed, 1)
        fresh = (self.seen[docs] <= position) & (scores > 0)
        found, found_scores = docs[fresh], scores[fresh]
        rows = self.top[found]
        weakest = rows.argmin(axis=1)
        beats = found_scores > rows[np.arange(found.shape[0]), weakest]
        raised = found[beats]
        learnt = self.seen[raised] > 0
        gain = found_scores[beats] - rows[beats, weakest[beats]]
        self._sum += float(np.sum(gain[learnt])) / NEIGHBOURS
        self._top[raised, weakest[beats]] = found_scores[beats]

    def pending(self, ids: Sequence[str], wanted: Sequence[str | None]) -> list[int | None]:
        """The position of each `wanted` id among the texts not learnt yet (the latest
        `len(wanted)` + 64 of them are looked at: a batch just added), in order, each position
        once (an id indexed twice, as the portal does, gives its copies in turn); None where
        the id has none."""
        unlearnt = np.flatnonzero(self.seen == 0)[-(len(wanted) + 64) :]
        queue: dict[str, list[int]] = defaultdict(list)
        for position in unlearnt.tolist():
            queue[ids[position]].append(position)
        return [queue[w].pop(0) if w is not None and queue.get(w) else None for w in wanted]

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {f"{prefix}_top": self.top, f"{prefix}_seen": self.seen}

    @classmethod
    def restore(cls, data: Any, prefix: str, n_docs: int) -> Densities:
        top = np.asarray(data[f"{prefix}_top"], dtype=np.float32)
        seen = np.asarray(data[f"{prefix}_seen"], dtype=np.int64)
        if top.shape != (n_docs, NEIGHBOURS) or seen.shape != (n_docs,):
            raise ValueError(f"{prefix}: densities do not fit this index (shape {top.shape})")
        return cls(top.copy(), seen.copy())
