"""The semantic tier: a sentence-transformers encoder read from a local folder, never a download.

Three things live here, each answering the same protocol as its lexical twin (see `tiers.py`):

- `Encoder`: the model, loaded once per folder and process, on the GPU when one is present,
  encoding in batches to L2-normalised float32 rows. Loading imports torch lazily, so the
  lexical tier never pays for it and the package imports without the `ml` extra.
- `SemanticIndex`: near-duplicates and similar ideas by inner product over normalised
  embeddings (a NumPy float32 matrix that grows by doubling), averaged with the lexical
  cosine, which is computed only for the candidates of both stages; saved to / loaded from
  ``.npz``.
- `SemanticClassifier`: frozen embeddings with a linear head score below TF-IDF on issue types
  (about 0.71 against 0.75 macro-F1), so `fit` first fine-tunes the encoder (all of its layers,
  for issue types and sentiment alike: `CLASSIFIER_TUNING`) on the labels SetFit-style (an
  in-batch supervised contrastive loss: texts sharing a label are pulled together, plus a
  softmax head), under a fixed budget of examples so that it ends on a CPU in
  minutes; then one calibrated linear SVM reads the TF-IDF features and the fine-tuned
  embedding side by side. Only the fine-tuned layers are stored (float16), never the token
  embeddings or the frozen layers.

Beside them, `fine_tune_on_clusters` tunes the encoder itself on groups of duplicates (a
workspace's merges, decision 0038) through the same training loop, into `EncoderWeights`: the
tuned layers in float16, which give back an `Encoder` that indexes take instead of the shared
base one. `adapt_encoder` adds, with no label at all, two random crops of each of the
workspace's own texts as positive pairs (decision 0057), so every semantic workspace's encoder
learns its vocabulary.
"""

from __future__ import annotations

import importlib.util
import io
import os
import pickle
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np
from scipy import sparse
from sklearn.calibration import CalibratedClassifierCV
from sklearn.pipeline import FeatureUnion
from sklearn.svm import LinearSVC

from northline.insights.text.classifier import (
    ISSUE_TYPE,
    ClassifierConfig,
    Prediction,
    check_training_data,
    linear_model,
    scores_2d,
    softmax,
)
from northline.insights.text.duplicates import (
    DuplicateIndex,
    IndexCounts,
    ranked,
    save_arrays,
    top_k,
)
from northline.insights.text.hubness import Densities
from northline.insights.text.preprocess import clean_text

_MAGIC = b"northline-semantic-classifier-v1\n"
_INDEX_FORMAT = "northline-semantic-index-v2"
_OLD_INDEX_FORMATS = ("northline-semantic-index-v1",)
ENCODE_BATCH = 64
_REQUIRED = ("sentence_transformers", "torch")
_MODEL_FILES = ("modules.json", "config.json")


