"""Hubness correction for near-duplicate ranking (CSLS, Conneau et al. 2018).

Some texts (generic, long, boilerplate-heavy) are close to everything: ranked by raw cosine they
top the list of every query and push the real duplicates out of the first five. Ranking by
``score − penalty`` takes that advantage away. A text's penalty is ``HUB_WEIGHT × mean +
SPREAD_WEIGHT × std`` of its similarities to its own `NEIGHBOURS` nearest texts: the mean (its
density) is CSLS (Recall@5 on the Firefox duplicates +0.028 lexical, +0.033 semantic; decision
0031); the spread adds a little more on every split of the clusters tried (+0.005 to +0.009 on
the held-back halves of three split seeds, both tiers; decision 0035). The cosine stays the score
callers see and threshold; only the order changes.

A penalty costs a neighbour search, so it is learnt from the searches the index runs anyway
(processing queries every item it indexes): `Densities` keeps each text's best similarities
observed so far. A text's own search sets its row; each later text's search raises the rows of
the texts it finds, when it beats their weakest. Texts whose own search has not run yet get the
mean penalty of those whose has (a prior, so they are neither favoured nor punished).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

NEIGHBOURS = 10
HUB_WEIGHT = 0.5
SPREAD_WEIGHT = 0.5


def penalties(rows: np.ndarray) -> np.ndarray:
    """What ranking subtracts from the scores of texts with these rows of best similarities."""
    return np.asarray(
        HUB_WEIGHT * rows.mean(axis=1) + SPREAD_WEIGHT * rows.std(axis=1), dtype=np.float32
    )


class Densities:
    """Per indexed text (by position): `top`, the best similarities to other texts observed so
    far (0 where fewer were seen), and `seen`, how many texts the index held when the text's own
    neighbour search ran (0: not yet; texts from that position on may still raise the row).
    Each row's penalty is kept beside it (derived, not saved), so ranking reads one number a
    candidate. Storage grows by doubling, so indexing one text at a time costs amortised O(1)
    copies."""

    def __init__(self, top: np.ndarray | None = None, seen: np.ndarray | None = None) -> None:
        self._top = np.zeros((0, NEIGHBOURS), dtype=np.float32) if top is None else top
        self._seen = np.zeros(0, dtype=np.int64) if seen is None else seen
        self._penalty = penalties(self._top)
        self._n = self._seen.shape[0]
        learnt = self.seen > 0
        self._learnt = int(learnt.sum())  # the prior is the learnt rows' mean penalty
        self._sum = float(self._penalty[: self._n][learnt].sum())

    @property
    def top(self) -> np.ndarray:
        return self._top[: self._n]

    @property
    def seen(self) -> np.ndarray:
        return self._seen[: self._n]

    def __len__(self) -> int:
        return self._n

    def best(self) -> np.ndarray:
        """Each learnt text's best similarity to another text (texts not searched yet left out)."""
        return np.asarray(self.top[self.seen > 0].max(axis=1, initial=0.0))

    def extend(self, count: int) -> None:
        """Room for `count` newly indexed texts (nothing learnt about them yet)."""
        used = self._n
        if used + count > self._seen.shape[0]:
            rows = max(2 * self._seen.shape[0], used + count, 1024)
            top = np.zeros((rows, NEIGHBOURS), dtype=np.float32)
            seen = np.zeros(rows, dtype=np.int64)
            penalty = np.zeros(rows, dtype=np.float32)
            top[:used], seen[:used], penalty[:used] = self.top, self.seen, self._penalty[:used]
            self._top, self._seen, self._penalty = top, seen, penalty
        self._n = used + count

    @property
    def prior(self) -> float:
        return self._sum / self._learnt if self._learnt else 0.0

    def penalty(self, positions: np.ndarray) -> np.ndarray:
        """Each text's penalty from its nearest texts (`penalties`; the prior where not learnt)."""
        learnt = self.seen[positions] > 0
        return np.where(learnt, self._penalty[positions], np.float32(self.prior)).astype(np.float32)

    def corrected(self, positions: np.ndarray, scores: np.ndarray) -> np.ndarray:
        """What results are ranked by: the scores of `positions` less their penalty."""
        return np.asarray(scores - self.penalty(positions), dtype=np.float32)

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
        own_penalty = penalties(best[None, :])[0]
        if self.seen[position] > 0:
            self._sum -= float(self._penalty[position])
        else:
            self._learnt += 1
        self._sum += float(own_penalty)
        self._top[position], self._seen[position] = best, max(indexed, 1)
        self._penalty[position] = own_penalty
        fresh = (self.seen[docs] <= position) & (scores > 0)
        found, found_scores = docs[fresh], scores[fresh]
        rows = self.top[found]
        weakest = rows.argmin(axis=1)
        beats = found_scores > rows[np.arange(found.shape[0]), weakest]
        raised = found[beats]
        if not raised.shape[0]:  # nothing raised: no penalty to refresh
            return
        self._top[raised, weakest[beats]] = found_scores[beats]
        before, after = self._penalty[raised], penalties(self._top[raised])
        learnt = self.seen[raised] > 0
        self._sum += float(np.sum(after[learnt] - before[learnt]))
        self._penalty[raised] = after

    def learn_many(
        self, ids: Sequence[str], positions: np.ndarray, bounds: np.ndarray, docs: np.ndarray,
        scores: np.ndarray, *, alone: bool,
    ) -> None:  # fmt: skip
        """`learn` of each text in turn: text j at `positions[j]` scored
        `docs[bounds[j]:bounds[j + 1]]` with those `scores` (the similarity join's searches),
        with the same densities, penalties and prior to the bit, in a few array operations
        instead of a dozen per text. `alone`: no text's id is held at another position too.

        The common case (distinct positions never learnt, their ids alone) is vectorised: a
        text's own row depends on its own scores only; the batch's texts raise no row of one
        another that survives (a later one's own search overwrites it, an earlier one's has
        seen the later); and the raises of older texts' rows are replayed in rounds, the k-th
        raise of every row in round k, so each row sees them in the texts' order. The prior's
        running sum is then added up text by text in `learn`'s order. Anything else falls back
        to `learn` text by text."""
        count = positions.shape[0]
        if not alone or np.unique(positions).shape[0] != count or (self.seen[positions] > 0).any():
            for number, position in enumerate(positions.tolist()):
                part = slice(bounds[number], bounds[number + 1])
                self.learn(ids, position, docs[part], scores[part])
            return
        texts = np.repeat(np.arange(count), np.diff(bounds))
        others = docs != positions[texts]
        texts, docs, scores = texts[others], docs[others], scores[others]
        order = np.lexsort((-scores, texts))  # each text's scores, best first
        first = np.searchsorted(texts, np.arange(count))
        rank = np.arange(order.shape[0]) - first[texts[order]]
        best = np.zeros((count, NEIGHBOURS), dtype=np.float32)
        top = order[rank < NEIGHBOURS]
        best[texts[top], rank[rank < NEIGHBOURS]] = np.maximum(scores[top], 0.0)
        own = penalties(best)
        self._top[positions], self._seen[positions] = best, max(len(ids), 1)
        self._penalty[positions] = own
        batch = np.zeros(self._n, dtype=bool)
        batch[positions] = True
        offered = ~batch[docs] & (self.seen[docs] <= positions[texts]) & (scores > 0)
        changes = self._raise(
            texts[offered], docs[offered], scores[offered], np.flatnonzero(offered)
        )
        for number in range(count):
            self._learnt += 1
            self._sum += float(own[number])
            if (change := changes.get(number)) is not None:
                self._sum += float(np.sum(change))

    def _raise(
        self, texts: np.ndarray, docs: np.ndarray, scores: np.ndarray, where: np.ndarray
    ) -> dict[int, np.ndarray]:
        """Offer `scores` to the rows of `docs` (older texts', learnt or not), in the order
        given (by text, `where` their order within it), each replacing its row's weakest when
        it beats it, as `learn` does; the penalty changes of the learnt rows, by text, in
        `learn`'s order (what it adds to the prior's sum)."""
        by_row = np.lexsort((texts, docs))
        starts = np.searchsorted(docs[by_row], docs[by_row])
        rounds = np.arange(by_row.shape[0]) - starts
        accepted: list[tuple[np.ndarray, np.ndarray]] = []
        for number in range(int(rounds.max(initial=-1)) + 1):
            offer = by_row[rounds == number]  # at most one per row
            rows = self._top[docs[offer]]
            weakest = rows.argmin(axis=1)
            beats = scores[offer] > rows[np.arange(offer.shape[0]), weakest]
            offer, raised = offer[beats], docs[offer[beats]]
            self._top[raised, weakest[beats]] = scores[offer]
            before, after = self._penalty[raised], penalties(self._top[raised])
            self._penalty[raised] = after
            learnt = self.seen[raised] > 0
            accepted.append((offer[learnt], (after - before)[learnt]))
        offers = np.concatenate([offer for offer, _ in accepted] or [np.zeros(0, np.int64)])
        if not offers.shape[0]:
            return {}
        changes = np.concatenate([change for _, change in accepted])
        ordered = np.argsort(where[offers], kind="stable")  # by text, as each text found them
        offers, changes = offers[ordered], changes[ordered]
        raising, cuts = np.unique(texts[offers], return_index=True)
        # a text whose raises were all of rows not learnt adds 0.0 in `learn`: left out here
        return dict(zip(raising.tolist(), np.split(changes, cuts[1:]), strict=True))

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
