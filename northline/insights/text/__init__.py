"""The pure lexical text engine: cleaning, classification, language, duplicates, themes.

No Django and no database here: strings, lists and NumPy arrays in and out.
"""

from __future__ import annotations

from northline.insights.text.classifier import (
    ISSUE_TYPE,
    SENTIMENT,
    ClassifierConfig,
    Prediction,
    TextClassifier,
)
from northline.insights.text.clustering import Theme, ThemeModel, cluster_themes
from northline.insights.text.duplicates import DuplicateIndex, StrictWordIndex, strict_word_match
from northline.insights.text.evaluation import (
    cross_validate_classifier,
    evaluate_classifier,
    evaluate_duplicates,
)
from northline.insights.text.language import LanguageGuess, detect_language, detect_languages
from northline.insights.text.preprocess import clean_text, issue_text

__all__ = [
    "ISSUE_TYPE",
    "SENTIMENT",
    "ClassifierConfig",
    "DuplicateIndex",
    "LanguageGuess",
    "Prediction",
    "StrictWordIndex",
    "TextClassifier",
    "Theme",
    "ThemeModel",
    "clean_text",
    "cluster_themes",
    "cross_validate_classifier",
    "detect_language",
    "detect_languages",
    "evaluate_classifier",
    "evaluate_duplicates",
    "issue_text",
    "strict_word_match",
]
