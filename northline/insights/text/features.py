"""Feature extractors shared by the classifier: word and character TF-IDF, lexicon counts.

Everything here is a module-level class or function so that fitted models pickle.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import (
    CountVectorizer,
    HashingVectorizer,
    TfidfTransformer,
    TfidfVectorizer,
)
from sklearn.pipeline import FeatureUnion
from sklearn.preprocessing import normalize

from northline.insights.text.lexicon import lexicon_matrix, mark_negation
from northline.insights.text.preprocess import title_line

WORD_PATTERN = r"(?u)\b\w[\w']*\b"
SMALL_CORPUS = 50

MARKER_WORDS = (
    "codeblock", "traceline", "urllink", "inlinecode", "imagelink", "detailsblock", "tablerow",
)  # fmt: skip
"""The words `preprocess.clean_text` puts in place of code, traces, links, … (a test checks)."""
QUESTION_WORDS = frozenset({
    "how", "why", "what", "is", "can", "does", "do", "where", "when", "which", "should", "are",
    "could", "would", "any", "who",
})  # fmt: skip
_TITLE_WORD = re.compile(r"[a-z']+")
_MARKER_COUNTS = (1, 2, 4)
_TITLE_WORDS = (4, 7, 11, 16)
_BODY_CHARS = (1, 200, 600, 1500, 3900)
_BODY_QUESTIONS = (1, 3)


class LexiconFeatures(BaseEstimator, TransformerMixin):
    """Scaled sentiment-lexicon counts as a sparse block (stateless)."""

    def __init__(self, weight: float = 1.0) -> None:
        self.weight = weight

    def fit(self, texts: Iterable[str], labels: object = None) -> LexiconFeatures:
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        return lexicon_matrix(texts) * self.weight


def word_vectorizer(ngrams: tuple[int, int], *, negation: bool = False) -> TfidfVectorizer:
    """Sublinear word TF-IDF; with `negation`, words after "not", "never", … get a ``_neg`` tag."""
    return TfidfVectorizer(
        sublinear_tf=True,
        ngram_range=ngrams,
        token_pattern=WORD_PATTERN,
        preprocessor=mark_negation if negation else None,
    )


def char_vectorizer(ngrams: tuple[int, int], *, min_df: int = 2) -> TfidfVectorizer:
    """Sublinear character n-grams inside word boundaries: robust to typos and inflection."""
    return TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=ngrams, min_df=min_df)


class TitleFeatures(BaseEstimator, TransformerMixin):
    """Word and character TF-IDF of each text's title line (`preprocess.title_line`), scaled.

    A text without a title line gets an empty row; when no training text has one (one-line
    feedback, a small correction set), the block has no columns rather than failing on an
    empty vocabulary.
    """

    def __init__(
        self,
        word_ngrams: tuple[int, int] = (1, 2),
        char_ngrams: tuple[int, int] = (2, 5),
        weight: float = 0.5,
    ) -> None:
        self.word_ngrams = word_ngrams
        self.char_ngrams = char_ngrams
        self.weight = weight

    def fit(self, texts: Iterable[str], labels: object = None) -> TitleFeatures:
        titles = [title_line(text) for text in texts]
        self.vectorizers_: list[TfidfVectorizer] = []
        for vectorizer in (
            TfidfVectorizer(sublinear_tf=True, ngram_range=self.word_ngrams,
                            token_pattern=WORD_PATTERN),
            TfidfVectorizer(sublinear_tf=True, analyzer="char_wb", ngram_range=self.char_ngrams),
        ):  # fmt: skip
            try:
                self.vectorizers_.append(vectorizer.fit(titles))
            except ValueError as error:  # no title held a token: leave this block out
                if "empty vocabulary" not in str(error):
                    raise
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        titles = [title_line(text) for text in texts]
        blocks = [vectorizer.transform(titles) for vectorizer in self.vectorizers_]
        if not blocks:
            return sparse.csr_matrix((len(titles), 0))
        return sparse.hstack(blocks, format="csr") * self.weight


def structure_cues(text: str) -> list[str]:
    """How a cleaned report is written, as tokens: whether its title asks ("?", a first word
    such as "how"), the title's first word and length, and how many code blocks, trace lines,
    links, … (`MARKER_WORDS`), characters and question marks its body has, in buckets.

    TF-IDF sees the marker words, but sublinear weighting and the length norm blur "no code"
    against "five code blocks" and say nothing of length; bug reports are long and carry
    traces, questions are short and ask, feature requests rarely hold code. Reads the
    `titled_text` layout; an `issue_text` title repeated with " . " counts once."""
    title = title_line(text).split(" . ")[0]
    body = text.partition("\n")[2] if "\n" in text else text
    words = _TITLE_WORD.findall(title)
    cues = [f"title_words={bisect_right(_TITLE_WORDS, len(words))}"]
    if "?" in title:
        cues.append("title_question")
    if words:
        cues.append(f"title_first={words[0]}")
        if words[0] in QUESTION_WORDS:
            cues.append("title_asks")
    body_words = body.split()
    cues.extend(
        f"{marker}={bisect_right(_MARKER_COUNTS, body_words.count(marker))}"
        for marker in MARKER_WORDS
    )
    cues.append(f"body_chars={bisect_right(_BODY_CHARS, len(body))}")
    cues.append(f"body_questions={bisect_right(_BODY_QUESTIONS, body.count('?'))}")
    return cues


class StructureFeatures(BaseEstimator, TransformerMixin):
    """The `structure_cues` of each text, one-hot, each row of unit length, scaled by `weight`.

    Its own block with its own weight, so that a dozen cue columns are neither drowned by tens of
    thousands of n-gram columns nor allowed to outweigh them (decision 0040)."""

    def __init__(self, weight: float = 0.5) -> None:
        self.weight = weight

    def fit(self, texts: Iterable[str], labels: object = None) -> StructureFeatures:
        self.vectorizer_ = CountVectorizer(analyzer=structure_cues, binary=True).fit(texts)
        return self

    def transform(self, texts: Iterable[str]) -> sparse.csr_matrix:
        return normalize(self.vectorizer_.transform(texts)) * self.weight


def text_features(
    word_ngrams: tuple[int, int],
    char_ngrams: tuple[int, int],
    *,
    n_texts: int,
    char_min_df: int = 2,
    negation: bool = False,
    lexicon_weight: float = 0.0,
    title_weight: float = 0.0,
    structure_weight: float = 0.0,
) -> FeatureUnion:
    """The union of word, character and (when `lexicon_weight` > 0) lexicon features, (when
    `title_weight` > 0) word and character features of the title line scaled by that weight,
    and (when `structure_weight` > 0) the `StructureFeatures` block.

    The title block lets the model learn what a word means in a title apart from the body
    ("crash" in a title says bug; in a body it may be a quoted log); +0.009 macro-F1 on NLBSE'24
    in 5-fold CV (bench/RESULTS_text.md). Below `SMALL_CORPUS` texts the character `min_df` drops
    to 1, so that a handful of examples (a new category, a test) still yields a vocabulary.
    """
    min_df = char_min_df if n_texts >= SMALL_CORPUS else 1
    parts: list[tuple[str, object]] = [
        ("word", word_vectorizer(word_ngrams, negation=negation)),
        ("char", char_vectorizer(char_ngrams, min_df=min_df)),
    ]
    if lexicon_weight > 0:
        parts.append(("lexicon", LexiconFeatures(lexicon_weight)))
    if title_weight > 0:
        parts.append(("title", TitleFeatures(word_ngrams, char_ngrams, title_weight)))
    if structure_weight > 0:
        parts.append(("structure", StructureFeatures(structure_weight)))
    return FeatureUnion(parts)


def char_wb_counts(
    vectorizer: CountVectorizer | HashingVectorizer, texts: Sequence[str]
) -> sparse.csr_matrix:
    """The character n-gram counts `vectorizer` (analyzer "char_wb"; a `HashingVectorizer`
    without norm, or a fitted count or TF-IDF vectorizer) gives `texts`, with its own
    analyzer, computed once per distinct word of the batch instead of once per occurrence.

    "char_wb" n-grams never cross a word boundary (each word is padded and cut on its own),
    so a text's counts are the sum of its words' counts: a (texts × distinct words) count
    matrix times the words' n-gram counts. Words repeat across a batch many times over, and
    scikit-learn builds and looks up every n-gram in Python, so this is several times faster
    with the same integers (a test compares them with `transform`)."""
    if vectorizer.analyzer != "char_wb":
        raise ValueError(f"char_wb_counts: the analyzer is {vectorizer.analyzer!r}")
    words = CountVectorizer(analyzer=str.split, lowercase=False)
    try:
        occurrences = words.fit_transform(texts)
    except ValueError:  # not one word in the batch
        return sparse.csr_matrix((len(texts), _width(vectorizer)), dtype=np.float64)
    vocabulary = list(words.get_feature_names_out())
    if isinstance(vectorizer, HashingVectorizer):
        if vectorizer.norm is not None or vectorizer.binary:
            raise ValueError("char_wb_counts: a hashing vectorizer must count (norm=None)")
        grams = vectorizer.transform(vocabulary)
    else:  # the counts of a TF-IDF vectorizer, before its weighting
        grams = CountVectorizer.transform(vectorizer, vocabulary)
    counts = sparse.csr_matrix(occurrences @ grams, dtype=grams.dtype)
    counts.sort_indices()
    return counts


def char_wb_fit_transform(vectorizer: TfidfVectorizer, texts: Sequence[str]) -> sparse.csr_matrix:
    """`vectorizer.fit_transform(texts)` of an unfitted "char_wb" TF-IDF vectorizer without
    document-frequency limits (`min_df` 1, `max_df` 1.0, no `max_features`, no fixed
    vocabulary): the same matrix, bit for bit, with its n-grams counted once per distinct word
    of the texts instead of once per occurrence (as `char_wb_counts` does for `transform`).
    The vectorizer itself is left unfitted: callers that fit per call (`matching`) only need
    the matrix.

    Bit for bit includes the order of each row's entries, which the row norms and products
    sum in: scikit-learn numbers the n-grams in order of first appearance while counting,
    sorts each row by those numbers, then renumbers the columns alphabetically without
    sorting the rows again. The n-grams' first appearances over the texts are those over the
    distinct words taken in order of first appearance, so numbering them word by word gives
    the same order. Raises ValueError, as scikit-learn does, when no text has an n-gram."""
    plain = (vectorizer.min_df, vectorizer.max_df, vectorizer.max_features) == (1, 1.0, None)
    if vectorizer.analyzer != "char_wb" or not plain or vectorizer.vocabulary is not None:
        raise ValueError("char_wb_fit_transform: a char_wb vectorizer without limits is needed")
    words: dict[str, int] = {}
    word_rows = [[words.setdefault(word, len(words)) for word in text.split()] for text in texts]
    analyze = vectorizer.build_analyzer()
    grams: dict[str, int] = {}
    gram_rows = [[grams.setdefault(gram, len(grams)) for gram in analyze(word)] for word in words]
    if not grams:
        raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
    occurrences = _count_matrix(word_rows, len(words))
    spelled = _count_matrix(gram_rows, len(grams))
    counts = sparse.csr_matrix(occurrences @ spelled)
    counts.sort_indices()  # by first appearance, as scikit-learn counts
    alphabetical = np.empty(len(grams), dtype=counts.indices.dtype)
    alphabetical[[grams[gram] for gram in sorted(grams)]] = np.arange(len(grams))
    counts.indices = alphabetical[counts.indices]  # renumbered, rows not sorted again
    weighting = TfidfTransformer(
        norm=vectorizer.norm, use_idf=vectorizer.use_idf, smooth_idf=vectorizer.smooth_idf,
        sublinear_tf=vectorizer.sublinear_tf,
    )  # fmt: skip
    return sparse.csr_matrix(weighting.fit_transform(counts))


def _count_matrix(rows: list[list[int]], width: int) -> sparse.csr_matrix:
    """A float64 count matrix with a row per list of column numbers (repeats counted)."""
    indices: list[int] = []
    values: list[int] = []
    indptr = [0]
    for row in rows:
        counter: dict[int, int] = {}
        for column in row:
            counter[column] = counter.get(column, 0) + 1
        indices.extend(counter)
        values.extend(counter.values())
        indptr.append(len(indices))
    return sparse.csr_matrix(
        (np.asarray(values, dtype=np.float64), np.asarray(indices, dtype=np.int32), indptr),
        shape=(len(rows), width),
    )


def _width(vectorizer: CountVectorizer | HashingVectorizer) -> int:
    if isinstance(vectorizer, HashingVectorizer):
        return int(vectorizer.n_features)
    return len(vectorizer.vocabulary_)


def union_transform(union: FeatureUnion, texts: Sequence[str]) -> sparse.csr_matrix:
    """`union.transform(texts)` with its character TF-IDF blocks counted by `char_wb_counts`
    and weighted as `TfidfVectorizer.transform` weighs them (sublinear tf, idf, norm): the
    same matrix, the char n-gram analyzer being most of a prediction's time."""
    blocks = []
    for _, part in union.transformer_list:
        if isinstance(part, TfidfVectorizer) and part.analyzer == "char_wb":
            matrix = char_wb_counts(part, texts).astype(np.float64)
            if part.sublinear_tf:
                np.log(matrix.data, matrix.data)
                matrix.data += 1.0
            if part.use_idf:
                matrix.data *= part.idf_[matrix.indices]
            blocks.append(matrix if part.norm is None else normalize(matrix, norm=part.norm))
        else:
            blocks.append(part.transform(texts))
    return sparse.hstack(blocks).tocsr()
