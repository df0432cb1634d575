"""A small hand-written sentiment lexicon for developer communication, and features built on it.

The word lists were written for Northline (they are not taken from a published lexicon). They hold
words whose polarity is stable across Stack Overflow, issue trackers and product feedback; words
that are neutral in technical text ("error", "kill", "block", "fatal") are deliberately absent,
which is where general-purpose lexicons go wrong on developer text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

import numpy as np
from scipy import sparse


def _word_set(words: str) -> frozenset[str]:
    return frozenset(words.split())


POSITIVE_WORDS = _word_set(
    """
    thanks thank thx ty appreciate appreciated grateful gratitude kudos cheers congrats
    congratulations great excellent awesome amazing fantastic wonderful brilliant superb
    outstanding terrific fabulous marvelous marvellous good nice cool neat perfect perfectly
    helpful useful handy love loved loving lovely enjoy enjoyed glad happy pleased delighted
    excited beautiful elegant clean clever smart impressive best welcome welcomed helps helped
    nicely agree yay hooray wow bravo genius favorite favourite recommend recommended easy
    easier straightforward intuitive smooth reliable satisfied satisfying fun interesting
    valuable worth super sweet lifesaver
    """
)

NEGATIVE_WORDS = _word_set(
    """
    terrible horrible awful bad worse worst poor poorly ugly nasty stupid dumb silly idiotic
    idiot moron ridiculous absurd nonsense crap crappy shit shitty damn damned dammit wtf hate
    hated hates hating dislike disliked annoying annoyed annoys irritating irritated frustrating
    frustrated frustration angry anger mad furious upset sad unhappy disappointed disappointing
    disappointment sucks suck sucked lame useless pointless worthless painful pain nightmare
    mess messy confusing confused confusion clumsy awkward unusable unacceptable impossible
    hopeless waste wasted wasting sluggish garbage junk rubbish sorry unfortunately unfortunate
    afraid worried worry fear scary hell bloody rude insane crazy misleading complain complaint
    regret pathetic shame shameful tired
    """
)

NEGATIONS = _word_set(
    """
    not no never none nothing nobody nowhere neither nor cannot cant can't don't dont doesn't
    doesnt didn't didnt isn't isnt aren't arent wasn't wasnt weren't werent won't wont wouldn't
    wouldnt shouldn't shouldnt couldn't couldnt haven't havent hasn't hasnt without hardly
    barely
    """
)

POSITIVE_EMOTICONS = (":)", ":-)", ":d", ":-d", ";)", ";-)", ":]", "=)", ":p", ":-p", "<3", "^^")
NEGATIVE_EMOTICONS = (":(", ":-(", ":/", ":-/", ":'(", ":|", ">:(", ":s")


def _emoticon_pattern(emoticons: tuple[str, ...]) -> re.Pattern[str]:
    """Emoticons standing alone: ":p" in "x :p" but not in "http://host:port"."""
    alternatives = "|".join(re.escape(e) for e in emoticons)
    return re.compile(r"(?<![\w:;=<>^/])(?:" + alternatives + r")(?!\w)")


_POSITIVE_EMOTICON = _emoticon_pattern(POSITIVE_EMOTICONS)
_NEGATIVE_EMOTICON = _emoticon_pattern(NEGATIVE_EMOTICONS)

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")
_CLAUSE_END = re.compile(r"[.,;:!?()\[\]]")
_NEGATION_SCOPE = 4
FEATURE_NAMES = (
    "positive",
    "negative",
    "negated_positive",
    "negated_negative",
    "positive_emoticon",
    "negative_emoticon",
    "exclamations",
    "questions",
    "shouting",
)


def mark_negation(text: str) -> str:
    """Suffix ``_neg`` to the words that follow a negation, up to 4 words or a clause end.

    "this does not work well" → "this does not work_neg well_neg": the bag of words then tells
    "works" from "does not work".
    """
    out: list[str] = []
    for clause in re.split(r"([.,;:!?()\[\]])", text.lower()):
        remaining = 0
        for word in clause.split():
            out.append(f"{word}_neg" if remaining > 0 else word)
            remaining = _NEGATION_SCOPE if word in NEGATIONS else remaining - 1
    return " ".join(out)


def lexicon_counts(text: str) -> list[float]:
    """Counts of the lexicon's cues in `text`, in the order of `FEATURE_NAMES`."""
    lowered = text.lower()
    counts = dict.fromkeys(FEATURE_NAMES, 0.0)
    for clause in _CLAUSE_END.split(lowered):
        _count_clause(_TOKEN.findall(clause), counts)
    counts["positive_emoticon"] = float(len(_POSITIVE_EMOTICON.findall(lowered)))
    counts["negative_emoticon"] = float(len(_NEGATIVE_EMOTICON.findall(lowered)))
    counts["exclamations"] = float(text.count("!"))
    counts["questions"] = float(text.count("?"))
    counts["shouting"] = float(sum(1 for w in text.split() if len(w) > 2 and w.isupper()))
    return [counts[name] for name in FEATURE_NAMES]


def _count_clause(words: Sequence[str], counts: dict[str, float]) -> None:
    remaining = 0
    for word in words:
        negated = remaining > 0
        if word in POSITIVE_WORDS:
            counts["negated_positive" if negated else "positive"] += 1
        elif word in NEGATIVE_WORDS:
            counts["negated_negative" if negated else "negative"] += 1
        remaining = _NEGATION_SCOPE if word in NEGATIONS else remaining - 1


def lexicon_matrix(texts: Iterable[str]) -> sparse.csr_matrix:
    """One row of log-scaled lexicon counts per text (log1p keeps long posts from dominating)."""
    rows = np.log1p(np.array([lexicon_counts(t) for t in texts], dtype=np.float64))
    return sparse.csr_matrix(rows.reshape(-1, len(FEATURE_NAMES)))
