"""Turning customer text into comparable words: spaCy's English tokenizer with lookup lemmas.

Blank English plus the `spacy-lookups-data` lemma table: no model download, and "seats",
"heated" and "Seat" all compare equal to what the knowledge base says.
"""

from __future__ import annotations

import re
from functools import lru_cache

import spacy
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language
from spacy.lookups import Table
from spacy.tokens import Doc

_SEPARATORS = re.compile(r"[-_/]")
# Words that say nothing about *which* feature is meant, on top of spaCy's stop words.
DOMAIN_STOP_WORDS = {
    "car",
    "vehicle",
    "corvane",
    "please",
    "pls",
    "thanks",
    "hi",
    "hey",
    "hello",
    "work",
    "use",
    "turn",
    "get",
    "want",
    "need",
    "know",
    "tell",
    "help",
    "way",
    "thing",
    "like",
    "button",
}


@lru_cache(maxsize=1)
def nlp() -> Language:
    pipeline = spacy.blank("en")
    pipeline.add_pipe("lemmatizer", config={"mode": "lookup"})
    pipeline.initialize()
    return pipeline


def normalise(text: str) -> str:
    """Lower case, with hyphens and slashes as spaces ("head-up" = "head up")."""
    return " ".join(_SEPARATORS.sub(" ", text.lower()).split())


def lemmas(text: str) -> list[str]:
    """Lemmas of the words and numbers in `text`, in order (punctuation dropped)."""
    return words_of(nlp()(normalise(text)))


def words_of(doc: Doc) -> list[str]:
    """Comparable words of a processed text: lemmas, but stop words as written ("does" stays
    "does", not the lookup table's "doe"), and "4wd" or "4x4" kept whole."""
    return [
        token.lower_ if token.is_stop else (token.lemma_ or token.lower_)
        for token in doc
        if any(ch.isalnum() for ch in token.text)
    ]


def is_stop(word: str) -> bool:
    return word in STOP_WORDS or word in DOMAIN_STOP_WORDS


def is_english(word: str) -> bool:
    """A word English already has (an inflected form or a lemma in the lookup table, or a stop
    word): such words are never "corrected" into knowledge-base words."""
    return word in STOP_WORDS or word in _lemma_table() or word in _known_lemmas()


def is_inflected(word: str) -> bool:
    """A stop word or an inflected form English has ("stays", "started"): not a lemma or a name."""
    return word in STOP_WORDS or (word in _lemma_table() and _lemma_table()[word] != word)


@lru_cache(maxsize=1)
def _lemma_table() -> Table:
    return nlp().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")


@lru_cache(maxsize=1)
def _known_lemmas() -> frozenset[str]:
    return frozenset(_lemma_table().values())
