"""Which engine serves a workspace: the lexical tier, always there, or the semantic tier (the
optional extra `northline[ml]`: a sentence-transformers model read from a local path).

Callers (the processing tasks, the portal, `northline eval`) build their classifiers and
similarity indexes here and never import a tier's module themselves, so both tiers answer the
same protocols below.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from northline.insights.text.classifier import ClassifierConfig, Prediction, TextClassifier
from northline.insights.text.duplicates import DuplicateIndex

LEXICAL = "lexical"
SEMANTIC = "semantic"
TIERS = (LEXICAL, SEMANTIC)


class TierUnavailable(RuntimeError):
    """The semantic tier was asked for where it cannot run (extra not installed, no model)."""


class Classifier(Protocol):
    @property
    def labels(self) -> tuple[str, ...]: ...

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> Classifier: ...

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray: ...

    def predict(self, texts: Sequence[str]) -> list[Prediction]: ...

    def to_bytes(self) -> bytes: ...


class SimilarityIndex(Protocol):
    def __len__(self) -> int: ...

    def add(self, ids: Sequence[str], texts: Sequence[str]) -> None: ...

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]: ...


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
    raise TierUnavailable("tier: the semantic tier is not installed")


def load_classifier(data: bytes) -> Classifier:
    """A classifier from what its `to_bytes` wrote (only bytes Northline wrote itself)."""
    return TextClassifier.from_bytes(data)


def make_similarity_index(tier: str = LEXICAL, *, model_path: str | None = None) -> SimilarityIndex:
    """An empty index for near-duplicates and similar ideas."""
    if check_tier(tier) == LEXICAL:
        return DuplicateIndex()
    raise TierUnavailable("tier: the semantic tier is not installed")
