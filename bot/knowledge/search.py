"""Finding the article a question is about: alias phrases first, then BM25 over the text.

Both work on spaCy lemmas, and words that aren't in the knowledge base's vocabulary are
corrected when one edit away from a known word ("adaptve" -> "adaptive"), so typos still find
their article. The index is built once per knowledge base and answers in well under a
millisecond at the sample size (see bench/knowledge_latency.py for 10,000 articles).
"""

from __future__ import annotations

import heapq
import math
from collections import Counter, defaultdict
from dataclasses import dataclass

from bot.knowledge.language import is_english, is_stop, lemmas, nlp, normalise, words_of
from bot.knowledge.loader import Article

MAX_ALIAS_WORDS = 6
# Left out when comparing phrases, so "it beeps when I back up" has the alias "beeps when backing
# up" in it and "the light on the dash" is "light on dash": who or which never changes the symptom.
FILLER = frozenset(
    {"i", "me", "my", "we", "our", "you", "your", "it", "its", "'s", "the", "a", "an", "this", "that", "is"}
    | {"am", "are", "'m", "'re", "he", "she", "his", "her", "they", "their", "just", "really", "always"}
)
TITLE_WEIGHT, ALIAS_WEIGHT, BODY_WEIGHT = 3, 3, 1
# Two words in a row of one article's short alias ("lane keeping" of "lane keeping assist"): said
# that way, they point at it more than the same words apart would.
PAIR_WEIGHT = 3.0
PAIR_ALIAS_WORDS = 3  # of a longer alias ("exclamation mark in circle") two words say too little
CONTENT_STOP_WORDS = frozenset(
    {"keep", "back", "front", "side", "top", "bottom", "full", "empty", "call", "show"}
)
MATCHED_WEIGHT = 2.0  # a word many articles share ("4", "come", "speed") is no match of its own
K1, B = 1.2, 0.75


@dataclass(frozen=True)
class Hit:
    article_id: str
    score: float
    phrase: str | None  # the alias or title found verbatim in the question, if any
    words: int = 0  # how many of the question's words it has (a pair of an alias's words: one more)


class Retriever:
    def __init__(self, articles: dict[str, Article], ignore: frozenset[str] = frozenset()) -> None:
        """`ignore`: words that never say which article (model and trim names)."""
        self._ignore = ignore
        self._phrases: dict[tuple[str, ...], str] = {}
        pairs: dict[tuple[str, str], set[str]] = defaultdict(set)
        postings: dict[str, dict[str, float]] = defaultdict(dict)
        lengths: dict[str, float] = {}
        texts = {a.id: [a.title, *a.aliases] for a in articles.values()}
        docs = nlp().pipe(normalise(t) for a in articles.values() for t in (*texts[a.id], a.body))
        for article in articles.values():
            names = [words_of(next(docs)) for _ in texts[article.id]]
            body = words_of(next(docs))
            for name in names:
                phrase = _without_filler(name)
                if 0 < len(phrase) <= MAX_ALIAS_WORDS:
                    self._phrases.setdefault(phrase, article.id)
                for pair in zip(phrase, phrase[1:], strict=False) if len(phrase) <= PAIR_ALIAS_WORDS else ():
                    if _pair_counts(pair, ignore):
                        pairs[pair].add(article.id)
            weighted = Counter({w: BODY_WEIGHT * c for w, c in Counter(body).items()})
            for index, name in enumerate(names):
                weighted.update({w: TITLE_WEIGHT if index == 0 else ALIAS_WEIGHT for w in set(name)})
            for word, frequency in weighted.items():
                if not is_stop(word):
                    postings[word][article.id] = frequency
            lengths[article.id] = sum(weighted.values())
        count = max(len(lengths), 1)
        average_length = sum(lengths.values()) / count
        # BM25 weights are computed once here, so a search only adds them up.
        self._weights: dict[str, dict[str, float]] = {}
        for word, documents in postings.items():
            idf = math.log(1 + (count - len(documents) + 0.5) / (len(documents) + 0.5))
            self._weights[word] = {
                article_id: idf
                * tf
                * (K1 + 1)
                / (tf + K1 * (1 - B + B * lengths[article_id] / average_length))
                for article_id, tf in documents.items()
            }
        self._corrections = _deletion_index(self._weights)
        # Only pairs that belong to one article say which one.
        self._pairs = {pair: ids.pop() for pair, ids in pairs.items() if len(ids) == 1}

    def search(self, question: str, limit: int = 3) -> list[Hit]:
        words = [self.correct(w) for w in lemmas(question) if w not in self._ignore]
        phrase_hits = self._phrase_hits(list(_without_filler(words)))
        scores: dict[str, float] = defaultdict(float)
        matched: Counter[str] = Counter()
        for word in {w for w in words if not is_stop(w)}:
            for article_id, weight in self._weights.get(word, {}).items():
                scores[article_id] += weight
                matched[article_id] += weight >= MATCHED_WEIGHT
        for article_id, (_, length) in phrase_hits.items():
            scores[article_id] += 10.0 * length
        plain = _without_filler(words)
        for pair in set(zip(plain, plain[1:], strict=False)):
            article_id = self._pairs.get(pair)
            if article_id is not None and article_id not in phrase_hits:
                scores[article_id] += PAIR_WEIGHT
                matched[article_id] += 1
        ranked = heapq.nlargest(limit, scores.items(), key=lambda item: item[1])
        return [Hit(a, s, phrase_hits.get(a, (None, 0))[0], matched[a]) for a, s in ranked]

    def correct(self, word: str) -> str:
        """The word itself if known (or too short to guess), else a known word one edit away."""
        if word in self._weights or len(word) < 4 or not word.isalpha() or is_english(word):
            return word
        candidates: Counter[str] = Counter()
        for variant in {word, *_deletions(word)}:
            for known in self._corrections.get(variant, ()):
                candidates[known] += len(self._weights[known])
        return candidates.most_common(1)[0][0] if candidates else word

    def _phrase_hits(self, words: list[str]) -> dict[str, tuple[str, int]]:
        """Longest alias or title phrases that appear word for word in the question."""
        found: dict[str, tuple[str, int]] = {}
        for size in range(min(MAX_ALIAS_WORDS, len(words)), 0, -1):
            for start in range(len(words) - size + 1):
                article_id = self._phrases.get(tuple(words[start : start + size]))
                if article_id and (size > 1 or not is_stop(words[start])) and article_id not in found:
                    found[article_id] = (" ".join(words[start : start + size]), size)
        return found


def _pair_counts(pair: tuple[str, str], ignore: frozenset[str]) -> bool:
    """A pair of an alias's words says which article when both say something: no vehicle name,
    no "car" or "when" ("beeps when" says little), though a few of English's stop words do name
    things ("lane keeping", "back seat")."""
    return not any(w in ignore or (is_stop(w) and w not in CONTENT_STOP_WORDS) for w in pair)


def _without_filler(words: list[str]) -> tuple[str, ...]:
    return tuple(w for w in words if w not in FILLER)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1 :] for i in range(len(word))}


def _deletion_index(vocabulary: dict[str, object]) -> dict[str, list[str]]:
    """SymSpell-style: every known word under itself and its one-letter deletions."""
    index: dict[str, list[str]] = defaultdict(list)
    for word in vocabulary:
        if len(word) >= 4 and word.isalpha():
            for variant in {word, *_deletions(word)}:
                index[variant].append(word)
    return index
