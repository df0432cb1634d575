from __future__ import annotations

import pytest

from northline.insights.text.language import PROFILES, detect_language

# Sentences written for these tests, unlike the profiles' own samples.
SENTENCES = [
    ("en", "I would really like to be able to export my roadmap as a PDF for the board"),
    ("en", "Why does the app keep asking me to log in again every single morning?"),
    ("de", "Ich würde gerne meine Roadmap als PDF exportieren, um sie dem Vorstand zu zeigen"),
    ("de", "Warum muss ich mich jeden Morgen wieder neu in der App anmelden?"),
    ("fr", "Les résultats de recherche ne sont pas pertinents et le chargement prend du temps"),
    ("fr", "Pourquoi l'application me demande-t-elle de me reconnecter tous les matins?"),
    ("es", "Los resultados de búsqueda no son nada relevantes y tardan demasiado en cargar"),
    ("es", "¿Por qué la aplicación me pide que inicie sesión otra vez todas las mañanas?"),
    ("it", "I risultati della ricerca non sono pertinenti e ci vuole troppo tempo per caricarli"),
    ("it", "Perché l'applicazione mi chiede di accedere di nuovo ogni mattina?"),
    ("pt", "Os resultados da pesquisa não são nada relevantes e demoram demais para carregar"),
    ("pt", "Por que o aplicativo me pede para entrar de novo todas as manhãs?"),
    ("nl", "De zoekresultaten zijn helemaal niet relevant en het laden duurt veel te lang"),
    ("nl", "Waarom vraagt de app me elke ochtend opnieuw om in te loggen?"),
]


@pytest.mark.parametrize(("code", "sentence"), SENTENCES)
def test_identifies_the_language_of_a_sentence(code: str, sentence: str) -> None:
    guess = detect_language(sentence)
    assert guess.code == code
    assert 0.5 < guess.confidence <= 1.0


def test_text_without_letters_is_undetermined() -> None:
    assert detect_language("1234 !!! 56") == ("und", 0.0)


def test_covers_the_required_languages() -> None:
    assert {"en", "de", "fr", "es", "it", "pt", "nl"} <= set(PROFILES)
