"""Which engine serves a workspace: the lexical tier, always there, or the semantic tier (the
optional extra `northline[ml]`: a sentence-transformers model read from a local path).

Callers (the processing tasks, the portal, `northline eval`) build their classifiers and
similarity indexes here and never import a tier's module themselves, so both tiers answer the
same protocols below.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from northline.insights.text import semantic
from northline.insights.text.classifier import ClassifierConfig, Prediction, TextClassifier
from northline.insights.text.duplicates import DuplicateIndex, IndexCounts
from northline.insights.text.hubness import Densities
from northline.insights.text.semantic import TierUnavailable, semantic_available

LEXICAL = "lexical"
SEMANTIC = "semantic"
TIERS = (LEXICAL, SEMANTIC)
__all__ = ["TierUnavailable", "semantic_available"]


class Classifier(Protocol):
    @property
    def labels(self) -> tuple[str, ...]: ...

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Classifier: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...

    def to_bytes(self) -> bytes: ...


class SimilarityIndex(Protocol):
    hubness: Densities

    def __len__(self) -> int: ...

    def add(
        self, ids: Sequence[str], texts: Sequence[str], counts: IndexCounts | None = None
    ) -> None: ...

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]: ...

    def query_many(
        self, texts: Sequence[str], k: int = 5, *, excludes: Sequence[str | None] | None = None,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]: ...  # fmt: skip

    def similar_indexed(
        self, ids: Sequence[str], texts: Sequence[str], k: int = 5, *, min_score: float = 0.0,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]: ...  # fmt: skip

    def save(self, path: str | Path) -> None: ...


def check_tier(tier: str) -> str:
    if tier not in TIERS:
        raise ValueError(f"tier: expected one of {', '.join(TIERS)}, got {tier!r}")
    return tier


def make_classifier(
    config: ClassifierConfig, tier: str = LEXICAL, *, model_path: str | None = None
) -> Classifier:
    """An unfitted classifier of the tier; `model_path` is the semantic model's folder."""
    if check_tier(tier) == LEXICAL:
        return TextClassifier(config)
    return semantic.SemanticClassifier(config, model_path=semantic.require_semantic(model_path))


def load_classifier(data: bytes, *, model_path: str | None = None) -> Classifier:
    """A classifier from what its `to_bytes` wrote (only bytes Northline wrote itself).

    The header says the tier; a semantic classifier reads its base model from `model_path`
    (or, when None, from the folder it was trained with).
    """
    if semantic.SemanticClassifier.is_serialised(data):
        return semantic.SemanticClassifier.from_bytes(data, model_path=model_path)
    return TextClassifier.from_bytes(data)


def make_similarity_index(
    tier: str = LEXICAL, *, model_path: str | None = None, encoder: semantic.Encoder | None = None
) -> SimilarityIndex:
    """An empty index for near-duplicates and similar ideas; the semantic tier encodes with
    `encoder` (a workspace's tuned one) or, when None, the base model's shared one."""
    if check_tier(tier) == LEXICAL:
        return DuplicateIndex()
    return semantic.SemanticIndex(semantic.require_semantic(model_path), encoder=encoder)


def load_similarity_index(
    path: str | Path, tier: str = LEXICAL, *, model_path: str | None = None,
    encoder: semantic.Encoder | None = None,
) -> SimilarityIndex:  # fmt: skip
    """An index from what its `save` wrote: plain arrays with a format tag, never pickle, so a
    file of another format or tier is refused (ValueError) instead of scoring wrongly."""
    if check_tier(tier) == LEXICAL:
        return DuplicateIndex.load(path)
    return semantic.SemanticIndex.load(path, semantic.require_semantic(model_path), encoder=encoder)


def similarity_index_bytes(index: SimilarityIndex) -> bytes:
    """What `save` writes, as bytes (for an index kept in the database)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.npz"
        index.save(path)
        return path.read_bytes()


def similarity_index_from_bytes(
    data: bytes, tier: str = LEXICAL, *, model_path: str | None = None
) -> SimilarityIndex:
    """`load_similarity_index` of bytes from `similarity_index_bytes`."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.npz"
        path.write_bytes(data)
        return load_similarity_index(path, tier, model_path=model_path)
