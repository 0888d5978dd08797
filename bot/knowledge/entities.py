"""Vehicle entities in customer text (model, trim, year, feature), from patterns built out of
`knowledge/`: a dealer who adds a model, a trim or an alias gets it recognised, no retraining.

spaCy's EntityRuler matches lemmas, so "heated seats" finds the alias "heated seat". Trims are
common words ("Work", "Sport", "Limited"), so a trim only counts right after a model name
("Forge Work"), after "the"/"a" ("what about the Summit?") unless "mode" follows ("the sport
mode"), or before "trim"/"model"/"version".
"""

from __future__ import annotations

from dataclasses import dataclass

from spacy.language import Language
from spacy.tokens import Doc, Span

from bot.knowledge.language import nlp, normalise
from bot.knowledge.loader import KnowledgeBase

TRIM_INTRODUCERS = {"the", "a", "an"}
TRIM_FOLLOWERS = {"trim", "trims", "model", "version", "edition", "package"}
NOT_A_TRIM_AFTER = {"mode", "modes", "setting", "button"}


@dataclass(frozen=True)
class Entity:
    entity: str  # model | trim | year | feature
    value: str
    start: int
    end: int

    def as_rasa(self, extractor: str) -> dict[str, object]:
        return {
            "entity": self.entity,
            "value": self.value,
            "start": self.start,
            "end": self.end,
            "confidence_entity": 1.0,
            "extractor": extractor,
        }


class EntityExtractor:
    def __init__(self, knowledge: KnowledgeBase) -> None:
        self._ruler_nlp = _pipeline_with_ruler(knowledge)
        self._trim_owners: dict[str, list[str]] = {}
        for model in knowledge.lineup.models.values():
            for trim in model.trims:
                self._trim_owners.setdefault(trim, []).append(model.name)

    def extract(self, text: str) -> list[Entity]:
        doc = self._ruler_nlp(normalise(text))
        found: list[Entity] = []
        for span in doc.ents:
            kind = span.label_.lower()
            if kind == "trim" and not self._trim_in_context(doc, span, found):
                continue
            found.append(Entity(kind, span.ent_id_, span.start_char, span.end_char))
        return found  # offsets are into the normalised text (same length unless spaces were collapsed)

    def _trim_in_context(self, doc: Doc, span: Span, before: list[Entity]) -> bool:
        previous = doc[span.start - 1].lower_ if span.start > 0 else ""
        following = doc[span.end].lower_ if span.end < len(doc) else ""
        if following in NOT_A_TRIM_AFTER:
            return False
        after_model = bool(before) and before[-1].entity == "model" and before[-1].end == span.start_char - 1
        return after_model or previous in TRIM_INTRODUCERS or following in TRIM_FOLLOWERS or len(span) > 1

    def models_with_trim(self, trim: str) -> list[str]:
        return self._trim_owners.get(trim, [])


def _pipeline_with_ruler(knowledge: KnowledgeBase) -> Language:
    """A copy of the shared pipeline with an EntityRuler of this knowledge base's phrases.

    Phrase patterns compare lemmas through spaCy's PhraseMatcher (hash lookups), so matching
    stays fast with tens of thousands of aliases.
    """
    phrases: list[tuple[str, str, str]] = []  # (label, id, phrase)
    for model in knowledge.lineup.models.values():
        phrases += [("MODEL", model.name, name) for name in (model.name, *model.aliases)]
        for trim in model.trims.values():
            phrases += [("TRIM", trim.name, name) for name in (trim.name, *trim.aliases)]
    for year in knowledge.lineup.years:
        phrases += [("YEAR", str(year), str(year)), ("YEAR", str(year), f"'{str(year)[2:]}")]
    for article in knowledge.articles.values():
        phrases += [("FEATURE", article.id, name) for name in (article.title, *article.aliases)]
    shared = nlp()
    ruled = Language(vocab=shared.vocab)
    ruled.add_pipe("lemmatizer", source=shared)
    ruler = ruled.add_pipe("entity_ruler", config={"overwrite_ents": True, "phrase_matcher_attr": "LEMMA"})
    # spaCy 3.4's ruler counts all its patterns on every call, only to warn when there are none
    # (there always are: the lineup's models); at 10,000 articles that count cost more than the
    # matching itself (bench/knowledge_latency.py), so it is skipped.
    ruler._require_patterns = lambda: None  # type: ignore[attr-defined]
    # String patterns are run through `ruled` (lemmatizer included) when added.
    ruler.add_patterns(
        [{"label": label, "id": ident, "pattern": normalise(phrase)} for label, ident, phrase in phrases]
    )
    return ruled
