"""The workspace's semantic encoder: the base model, or the one tuned on the workspace itself:
its merged duplicates (decision 0038) and random crops of its own texts (decision 0057).

Merged duplicates form clusters (an item, the items merged into it, and so on down the chain).
Once a workspace on the semantic tier has `MIN_CLUSTERS` of them, every `RETRAIN_AFTER_MERGES`
merges queue a retraining (`retraining.retrain_encoder`). With no merges at all, the encoder
adapts to the workspace's own texts once `MIN_ITEMS` are indexed, and again each time their
number has grown `ADAPT_GROWTH` times (`adaptation_due`). A retraining stores the tuned layers
as the next "encoder" TextModel version, together with the similarity index re-encoded by them,
and from then on every index of the workspace (near-duplicates, similar feedback, the portal's
similar ideas) encodes with it. Each process holds the encoders in use of its `HELD` most recent
workspaces (a model copy each, about 90 MB).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from northline.accounts.models import Workspace
from northline.insights.text.semantic import Encoder, EncoderWeights

from ..models import Feedback, TextModel, TextSettings
from . import similarity

logger = logging.getLogger(__name__)
TASK = TextModel.Task.ENCODER.value
MIN_CLUSTERS = 20
RETRAIN_AFTER_MERGES = 25
MIN_ITEMS = 200
ADAPT_GROWTH = 2
HELD = 4
_CHUNK = 500

_held: OrderedDict[int, tuple[int, Encoder]] = OrderedDict()
_lock = threading.Lock()


def encoder_version(workspace: Workspace) -> int:
    """The version in use (0: the base model), read without creating the settings row."""
    found = TextSettings.objects.filter(workspace=workspace).values_list(
        "encoder_version", flat=True
    )
    return found.first() or 0


def in_use(workspace_id: int, version: int, model_path: str | None) -> Encoder | None:
    """The tuned encoder of `version`, loaded once per process; None for the base model (the
    shared one), or where the stored version cannot be read (logged; the base model serves)."""
    if version == 0 or not model_path:
        return None
    with _lock:
        held = _held.get(workspace_id)
        if held is not None and held[0] == version:
            _held.move_to_end(workspace_id)
            return held[1]
    row = TextModel.objects.filter(workspace_id=workspace_id, task=TASK, version=version).first()
    if row is None:
        logger.warning("workspace %s: encoder v%s is not stored", workspace_id, version)
        return None
    try:
        encoder = EncoderWeights.from_bytes(bytes(row.data)).encoder(model_path)
    except ValueError as error:
        logger.warning("workspace %s: encoder v%s unusable (%s)", workspace_id, version, error)
        return None
    hold(workspace_id, version, encoder)
    return encoder


def hold(workspace_id: int, version: int, encoder: Encoder) -> None:
    """Keep `encoder` as the workspace's `version` in this process (the one just trained)."""
    with _lock:
        _held[workspace_id] = (version, encoder)
        _held.move_to_end(workspace_id)
        while len(_held) > HELD:
            _held.popitem(last=False)


def forget() -> None:
    """Drop every held encoder (tests)."""
    with _lock:
        _held.clear()


def adaptation_due(state: TextSettings, indexed: int) -> bool:
    """Whether a semantic workspace's encoder should adapt to its own texts now, with `indexed`
    items in its index: `MIN_ITEMS` of them, and `ADAPT_GROWTH` times as many as when it last
    adapted (processing an item again does not count as growth)."""
    return indexed >= MIN_ITEMS and indexed >= ADAPT_GROWTH * state.adapted_items


def indexed_count(workspace: Workspace) -> int:
    """How many of the workspace's items its similarity index holds (one COUNT: asked after
    each processing batch on the semantic tier only, where encoding the batch costs far more)."""
    return Feedback.objects.filter(workspace=workspace, indexed_seq__isnull=False).count()


def own_texts(workspace: Workspace, count: int, seed: int = 0) -> list[str]:
    """The texts of up to `count` of the workspace's items, a seeded sample (what the encoder
    adapts to: `semantic.adapt_encoder` crops each)."""
    ids = np.array(Feedback.objects.filter(workspace=workspace).values_list("pk", flat=True))
    if ids.shape[0] > count:
        ids = np.sort(np.random.default_rng(seed).choice(ids, size=count, replace=False))
    texts: list[str] = []
    for start in range(0, ids.shape[0], _CHUNK):
        rows = Feedback.objects.filter(
            workspace=workspace, pk__in=ids[start : start + _CHUNK].tolist()
        )
        texts += [
            similarity.item_text(t, x) for t, x in rows.order_by("pk").values_list("title", "text")
        ]
    return texts


def merged_clusters(workspace: Workspace) -> tuple[list[str], list[int], int]:
    """(texts, cluster of each, number of clusters) of every item in a merge: the connected
    groups of the duplicate-of links, so an item merged into a duplicate joins its original."""
    pairs = np.array(
        Feedback.objects.filter(workspace=workspace, duplicate_of__isnull=False).values_list(
            "pk", "duplicate_of_id"
        ),
        dtype=np.int64,
    ).reshape(-1, 2)
    if pairs.shape[0] == 0:
        return [], [], 0
    ids = np.unique(pairs)
    ends = np.searchsorted(ids, pairs)
    links = sparse.coo_matrix(
        (np.ones(ends.shape[0]), (ends[:, 0], ends[:, 1])), shape=(ids.shape[0], ids.shape[0])
    )
    count, labels = connected_components(links, directed=False)
    texts: dict[int, str] = {}
    for start in range(0, ids.shape[0], _CHUNK):
        chunk = ids[start : start + _CHUNK].tolist()
        rows = Feedback.objects.filter(workspace=workspace, pk__in=chunk)
        texts |= {
            pk: similarity.item_text(t, x) for pk, t, x in rows.values_list("pk", "title", "text")
        }
    kept = [i for i, pk in enumerate(ids.tolist()) if pk in texts]
    return [texts[int(ids[i])] for i in kept], [int(labels[i]) for i in kept], int(count)