class TierUnavailable(RuntimeError):
    """The semantic tier was asked for where it cannot run (extra not installed, no model);
    `reason` says why, for pages that word the rest themselves."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"tier: the semantic tier is unavailable: {reason}")
        self.reason = reason


def semantic_available(model_path: str | Path | None) -> str | None:
    """None when the semantic tier can run with the model at `model_path`, else the reason."""
    missing = [name for name in _REQUIRED if importlib.util.find_spec(name) is None]
    if missing:
        return (
            f"the ml extra is not installed (pip install 'northline[ml]'; "
            f"missing: {', '.join(missing)})"
        )
    if not model_path or not str(model_path).strip():
        return "no semantic model folder is configured (NORTHLINE_SEMANTIC_MODEL)"
    folder = Path(model_path).expanduser()
    if not folder.is_dir():
        return f"semantic model folder {str(folder)!r} does not exist"
    if not any((folder / name).is_file() for name in _MODEL_FILES):
        return f"semantic model folder {str(folder)!r} holds no sentence-transformers model"
    return None


def require_semantic(model_path: str | Path | None) -> Path:
    """The model folder, or `TierUnavailable` saying why the tier cannot run."""
    reason = semantic_available(model_path)
    if reason is not None:
        raise TierUnavailable(reason)
    return Path(str(model_path)).expanduser().resolve()


class Encoder:
    """One sentence-transformers model from a local folder; `encode` → normalised float32 rows.

    Hugging Face hub access is switched off before the library is imported and the model is
    loaded with ``local_files_only``: a missing file is an error, never a download.
    """

    def __init__(self, model_path: str | Path, *, device: str | None = None) -> None:
        self.path = require_semantic(model_path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        from sentence_transformers import SentenceTransformer

        self.model = SentenceTransformer(str(self.path), device=device, local_files_only=True)
        self.lock = threading.Lock()
        self.tuned = False  # fine-tuned layers were put back (`tuned_encoder`)

    @property
    def dimension(self) -> int:
        return int(self.model.get_embedding_dimension() or 0)

    @property
    def device(self) -> str:
        return str(self.model.device)

    def encode(self, texts: Sequence[str], *, batch_size: int = ENCODE_BATCH) -> np.ndarray:
        """An (n, dimension) float32 array of unit rows (zero rows for no texts)."""
        if len(texts) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        with self.lock:
            vectors = self.model.encode(
                list(texts),
                batch_size=batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)


_ENCODERS: dict[Path, Encoder] = {}
_ENCODERS_LOCK = threading.Lock()


def shared_encoder(model_path: str | Path) -> Encoder:
    """The process-wide encoder of a model folder: loaded once, shared by indexes and tasks."""
    path = require_semantic(model_path)
    with _ENCODERS_LOCK:
        if path not in _ENCODERS:
            _ENCODERS[path] = Encoder(path)
        return _ENCODERS[path]


def semantic_text(text: str) -> str:
    """What the encoder reads: the cleaned text without marker words (they mean nothing to it),
    with a title repeated for the bag-of-words models (`issue_text`) said once: the encoder reads
    only its first `max_seq_length` tokens, and the title and the start of the body carry the
    label, so repeats would push the body out of its window."""
    first, newline, rest = text.partition("\n")
    parts = first.split(" . ")
    if newline and len(parts) > 1 and len(set(parts)) == 1:
        text = parts[0] + " .\n" + rest
    return clean_text(text, markers=False)


class SemanticIndex:
    """add(ids, texts), then query(text, k) → [(id, score)], best first; like `DuplicateIndex`.

    The score is the mean of the embedding cosine and the lexical TF-IDF cosine of a
    `DuplicateIndex` kept alongside: on the Firefox duplicates the embedding alone finds a
    duplicate in the top 5 for 0.707 of the reports, TF-IDF for 0.723, their mean for 0.774
    (the model and the words miss different pairs; see bench/RESULTS_text.md). Hits are
    ranked as `DuplicateIndex` ranks them, hubness-corrected, with densities of this mean
    score (`hubness`, learnt by `query_many(..., learn=True)`; the lexical index's own stay
    unused): 0.805 then (decision 0031).
    """

    def __init__(self, model_path: str | Path, *, encoder: Encoder | None = None) -> None:
        self.encoder = encoder or shared_encoder(model_path)
        self.lexical = DuplicateIndex()
        self._ids: list[str] = []
        self._matrix = np.zeros((0, self.encoder.dimension), dtype=np.float32)
        self.hubness = Densities()

    def __len__(self) -> int:
        return len(self._ids)

    @property
    def ids(self) -> list[str]:
        return list(self._ids)

    @property
    def vectors(self) -> np.ndarray:
        """The (n, dimension) unit rows, in insertion order (a view: do not write to it)."""
        return self._matrix[: len(self._ids)]

    def add(
        self, ids: Sequence[str], texts: Sequence[str], counts: IndexCounts | None = None
    ) -> None:
        """Encode `texts` in batches and index them under `ids` (`counts`: their lexical
        `index_counts`, when computed already)."""
        if len(ids) != len(texts):
            raise ValueError(f"duplicates: {len(ids)} ids but {len(texts)} texts")
        if len(texts) == 0:
            return
        vectors = self.encoder.encode([semantic_text(t) for t in texts])
        self.lexical.add(ids, texts, counts)
        self._append(ids, vectors)

    def similarities(self, text: str, *, vector: np.ndarray | None = None) -> np.ndarray:
        """Score of `text` against every indexed text, in insertion order; `vector` is the
        text's embedding when the caller has it already (an indexed text)."""
        if not self._ids:
            return np.zeros(0, dtype=np.float32)
        if vector is None:
            vector = self.encoder.encode([semantic_text(text)])[0]
        semantic = self.vectors @ vector
        return np.asarray((semantic + self.lexical.similarities(text)) / 2, dtype=np.float32)

    def query(
        self, text: str, k: int = 5, *, exclude: str | None = None
    ) -> list[tuple[str, float]]:
        """The `k` most similar indexed texts (score > 0), best first; `exclude` drops an id.

        Candidates are the lexical index's own (see `DuplicateIndex`) and the `pool` texts
        nearest in embedding; only those are scored lexically, so the lexical half no longer
        scans the collection. While the index holds no more than `pool` texts every text is a
        candidate and the answer is that of `similarities`.
        """
        if not self._ids:
            return []
        docs, scores = self._scored(text, self.encoder.encode([semantic_text(text)])[0])
        return ranked(self._ids, self.hubness, docs, scores, k, exclude)

    def query_many(
        self, texts: Sequence[str], k: int = 5, *, excludes: Sequence[str | None] | None = None,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        """`query` of each text (`excludes[i]` for text i), for a batch being processed: the
        texts are encoded in one call; `learn` as in `DuplicateIndex.query_many`, and a text
        learnt as one just indexed is not encoded again (its vector is the indexed one)."""
        excluded: list[str | None] = [None] * len(texts) if excludes is None else list(excludes)
        if len(excluded) != len(texts):
            raise ValueError(f"duplicates: {len(texts)} texts but {len(excluded)} excludes")
        if not self._ids:
            return [[] for _ in texts]
        positions = self.hubness.pending(self._ids, excluded if learn else [None] * len(texts))
        fresh = [i for i, at in enumerate(positions) if at is None]
        vectors = np.zeros((len(texts), self.encoder.dimension), dtype=np.float32)
        vectors[fresh] = self.encoder.encode([semantic_text(texts[i]) for i in fresh])
        known = [(i, at) for i, at in enumerate(positions) if at is not None]
        for i, at in known:
            vectors[i] = self.vectors[at]
        found = []
        for text, vector, exclude, position in zip(
            texts, vectors, excluded, positions, strict=True
        ):
            docs, scores = self._scored(text, vector)
            found.append(ranked(self._ids, self.hubness, docs, scores, k, exclude))
            if position is not None:
                self.hubness.learn(self._ids, position, docs, scores)
        return found

    def _scored(self, text: str, vector: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The positions scored for a query (the lexical candidates and the `pool` nearest in
        embedding) and their scores, the mean of embedding and lexical cosine."""
        semantic = self.vectors @ vector
        nearest = top_k(semantic, min(self.lexical.pool, semantic.shape[0]))
        docs, lexical = self.lexical.candidate_scores(text, np.sort(nearest))
        return docs, np.asarray((semantic[docs] + lexical) / 2, dtype=np.float32)

    def similar_indexed(
        self, ids: Sequence[str], texts: Sequence[str], k: int = 5, *, min_score: float = 0.0,
        learn: bool = False,
    ) -> list[list[tuple[str, float]]]:  # fmt: skip
        """The `k` best of each indexed text scoring at least `min_score`, its own id left out
        (what bulk processing stores): `query_many` (with `learn`), cut at `min_score`. The
        semantic tier's cost is its encoder, not the search."""
        found = self.query_many(texts, k, excludes=list(ids), learn=learn)
        return [[hit for hit in hits if hit[1] >= min_score] for hits in found]

    def save(self, path: str | Path) -> None:
        """Write ids, vectors and the lexical index to one ``.npz`` file (no pickle)."""
        arrays = {"semantic_format": np.array(_INDEX_FORMAT), "vectors": self.vectors}
        arrays |= self.hubness.arrays("semantic_hub")
        save_arrays(path, {**arrays, **self.lexical.arrays()})

    @classmethod
    def load(
        cls, path: str | Path, model_path: str | Path, *, encoder: Encoder | None = None
    ) -> SemanticIndex:
        """An index from what `save` wrote; the vectors must come from a model of that width
        (`encoder`: the one that wrote them, when it is not the base model's shared one)."""
        with np.load(Path(path), allow_pickle=False) as data:
            found = str(data["semantic_format"]) if "semantic_format" in data else None
            if found in _OLD_INDEX_FORMATS:
                raise ValueError(
                    f"{path}: saved in an older layout ({found}); rebuild the index from the texts"
                )
            if found != _INDEX_FORMAT:
                raise ValueError(f"{path}: not a saved Northline semantic index")
            index = cls(model_path, encoder=encoder)
            vectors = np.asarray(data["vectors"], dtype=np.float32)
            if vectors.ndim != 2 or vectors.shape[1] != index.encoder.dimension:
                raise ValueError(
                    f"{path}: vectors are {vectors.shape[-1]} wide, the model gives "
                    f"{index.encoder.dimension}"
                )
            index.lexical = DuplicateIndex.from_arrays(data, str(path))
            index._append(index.lexical.ids, vectors)
            index.hubness = Densities.restore(data, "semantic_hub", len(index._ids))
        return index

    def __getstate__(self) -> dict[str, Any]:
        """Pickled without the model (reattached from its folder when loaded); an index of a
        tuned encoder is refused, as its folder alone would give back the base model."""
        if self.encoder.tuned:
            raise TypeError("duplicates: an index of a tuned encoder is saved with save()")
        state = dict(self.__dict__)
        state["encoder"] = str(self.encoder.path)
        state["_matrix"] = self.vectors.copy()
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        state["encoder"] = shared_encoder(state["encoder"])
        self.__dict__.update(state)

    def _append(self, ids: Sequence[str], vectors: np.ndarray) -> None:
        """Store rows, growing the matrix by doubling (amortised O(1) copies a row)."""
        used = len(self._ids)
        if used + len(ids) > self._matrix.shape[0]:
            rows = max(2 * self._matrix.shape[0], used + len(ids), 1024)
            grown = np.zeros((rows, self.encoder.dimension), dtype=np.float32)
            grown[:used] = self._matrix[:used]
            self._matrix = grown
        self._matrix[used : used + len(ids)] = vectors
        self._ids.extend(str(i) for i in ids)
        self.hubness.extend(len(ids))


@dataclass(frozen=True)
class FineTune:
    """How `SemanticClassifier` fine-tunes the encoder; what it uses is `CLASSIFIER_TUNING`.

    `max_examples` bounds the work (texts seen, over all epochs), so a few thousand labelled items
    still train in minutes on a CPU; `trainable_layers` top transformer layers learn (6, all of
    all-MiniLM-L6-v2's, is SetFit's whole-encoder tuning, which every shipped setting uses; the
    token embeddings stay frozen), the rest stay frozen (and unsaved). `embedding_weight` scales
    the embedding block against TF-IDF in the head (1.0, screened in bench/RESULTS_text.md).
    """

    epochs: int = 2
    max_examples: int = 1200
    batch_size: int = 16
    learning_rate: float = 4e-5
    head_learning_rate: float = 2e-3
    temperature: float = 0.1
    trainable_layers: int = 6
    max_seq_length: int = 128
    embedding_weight: float = 1.0
    seed: int = 0


# Both tasks tune the whole encoder: issue types (decision 0032, fold 0 of the 5 NLBSE'24
# repositories, paired against the top two layers) and sentiment (decision 0056, 5-fold on
# Senti4SD: 0.848 -> 0.876, every fold better). A workspace's own categories tune as they do.
# Two passes over up to 2,500 labelled texts (decision 0058: at 1,200 texts seen, a Senti4SD
# fold's 2,478 posts were not all seen once; 0.876 -> 0.882). Issue types (240 a repository
# and fold) see 480 either way.
CLASSIFIER_TUNING = FineTune(max_examples=5000)


class SemanticClassifier:
    """fit(texts, labels) → predict(texts) → [Prediction]; the interface of `TextClassifier`."""

    def __init__(
        self,
        config: ClassifierConfig = ISSUE_TYPE,
        *,
        model_path: str | Path,
        fine_tune: FineTune | None = None,
    ) -> None:
        self.config = config
        self.fine_tune = fine_tune or CLASSIFIER_TUNING
        self.model_path = str(require_semantic(model_path))
        self._tuned: dict[str, np.ndarray] = {}
        self._features: FeatureUnion | None = None
        self._model: CalibratedClassifierCV | LinearSVC | None = None
        self._labels: tuple[str, ...] = ()
        self._encoder: Any = None

    @property
    def labels(self) -> tuple[str, ...]:
        return self._labels

    def fit(self, texts: Sequence[str], labels: Sequence[str]) -> SemanticClassifier:
        """Fine-tune the encoder's top layers on (texts, labels), then fit the linear head."""
        check_training_data(texts, labels)
        encoder = Encoder(self.model_path)
        encoder.model.max_seq_length = self.fine_tune.max_seq_length
        self._tuned = fine_tune_layers(
            encoder, [semantic_text(t) for t in texts], labels, self.fine_tune
        )
        self._encoder = encoder
        cleaned = [self.config.clean(t) for t in texts]
        self._features = self.config.features(len(cleaned))
        lexical = self._features.fit_transform(cleaned)
        matrix = sparse.hstack([lexical, self._embed(texts)], format="csr")
        self._model = linear_model(self.config.c, labels)
        self._model.fit(matrix, np.asarray(labels, dtype=object))
        self._labels = tuple(str(label) for label in self._model.classes_)
        return self

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        if self._features is None or self._model is None:
            raise RuntimeError("classifier: call fit() before predicting")
        cleaned = [self.config.clean(t) for t in texts]
        matrix = sparse.hstack(
            [self._features.transform(cleaned), self._embed(texts)], format="csr"
        )
        if isinstance(self._model, CalibratedClassifierCV):
            return np.asarray(self._model.predict_proba(matrix))
        return softmax(scores_2d(self._model.decision_function(matrix)))

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if len(texts) == 0:
            return []
        proba = self.predict_proba(texts)
        best = proba.argmax(axis=1)
        return [Prediction(self._labels[i], float(proba[row, i])) for row, i in enumerate(best)]

    def to_bytes(self) -> bytes:
        """Header + pickle of the head, the TF-IDF features and the fine-tuned layers (float16)."""
        return _MAGIC + pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @classmethod
    def from_bytes(cls, data: bytes, *, model_path: str | Path | None = None) -> SemanticClassifier:
        """Load what `to_bytes` wrote (our own bytes only: pickle runs code); `model_path`
        replaces the base model folder recorded at training time (a moved installation)."""
        if not data.startswith(_MAGIC):
            raise ValueError("classifier: data is not a serialised Northline semantic classifier")
        loaded = pickle.loads(data[len(_MAGIC) :])  # noqa: S301 - our own bytes, see docstring
        if not isinstance(loaded, cls):
            raise ValueError(
                f"classifier: data holds a {type(loaded).__name__}, not {cls.__name__}"
            )
        loaded.model_path = str(require_semantic(model_path or loaded.model_path))
        return loaded

    @staticmethod
    def is_serialised(data: bytes) -> bool:
        return data.startswith(_MAGIC)

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state["_encoder"] = None
        state["_tuned"] = {k: v.astype(np.float16) for k, v in self._tuned.items()}
        return state

    def _embed(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if self._encoder is None:
            self._encoder = tuned_encoder(self.model_path, self._tuned, self.fine_tune)
        vectors = self._encoder.encode([semantic_text(t) for t in texts])
        return sparse.csr_matrix(vectors * self.fine_tune.embedding_weight)


def _layers(encoder: Encoder, count: int) -> list[Any]:
    """The top `count` transformer layers of a BERT-like encoder."""
    transformer: Any = encoder.model[0]
    layers = list(transformer.auto_model.encoder.layer)
    return layers[len(layers) - min(count, len(layers)) :]


def tuned_encoder(model_path: str, tuned: dict[str, np.ndarray], settings: FineTune) -> Encoder:
    """A private copy of the base encoder with the fine-tuned top layers put back."""
    import torch

    encoder = Encoder(model_path)
    encoder.model.max_seq_length = settings.max_seq_length
    if tuned:
        layers = torch.nn.ModuleList(_layers(encoder, settings.trainable_layers))
        state = {k: torch.from_numpy(v.astype(np.float32)) for k, v in tuned.items()}
        try:
            layers.load_state_dict(state)
        except RuntimeError as error:  # weights of another base model
            raise ValueError(
                f"encoder: the tuned layers do not fit {model_path}: {error}"
            ) from None
        encoder.tuned = True
    encoder.model.eval()
    return encoder


def fine_tune_layers(
    encoder: Encoder, texts: Sequence[str], labels: Sequence[str], settings: FineTune
) -> dict[str, np.ndarray]:
    """Fine-tune `encoder`'s top layers on labels, in place; returns their weights (name →
    float32 array).

    Each batch is drawn label-balanced; the loss is the supervised contrastive loss over the
    batch's normalised embeddings (every same-label pair a positive, SetFit's idea without
    materialising pairs) plus the cross-entropy of a linear head that is then thrown away.
    """
    classes = sorted(set(labels))
    targets = np.array([classes.index(label) for label in labels])
    batches = _balanced_batches(targets, settings, np.random.default_rng(settings.seed))
    return _train_layers(encoder, texts, targets, batches, settings, head_classes=len(classes))


def _train_layers(
    encoder: Encoder, texts: Sequence[str], targets: np.ndarray, batches: Sequence[np.ndarray],
    settings: FineTune, *, head_classes: int,
) -> dict[str, np.ndarray]:  # fmt: skip
    """The one training loop of both fine-tunings: the top `settings.trainable_layers` layers
    learn from `_contrastive_loss` over each batch of row positions (`targets` their group),
    plus, when `head_classes`, a throw-away linear head's cross-entropy."""
    import torch

    torch.manual_seed(settings.seed)
    model = encoder.model
    layers = torch.nn.ModuleList(_layers(encoder, settings.trainable_layers))
    for parameter in model.parameters():
        parameter.requires_grad = False
    for parameter in layers.parameters():
        parameter.requires_grad = True
    groups = [{"params": list(layers.parameters()), "lr": settings.learning_rate}]
    head = None
    if head_classes:
        head = torch.nn.Linear(encoder.dimension, head_classes).to(model.device)
        groups.append({"params": list(head.parameters()), "lr": settings.head_learning_rate})
    optimiser = torch.optim.AdamW(groups)
    model.train()
    for batch in batches:
        features = model.preprocess([texts[i] for i in batch])
        features = {k: v.to(model.device) if hasattr(v, "to") else v for k, v in features.items()}
        embeddings = model(features)["sentence_embedding"]
        embeddings = torch.nn.functional.normalize(embeddings, dim=1)
        batch_targets = torch.as_tensor(targets[batch], device=model.device)
        loss = _contrastive_loss(embeddings, batch_targets, settings.temperature)
        if head is not None:
            loss = loss + torch.nn.functional.cross_entropy(head(embeddings) * 10, batch_targets)
        optimiser.zero_grad()
        loss.backward()
        optimiser.step()
    model.eval()
    return {k: v.detach().cpu().numpy().copy() for k, v in layers.state_dict().items()}


def _balanced_batches(
    targets: np.ndarray, settings: FineTune, rng: np.random.Generator
) -> list[np.ndarray]:
    """Batches of row positions: `epochs` passes, cut at `max_examples` texts in all; within a
    pass the classes are interleaved, so every batch holds same-label partners."""
    passes = []
    for _ in range(settings.epochs):
        per_class = [rng.permutation(np.flatnonzero(targets == c)) for c in np.unique(targets)]
        ranks = np.concatenate([np.arange(len(rows)) / len(rows) for rows in per_class])
        passes.append(np.concatenate(per_class)[np.argsort(ranks, kind="stable")])
    rows = np.concatenate(passes)[: settings.max_examples]
    size = settings.batch_size
    return [
        rows[i : i + size] for i in range(0, len(rows) - 1, size) if len(rows[i : i + size]) > 1
    ]


def _contrastive_loss(embeddings: Any, targets: Any, temperature: float) -> Any:
    """Supervised contrastive loss (Khosla et al. 2020) of unit-norm embeddings."""
    import torch

    similarity = embeddings @ embeddings.T / temperature
    eye = torch.eye(len(targets), dtype=torch.bool, device=embeddings.device)
    similarity = similarity.masked_fill(eye, -1e9)
    positives = (targets[:, None] == targets[None, :]) & ~eye
    log_prob = similarity - torch.logsumexp(similarity, dim=1, keepdim=True)
    counts = positives.sum(dim=1)
    has = counts > 0
    if not bool(has.any()):
        return embeddings.sum() * 0.0
    per_row = (log_prob * positives).sum(dim=1)[has] / counts[has]
    return -per_row.mean()


# --- the encoder tuned on the team's merged duplicates (decision 0038) -------------------------

# Settings of `bench/duplicate_fine_tune.py`, fixed before its run (decision 0035): one pass, the
# whole encoder, 256 tokens (the model's own window, which the index encodes with), AdamW 2e-5,
# temperature 0.05, no head. `max_examples` caps a workspace with many merges at the 1,200
# reports that run took about 450 s of CPU for (training and re-encoding 2,355 reports).
MERGE_TUNING = FineTune(
    epochs=1, max_examples=1200, batch_size=16, learning_rate=2e-5, temperature=0.05,
    max_seq_length=256,
)  # fmt: skip
_WEIGHTS_FORMAT = "northline-tuned-encoder-v1"


@dataclass(frozen=True)
class EncoderWeights:
    """The fine-tuned layers of an encoder (name → float16 array) and how they were tuned: what a
    workspace stores as its encoder version (about 21 MB for all-MiniLM-L6-v2's six layers; the
    token embeddings stay the base model's). Bytes are a plain ``.npz`` with a format tag, never
    pickle, so a stored row cannot run code."""

    layers: dict[str, np.ndarray]
    trainable_layers: int
    max_seq_length: int

    def to_bytes(self) -> bytes:
        arrays: dict[str, Any] = {
            "format": np.array(_WEIGHTS_FORMAT),
            "shape": np.array([self.trainable_layers, self.max_seq_length], dtype=np.int64),
        }
        arrays |= {f"layer:{name}": value.astype(np.float16) for name, value in self.layers.items()}
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, data: bytes) -> EncoderWeights:
        """What `to_bytes` wrote; ValueError for anything else."""
        refused = "encoder: data is not a stored Northline tuned encoder"
        if not data.startswith(b"PK\x03\x04"):  # an .npz is a zip file
            raise ValueError(refused)
        try:
            with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
                if "format" not in arrays or str(arrays["format"]) != _WEIGHTS_FORMAT:
                    raise ValueError(refused)
                layers, seq = (int(v) for v in arrays["shape"])
                tuned = {
                    key.removeprefix("layer:"): np.asarray(arrays[key])
                    for key in arrays.files
                    if key.startswith("layer:")
                }
        except (OSError, EOFError, KeyError, zipfile.BadZipFile) as error:
            raise ValueError(f"{refused} ({error})") from None
        return cls(tuned, layers, seq)

    def encoder(self, model_path: str | Path) -> Encoder:
        """A private copy of the base model at `model_path` with these layers put back."""
        settings = FineTune(
            trainable_layers=self.trainable_layers, max_seq_length=self.max_seq_length
        )
        return tuned_encoder(str(require_semantic(model_path)), self.layers, settings)


def fine_tune_on_clusters(
    model_path: str | Path, texts: Sequence[str], clusters: Sequence[object],
    settings: FineTune = MERGE_TUNING,
) -> EncoderWeights:  # fmt: skip
    """Fine-tune the base encoder on groups of duplicates (`clusters[i]` names text i's group):
    every batch holds 2-5 texts of each of its groups, the group's other texts are the positives
    of `_contrastive_loss` and the batch's other texts its negatives (MultipleNegativesRanking's
    idea). Bounded by `settings.max_examples` texts, so it ends on a CPU in minutes whatever the
    number of merges. Measured split-half on the Firefox clusters: +0.025 / +0.028 Recall@5 on
    queries whose clusters it never saw (decision 0035)."""
    if len(texts) != len(clusters):
        raise ValueError(f"encoder: {len(texts)} texts but {len(clusters)} cluster ids")
    _, targets = np.unique(np.asarray([str(c) for c in clusters]), return_inverse=True)
    if int((np.bincount(targets) > 1).sum()) < 2:
        raise ValueError("encoder: needs at least two clusters of two or more texts")
    encoder = Encoder(model_path)
    encoder.model.max_seq_length = settings.max_seq_length
    batches = _cluster_batches(targets, settings, np.random.default_rng(settings.seed))
    tuned = _train_layers(
        encoder, [semantic_text(t) for t in texts], targets, batches, settings, head_classes=0
    )
    return EncoderWeights(
        {k: v.astype(np.float16) for k, v in tuned.items()},
        settings.trainable_layers, settings.max_seq_length,
    )  # fmt: skip


# Self-supervised adaptation to a workspace's own texts (decision 0057): two independent random
# spans of each text, each 10-50 % of its words (Contriever's independent cropping, Izacard et al.
# 2022), are a positive pair; the batch's other spans its negatives. No label is needed, so every
# workspace on the semantic tier gets it. `ADAPT_TEXTS` sampled texts give two views each, the
# budget `MERGE_TUNING` already bounds the merges by. Settings fixed before the one measured run
# (Firefox duplicates, every query: Recall@5 0.805 -> 0.821, all six split halves better).
ADAPT_TEXTS = MERGE_TUNING.max_examples // 2
CROP_SHARE = (0.1, 0.5)
MIN_CROP_WORDS = 4


def crop_views(
    texts: Sequence[str], count: int = ADAPT_TEXTS, seed: int = 0
) -> tuple[list[str], list[int]]:
    """(views, source) for up to `count` of `texts` (a seeded sample): two random spans of each
    text's words, `source[j]` the position in `texts` of view j. A text of fewer than
    `MIN_CROP_WORDS` words gives no views."""
    rng = np.random.default_rng(seed)
    usable = [i for i, text in enumerate(texts) if len(text.split()) >= MIN_CROP_WORDS]
    if len(usable) > count:
        usable = sorted(rng.choice(usable, size=count, replace=False).tolist())
    views: list[str] = []
    source: list[int] = []
    for i in usable:
        words = texts[i].split()
        for _ in range(2):
            length = max(2, int(len(words) * rng.uniform(*CROP_SHARE)))
            start = int(rng.integers(0, len(words) - length + 1))
            views.append(" ".join(words[start : start + length]))
            source.append(i)
    return views, source


def adapt_encoder(
    model_path: str | Path, corpus: Sequence[str], merged: Sequence[str] = (),
    clusters: Sequence[object] = (), settings: FineTune = MERGE_TUNING,
    texts_cropped: int = ADAPT_TEXTS,
) -> tuple[EncoderWeights, int]:  # fmt: skip
    """Tune the base encoder on a workspace: the crops of up to `texts_cropped` of `corpus` (its
    own texts, no label) and its merged duplicates (`merged[i]` in group `clusters[i]`), in one
    pass of shuffled batches that mix both. Returns the weights and how many texts of `corpus`
    gave crops. The merges keep their own budget (`settings.max_examples`); the crops add
    theirs."""
    if len(merged) != len(clusters):
        raise ValueError(f"encoder: {len(merged)} merged texts but {len(clusters)} cluster ids")
    views, source = crop_views(corpus, texts_cropped)
    texts = [*merged, *views]
    groups = [f"merge {c}" for c in clusters] + [f"crop {i}" for i in source]
    budget = min(len(merged), settings.max_examples) + len(views)
    weights = fine_tune_on_clusters(
        model_path, texts, groups, replace(settings, max_examples=max(budget, 2))
    )
    return weights, len(set(source))


def _cluster_batches(
    targets: np.ndarray, settings: FineTune, rng: np.random.Generator
) -> list[np.ndarray]:
    """Batches of row positions, `epochs` passes cut at `max_examples` texts: each pass splits
    every cluster into groups of 2-5 (up to 5 whole; 6 gives 2 + 4, 8 gives 2 + 2 + 4),
    shuffles the groups and packs them into batches of `batch_size` or a few more texts (a
    cluster of one has no partner and is left out)."""
    batches: list[np.ndarray] = []
    seen = 0
    for _ in range(settings.epochs):
        groups = []
        for name in np.unique(targets):
            members = rng.permutation(np.flatnonzero(targets == name))
            if len(members) < 2:
                continue
            cuts = list(range(0, len(members) - 3, 2)) if len(members) > 4 else [0]
            groups += [members[a:b] for a, b in zip(cuts, [*cuts[1:], len(members)], strict=True)]
        batch: list[int] = []
        for g in rng.permutation(len(groups)):
            batch += groups[g].tolist()
            if len(batch) >= settings.batch_size:
                batches.append(np.array(batch))
                batch = []
        if len(batch) > 2:
            batches.append(np.array(batch))
    kept = []
    for rows in batches:
        if seen >= settings.max_examples:
            break
        kept.append(rows)
        seen += len(rows)
    return kept
