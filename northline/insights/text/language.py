"""Offline language identification for feedback texts.

Each language has a profile of character 1-3-grams built at import time from a few sample
sentences and a list of its most frequent words, all written for Northline. A text is scored by
the mean log-likelihood of its n-grams under each profile (naive Bayes, add-k smoothing) plus a
bonus for the share of its words that are the language's function words; function words are what
tell close languages apart (Spanish "el, los, con" against Portuguese "o, os, com").
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer

from northline.insights.text.features import char_wb_counts

UNDETERMINED = "und"
NGRAM_SIZES = (1, 2, 3)
SMOOTHING = 0.5
STOPWORD_WEIGHT = 4.0
TEMPERATURE = 8.0
_WORD = re.compile(r"[^\W\d_]+")

STOPWORDS: dict[str, str] = {
    "en": "the and of to a in is it that for you was with on as have be at this are not but "
    "they from or by we an my can would there what all so if when which do their will one "
    "has been your could should about just than please thanks",
    "de": "der die das und ist nicht ein eine zu den mit sich des auf für im dem von auch es "
    "ich sie wir er aber wie noch nach wenn bei oder nur aus werden kann bitte danke sehr "
    "mehr schon immer keine wird sind habe hat",
    "fr": "le la les de des et est un une du en que qui pour dans pas sur au aux ne se ce il "
    "elle nous vous je mais avec plus ou sont être avoir cette très sans tout merci fait "
    "peut été leur car",
    "es": "el la los las de del y en que es un una por con para no se su al lo como más pero "
    "sus le ya o este sí porque esta muy cuando también hay todo nos gracias puede está "
    "ser son",
    "it": "il lo la gli le di del della e è un una per con non che in si da al ma come più "
    "sono anche questo questa ho ha molto quando ci tutto grazie essere stato nel sul può "
    "perché mi",
    "pt": "o a os as de do da dos das e é um uma em no na nos nas para com não que se por ao "
    "mais mas como isso este esta muito quando também ser foi tem obrigado você pode está "
    "são ou seu sua",
    "nl": "de het een en van is in niet dat die te op voor met zijn er aan ook als bij maar "
    "om dan nog wel geen ik je we het worden kan heeft hebben naar uit dit deze bedankt "
    "graag erg wordt",
    "sv": "och att det som en i på är av för med till den inte har de om ett men var jag vi "
    "kan så eller från hur mycket när också vara bara efter tack skulle finns fungerar "
    "detta inga",
    "da": "og at det som en i på er af for med til den ikke har de om et men var jeg vi kan "
    "så eller fra hvordan meget når også være kun efter tak skulle findes virker dette "
    "ingen bliver",
    "pl": "i w na z nie się do to że jest jak co po od ale za o tak już jej jego przez może "
    "dla są tylko bardzo gdy by czy być ma mi ten ta dziękuję proszę także oraz",
}

SAMPLES: dict[str, str] = {
    "en": "The new dashboard is much slower than the old one and I cannot find the export "
    "button anymore. Please add a way to share reports with people outside our team. "
    "When I try to log in with my company account, the page just reloads. It would be "
    "great if the mobile app supported dark mode and offline notes.",
    "de": "Das neue Dashboard ist viel langsamer als das alte und ich finde die Exportfunktion "
    "nicht mehr. Bitte fügt eine Möglichkeit hinzu, Berichte mit Personen außerhalb "
    "unseres Teams zu teilen. Wenn ich mich mit meinem Firmenkonto anmelde, lädt die "
    "Seite nur neu. Es wäre schön, wenn die mobile App einen dunklen Modus hätte.",
    "fr": "Le nouveau tableau de bord est beaucoup plus lent que l'ancien et je ne trouve plus "
    "le bouton d'exportation. Merci d'ajouter un moyen de partager les rapports avec des "
    "personnes extérieures à notre équipe. Quand j'essaie de me connecter avec mon compte "
    "d'entreprise, la page se recharge. Ce serait génial d'avoir un mode sombre.",
    "es": "El nuevo panel es mucho más lento que el anterior y ya no encuentro el botón de "
    "exportar. Por favor, añadan una forma de compartir informes con personas fuera de "
    "nuestro equipo. Cuando intento iniciar sesión con mi cuenta de la empresa, la página "
    "solo se recarga. Sería genial que la aplicación móvil tuviera modo oscuro.",
    "it": "La nuova dashboard è molto più lenta di quella vecchia e non trovo più il pulsante "
    "di esportazione. Aggiungete un modo per condividere i rapporti con persone esterne "
    "al nostro gruppo. Quando provo ad accedere con il mio account aziendale, la pagina "
    "si ricarica soltanto. Sarebbe fantastico se l'applicazione avesse la modalità scura.",
    "pt": "O novo painel é muito mais lento do que o antigo e não consigo mais encontrar o "
    "botão de exportação. Por favor, adicionem uma forma de compartilhar relatórios com "
    "pessoas fora da nossa equipe. Quando tento entrar com a minha conta da empresa, a "
    "página apenas recarrega. Seria ótimo se o aplicativo tivesse modo escuro.",
    "nl": "Het nieuwe dashboard is veel trager dan het oude en ik kan de exportknop niet meer "
    "vinden. Voeg alstublieft een manier toe om rapporten te delen met mensen buiten ons "
    "team. Als ik probeer in te loggen met mijn bedrijfsaccount, laadt de pagina gewoon "
    "opnieuw. Het zou geweldig zijn als de mobiele app een donkere modus had.",
    "sv": "Den nya instrumentpanelen är mycket långsammare än den gamla och jag hittar inte "
    "exportknappen längre. Lägg gärna till ett sätt att dela rapporter med personer utanför "
    "vårt team. När jag försöker logga in med mitt företagskonto laddas sidan bara om. Det "
    "vore bra om mobilappen hade mörkt läge.",
    "da": "Det nye kontrolpanel er meget langsommere end det gamle, og jeg kan ikke længere "
    "finde eksportknappen. Tilføj venligst en måde at dele rapporter med personer uden for "
    "vores hold. Når jeg prøver at logge ind med min firmakonto, genindlæses siden bare. "
    "Det ville være godt, hvis mobilappen havde mørk tilstand.",
    "pl": "Nowy panel jest dużo wolniejszy niż stary i nie mogę już znaleźć przycisku "
    "eksportu. Proszę dodać możliwość udostępniania raportów osobom spoza naszego zespołu. "
    "Kiedy próbuję zalogować się kontem firmowym, strona tylko się przeładowuje. Byłoby "
    "świetnie, gdyby aplikacja mobilna miała tryb ciemny.",
}


class LanguageGuess(NamedTuple):
    code: str
    confidence: float


class _Profile(NamedTuple):
    log_probs: dict[str, float]
    unseen: float
    stopwords: frozenset[str]


def _ngrams(words: list[str]) -> list[str]:
    grams: list[str] = []
    for word in words:
        padded = f" {word} "
        for n in NGRAM_SIZES:
            grams.extend(padded[i : i + n] for i in range(len(padded) - n + 1))
    return grams


def _build_profile(sample: str, stopwords: str) -> _Profile:
    words = _WORD.findall(sample.lower()) + stopwords.split() * 2
    counts = Counter(_ngrams(words))
    total = sum(counts.values()) + SMOOTHING * (len(counts) + 1)
    log_probs = {g: math.log((c + SMOOTHING) / total) for g, c in counts.items()}
    return _Profile(log_probs, math.log(SMOOTHING / total), frozenset(stopwords.split()))


PROFILES: dict[str, _Profile] = {
    code: _build_profile(SAMPLES[code], STOPWORDS[code]) for code in SAMPLES
}


class _Scorer:
    """The profiles as matrices, so that a whole batch of texts is scored in two sparse
    products: n-gram counts against each language's log-probabilities, word counts against
    each language's function words.

    A text's grams are those of `_ngrams` over its words; sklearn's ``char_wb`` analyzer pads
    each word with one space on both sides exactly as `_ngrams` does, so the counts are the
    same. A word of l letters has 3l + 3 grams of sizes 1-3, so the number of grams (seen by
    some profile or not) follows from the words' length: 3 · len(" ".join(words)) + 3.
    """

    def __init__(self) -> None:
        self.codes = tuple(PROFILES)
        profiles = [PROFILES[code] for code in self.codes]
        grams = sorted(set().union(*(p.log_probs for p in profiles)))
        words = sorted(set().union(*(p.stopwords for p in profiles)))
        self.unseen = np.array([p.unseen for p in profiles])
        # log-probability of each gram above the language's unseen floor (0 when unseen)
        self.gain = np.array(
            [[p.log_probs.get(g, p.unseen) - p.unseen for p in profiles] for g in grams]
        )
        self.member = np.array([[w in p.stopwords for p in profiles] for w in words], dtype=float)
        self.grams = CountVectorizer(
            analyzer="char_wb", ngram_range=(min(NGRAM_SIZES), max(NGRAM_SIZES)),
            vocabulary=grams, lowercase=False, dtype=np.float64,
        ).fit([])  # fmt: skip  # fed the joined words of `scores`; fitted: the vocabulary given
        self.words = CountVectorizer(analyzer=str.split, vocabulary=words, dtype=np.float64)

    def scores(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """(n_texts, n_languages) scores, and which texts have any letters at all."""
        joined = [_joined_words(text) for text in texts]
        lengths = np.fromiter(map(len, joined), dtype=np.float64, count=len(joined))
        n_words = np.fromiter(
            (line.count(" ") + 1 if line else 0 for line in joined),
            dtype=np.float64, count=len(joined),
        )  # fmt: skip
        has_words = n_words > 0
        n_grams = np.where(has_words, 3 * lengths + 3, 1.0)
        # the counts of `self.grams.transform(joined)`, once per distinct word of the batch
        counts = char_wb_counts(self.grams, joined)
        likelihood = (counts @ self.gain) / n_grams[:, None] + self.unseen
        shares = (self.words.transform(joined) @ self.member) / np.maximum(n_words, 1)[:, None]
        return likelihood + STOPWORD_WEIGHT * shares, has_words


def _joined_words(text: str) -> str:
    return " ".join(_WORD.findall(text.lower()))


@cache
def _scorer() -> _Scorer:
    return _Scorer()


def detect_languages(texts: Sequence[str]) -> list[LanguageGuess]:
    """The most likely ISO 639-1 code of each text and a confidence in [0, 1].

    The confidence is a softmax over the languages' scores (mean n-gram log-likelihood plus
    the weighted share of function words; a heuristic, not a calibrated probability); text
    with no letters gives ``LanguageGuess("und", 0.0)``. Short texts (fewer than about five
    words) are unreliable. Scored as a batch (see `_Scorer`): a batch of processing costs
    a few sparse products instead of a Python loop over every n-gram.
    """
    if not texts:
        return []
    scorer = _scorer()
    scores, has_words = scorer.scores(texts)
    weights = np.exp(TEMPERATURE * (scores - scores.max(axis=1, keepdims=True)))
    best = weights.argmax(axis=1)
    confidence = weights[np.arange(len(texts)), best] / weights.sum(axis=1)
    return [
        LanguageGuess(scorer.codes[code], float(share))
        if known
        else LanguageGuess(UNDETERMINED, 0.0)
        for code, share, known in zip(
            best.tolist(), confidence.tolist(), has_words.tolist(), strict=True
        )
    ]


def detect_language(text: str) -> LanguageGuess:
    """`detect_languages` of one text."""
    return detect_languages([text])[0]
