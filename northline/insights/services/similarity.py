"""The workspace's similarity index, built once and kept: never rebuilt per request.

Every process (app server, worker) holds at most one copy per workspace, loaded once from the
newest snapshot file under `settings.DATA_DIR/similarity/` and caught up from the database:
processing gives each item it indexes a sequence number (`Feedback.indexed_seq`), so a copy
that holds items up to seq N adds only the rows after N. A request therefore costs one read
of the workspace's TextSettings row (whose `next_seq` says whether there are newer rows to
fetch, in one indexed query) and the index query itself. The worker writes a new snapshot
(its own copy, as the index's plain-array `.npz` file) when the items added since the last one reach `SNAPSHOT_GROWTH` of the
index, so a fresh server loads a file instead of re-reading a million texts, and a million-row
import writes about twenty snapshots. Servers that do not share DATA_DIR rebuild their copy
from the database.

An edited text is indexed again under the same id; answers keep each id's best score, and the
old version goes when the index is next built from the database (a tier change, a server
without the snapshot).

On the semantic tier the index encodes with the workspace's encoder in use
(`TextSettings.encoder_version`: the base model, or the one its merges tuned). A new encoder
is installed with an index `rebuild` re-encoded by it: the row's encoder version, token and
snapshot change in one transaction, so every server switches to the new encoder and its
vectors together, and keeps the old pair until then (decision 0038). Snapshot files name their
encoder version; a process writing one removes only those of its version or older.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings as django_settings
from django.db import transaction

from northline.accounts.models import Workspace
from northline.insights.text.duplicates import IndexCounts
from northline.insights.text.semantic import Encoder
from northline.insights.text.tiers import (
    SEMANTIC,
    SimilarityIndex,
    load_similarity_index,
    make_similarity_index,
)

from ..models import Feedback, TextSettings, new_token
from . import encoders

logger = logging.getLogger(__name__)
SNAPSHOT_GROWTH = 0.5
SNAPSHOT_MIN = 1000
CATCH_UP_CHUNK = 20_000


def item_text(title: str, text: str) -> str:
    """What is indexed and classified: the title as the first line, then the text."""
    return f"{title}\n{text}" if title else text


def digest(text: str) -> str:
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).hexdigest()


@dataclass
class Loaded:
    token: str
    tier: str
    snapshot: str
    seq: int
    index: SimilarityIndex
    encoder: int = 0  # the encoder version its vectors come from (`encoders`)


_copies: dict[int, Loaded] = {}
_lock = threading.Lock()


def settings_of(workspace: Workspace) -> TextSettings:
    row, _ = TextSettings.objects.get_or_create(workspace=workspace)
    return row


def folder(workspace: Workspace) -> Path:
    return Path(django_settings.DATA_DIR) / "similarity" / str(workspace.pk)


def index_for(
    workspace: Workspace, tier: str, model_path: str | None = None,
    state: TextSettings | None = None,
) -> SimilarityIndex:  # fmt: skip
    """The workspace's index, current with every item processing has indexed so far
    (`state`: the workspace's TextSettings row, when the caller has just read it)."""
    state = state or settings_of(workspace)
    with _lock:
        copy = _copy(workspace, state, tier, model_path)
        if state.next_seq > copy.seq:  # the row says what was indexed: no query when current
            _catch_up(workspace, copy)
        return copy.index


def _copy(workspace: Workspace, state: TextSettings, tier: str, model_path: str | None) -> Loaded:
    """This process's copy of the workspace's index (loaded when it has none, or one of
    another tier or token); under `_lock`."""
    copy = _copies.get(workspace.pk)
    if copy is None or (copy.token, copy.tier) != (state.token, tier):
        copy = _load(workspace, state, tier, model_path)
        _copies[workspace.pk] = copy
    return copy


def _encoder(state: TextSettings, tier: str, model_path: str | None) -> Encoder | None:
    """The workspace's tuned encoder for a semantic index (None: the base model's)."""
    if tier != SEMANTIC:
        return None
    return encoders.in_use(state.workspace_id, state.encoder_version, model_path)


def _load(workspace: Workspace, state: TextSettings, tier: str, model_path: str | None) -> Loaded:
    encoder = _encoder(state, tier, model_path)
    if state.snapshot and tier == state.tier:
        path = folder(workspace) / state.snapshot
        try:
            index = load_similarity_index(path, tier, model_path=model_path, encoder=encoder)
        except (OSError, ValueError, KeyError) as error:
            logger.info(
                "similarity: snapshot %s unusable (%s); rebuilding from the database", path, error
            )
        else:
            return Loaded(
                state.token, tier, state.snapshot, state.snapshot_seq, index, state.encoder_version
            )
    index = make_similarity_index(tier, model_path=model_path, encoder=encoder)
    return Loaded(state.token, tier, state.snapshot, -1, index, state.encoder_version)


def _catch_up(
    workspace: Workspace, copy: Loaded, *, chunk: int = CATCH_UP_CHUNK,
    learn: Callable[[int], None] | None = None, below: int | None = None,
) -> None:  # fmt: skip
    """Add the items indexed after the copy's mark (and before sequence number `below`, when
    given), oldest first, in chunks; with `learn`, each chunk's neighbour searches run too
    (the densities of the hubness-corrected ranking, as processing learns them) and `learn`
    hears how many items are in."""
    done = 0
    while True:
        newer = Feedback.objects.filter(workspace=workspace, indexed_seq__gt=copy.seq)
        if below is not None:
            newer = newer.filter(indexed_seq__lt=below)
        rows = list(
            newer.order_by("indexed_seq").values_list("pk", "title", "text", "indexed_seq")[:chunk]
        )
        if not rows:
            return
        ids, texts = [str(r[0]) for r in rows], [item_text(r[1], r[2]) for r in rows]
        copy.index.add(ids, texts)
        copy.seq = rows[-1][3] or copy.seq
        if learn is not None:
            copy.index.query_many(texts, 0, excludes=ids, learn=True)
            done += len(rows)
            learn(done)


def query(
    workspace: Workspace, tier: str, text: str, k: int, *, exclude: int | None = None,
    model_path: str | None = None, state: TextSettings | None = None,
) -> list[tuple[int, float]]:  # fmt: skip
    """[(feedback id, score)] of the `k` most similar indexed items, best first, each id once."""
    index = index_for(workspace, tier, model_path, state)
    return _best(index.query(text, k * 2 + 1, exclude=None if exclude is None else str(exclude)), k)


def similar_indexed(
    workspace: Workspace, tier: str, items: Sequence[tuple[int, int | None, str]], k: int,
    min_score: float, parts: Iterable[IndexCounts], model_path: str | None = None,
) -> list[list[tuple[int, float]]]:  # fmt: skip
    """For a batch being processed, (id, sequence number, text) of each item, in the order
    they were numbered: each one's `k` most similar items scoring at least `min_score`, itself
    left out. `parts` gives the texts' `index_counts`, a part of the batch at a time (the
    helper process computes them meanwhile, decision 0053): each part is indexed with them,
    then joined, so an item meets the items indexed before it and those of its own part.

    The join is the index's similarity join (`similar_indexed`), whose cost per item does not
    grow with the index, instead of one ranked query per item (decision 0028). Each item's
    search also learns its density for the hubness-corrected ranking (`learn`, decision
    0031), which the snapshots then carry to every server."""
    state = settings_of(workspace)
    found: list[list[tuple[int, float]]] = []
    for counts in parts:
        part = items[len(found) : len(found) + counts.size]
        index = _add_part(workspace, state, tier, model_path, part, counts)
        hits = index.similar_indexed(
            [str(pk) for pk, _, _ in part], [text for _, _, text in part], k * 2 + 1,
            min_score=min_score, learn=True,
        )  # fmt: skip
        found.extend(_best(best, k) for best in hits)
    return found


def _add_part(
    workspace: Workspace, state: TextSettings, tier: str, model_path: str | None,
    part: Sequence[tuple[int, int | None, str]], counts: IndexCounts,
) -> SimilarityIndex:  # fmt: skip
    """The index holding every item numbered up to this part's last: the part's items the
    copy does not hold yet are added with their counts, in runs of consecutive numbers, and
    the items numbered before a run that the copy lacks (another batch's, normally none) are
    read from the database first, as ever."""
    with _lock:
        copy = _copy(workspace, state, tier, model_path)
        fresh = sorted(
            (seq, n) for n, (_, seq, _) in enumerate(part) if seq is not None and seq > copy.seq
        )
        cuts = [i for i in range(1, len(fresh)) if fresh[i][0] != fresh[i - 1][0] + 1]
        runs = zip([0, *cuts], [*cuts, len(fresh)], strict=True) if fresh else []
        for start, end in runs:
            run = [n for _, n in fresh[start:end]]
            if fresh[start][0] > copy.seq + 1:
                _catch_up(workspace, copy, below=fresh[start][0])
            copy.index.add(
                [str(part[n][0]) for n in run], [part[n][2] for n in run], counts.rows(run)
            )
            copy.seq = fresh[end - 1][0]
        return copy.index


def _best(hits: list[tuple[str, float]], k: int) -> list[tuple[int, float]]:
    """Each id once (an edited text may be indexed twice), at its best place, in the index's
    order (hubness-corrected: not always by descending score)."""
    best: dict[int, float] = {}
    for doc, score in hits:
        best.setdefault(int(doc), score)
    return list(best.items())[:k]


def snapshot_due(state: TextSettings) -> bool:
    grown = state.next_seq - state.snapshot_seq
    return grown >= max(SNAPSHOT_MIN, SNAPSHOT_GROWTH * state.snapshot_seq) or (
        state.snapshot_seq == 0 and grown > 0 and not state.snapshot
    )


def write_snapshot(workspace: Workspace, tier: str, model_path: str | None = None) -> str:
    """Write this process's copy of the index (caught up first; built from the current texts
    when there is none) atomically, and point every server at it; older snapshot files are
    removed (a server holding one in memory keeps working)."""
    state = settings_of(workspace)
    with _lock:
        copy = _copies.get(workspace.pk)
        if copy is None or (copy.token, copy.tier) != (state.token, tier):
            encoder = _encoder(state, tier, model_path)
            index = make_similarity_index(tier, model_path=model_path, encoder=encoder)
            copy = Loaded(state.token, tier, "", -1, index, state.encoder_version)
        _catch_up(workspace, copy)
        name = _save(workspace, copy)
        # Only while the row still names this copy's index: a new encoder installed meanwhile
        # (a new token) keeps its own snapshot.
        TextSettings.objects.filter(pk=state.pk, token=copy.token).update(
            snapshot=name, snapshot_seq=copy.seq
        )
        copy.snapshot = name
        _copies[workspace.pk] = copy
    _remove_older(workspace, name, copy.encoder)
    return name


def _save(workspace: Workspace, copy: Loaded) -> str:
    """Write the copy's snapshot file (atomically) and return its name."""
    prefix = f"{copy.tier}-e{copy.encoder}" if copy.encoder else copy.tier
    name = f"{prefix}-{copy.seq}.npz"
    target = folder(workspace)
    target.mkdir(parents=True, exist_ok=True)
    partial = target / f"partial-{name}"  # numpy insists on the .npz ending
    copy.index.save(partial)
    partial.replace(target / name)
    return name


_VERSION = re.compile(r"-e(\d+)-\d+\.npz$")


def _remove_older(workspace: Workspace, keep: str, encoder: int) -> None:
    """Remove the snapshot files other than `keep` whose encoder version is `encoder` or older
    (a server holding one in memory keeps working); a newer encoder's file being installed
    stays."""
    for old in [*folder(workspace).glob("*.npz"), *folder(workspace).glob("*.pickle")]:
        found = _VERSION.search(old.name)
        if old.name != keep and (int(found.group(1)) if found else 0) <= encoder:
            old.unlink(missing_ok=True)


def rebuild(
    workspace: Workspace, encoder: Encoder, version: int, model_path: str | None,
    report: Callable[[int, int], None],
) -> Loaded:  # fmt: skip
    """A semantic index of every indexed item encoded by `encoder` (to be the workspace's
    `version`), densities learnt, and its snapshot file written; nothing points at it until
    `install`, so the index and encoder in use serve until then. `report(done, total)`."""
    state = settings_of(workspace)
    total = Feedback.objects.filter(workspace=workspace, indexed_seq__isnull=False).count()
    index = make_similarity_index(SEMANTIC, model_path=model_path, encoder=encoder)
    copy = Loaded(state.token, SEMANTIC, "", -1, index, version)
    _catch_up(workspace, copy, chunk=2000, learn=lambda done: report(done, max(total, done)))
    copy.snapshot = _save(workspace, copy)
    return copy


def install(state: TextSettings, copy: Loaded) -> None:
    """Point every server at a `rebuild` (inside the caller's transaction, `state` locked):
    the row's encoder version, snapshot and a new token change together; this process holds
    the new copy once the transaction commits."""
    state.token = new_token()
    state.snapshot, state.snapshot_seq, state.encoder_version = (
        copy.snapshot,
        copy.seq,
        copy.encoder,
    )
    state.save(update_fields=["token", "snapshot", "snapshot_seq", "encoder_version", "updated_at"])
    copy.token = state.token
    workspace = state.workspace

    def switch() -> None:
        with _lock:
            _copies[workspace.pk] = copy
        _remove_older(workspace, copy.snapshot, copy.encoder)

    transaction.on_commit(switch)


def forget(workspace: Workspace) -> None:
    """Drop this process's copy (a tier change, a test)."""
    with _lock:
        _copies.pop(workspace.pk, None)
