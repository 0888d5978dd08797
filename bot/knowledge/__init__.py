"""Vehicle knowledge: the dealer-edited articles and lineup, and answering questions from them."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path

from bot.knowledge.answers import Answer, Answerer, Context, VehicleRef, vehicle_words
from bot.knowledge.entities import Entity, EntityExtractor
from bot.knowledge.loader import KnowledgeBase, Problem, load
from bot.knowledge.search import Retriever

logger = logging.getLogger(__name__)


@dataclass
class Knowledge:
    """A loaded knowledge base with its search index and entity patterns."""

    base: KnowledgeBase
    entities: EntityExtractor
    answerer: Answerer
    vehicle_names: frozenset[str]  # lemmas of model and trim names

    @classmethod
    def build(cls, directory: Path) -> Knowledge:
        base = load(directory)
        for problem in base.problems:
            logger.error("knowledge problem (left out until fixed): %s", problem)
        return cls.from_base(base)

    @classmethod
    def from_base(cls, base: KnowledgeBase) -> Knowledge:
        names = vehicle_words(base.lineup)
        retriever = Retriever(base.articles, ignore=names)
        return cls(base, EntityExtractor(base), Answerer(base, retriever), names)

    def answer(
        self, text: str, context: Context = Context(), vehicles: list[VehicleRef] | None = None
    ) -> Answer:
        """Answer from the text alone (entities found here); the action passes Rasa's instead."""
        return self.answerer.answer(text, self.entities.extract(text), context, vehicles)

    def without_vehicle_names(self, text: str) -> str:
        """The text with model and trim names taken out ("we just got an Ion" names no person)."""
        names = self.vehicle_names
        return re.sub(r"[^\W\d_]+", lambda m: " " if m[0].lower() in names else m[0], text)

    def vehicle_in(self, text: str) -> VehicleRef | None:
        """ "2024 Tessa XLE" -> VehicleRef(Tessa, XLE, 2024); None without a model we sell."""
        model, trim, year = self.answerer.vehicle_in(self.entities.extract(text))
        return VehicleRef(model, trim, year) if model else None


__all__ = ["Answer", "Context", "Entity", "Knowledge", "Problem", "VehicleRef", "load"]
