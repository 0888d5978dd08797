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
    pipeline = nlp()
    patterns = []
    for model in knowledge.lineup.models.values():
        for name in (model.name, *model.aliases):
            patterns.append({"label": "MODEL", "id": model.name, "pattern": _lemma_pattern(name)})
        for trim in model.trims.values():
            for name in (trim.name, *trim.aliases):
                patterns.append({"label": "TRIM", "id": trim.name, "pattern": _lemma_pattern(name)})
    for year in knowledge.lineup.years:
        patterns.append({"label": "YEAR", "id": str(year), "pattern": [{"TEXT": str(year)}]})
        patterns.append({"label": "YEAR", "id": str(year), "pattern": [{"TEXT": f"'{str(year)[2:]}"}]})
    for article in knowledge.articles.values():
        for name in (article.title, *article.aliases):
            patterns.append({"label": "FEATURE", "id": article.id, "pattern": _lemma_pattern(name)})
    # A copy of the shared pipeline, so each knowledge base has its own ruler.
    ruled = Language(vocab=pipeline.vocab)
    ruled.add_pipe("lemmatizer", source=pipeline)
    ruler = ruled.add_pipe("entity_ruler", config={"overwrite_ents": True})
    ruler.add_patterns(patterns)
    return ruled


def _lemma_pattern(phrase: str) -> list[dict[str, str]]:
    doc = nlp()(normalise(phrase))
    return [{"LEMMA": token.lemma_ or token.text} for token in doc if not token.is_punct]
