"""Vehicle knowledge: the dealer-edited articles and lineup, and answering questions from them."""

from __future__ import annotations

import logging
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

    @classmethod
    def build(cls, directory: Path) -> Knowledge:
        base = load(directory)
        for problem in base.problems:
            logger.error("knowledge problem (left out until fixed): %s", problem)
        return cls.from_base(base)

    @classmethod
    def from_base(cls, base: KnowledgeBase) -> Knowledge:
        retriever = Retriever(base.articles, ignore=vehicle_words(base.lineup))
        return cls(base, EntityExtractor(base), Answerer(base, retriever))

    def answer(
        self, text: str, context: Context = Context(), vehicles: list[VehicleRef] | None = None
    ) -> Answer:
        """Answer from the text alone (entities found here); the action passes Rasa's instead."""
        return self.answerer.answer(text, self.entities.extract(text), context, vehicles)

    def vehicle_in(self, text: str) -> VehicleRef | None:
        """ "2024 Tessa XLE" -> VehicleRef(Tessa, XLE, 2024); None without a model we sell."""
        model, trim, year = self.answerer.vehicle_in(self.entities.extract(text))
        return VehicleRef(model, trim, year) if model else None


__all__ = ["Answer", "Context", "Entity", "Knowledge", "Problem", "VehicleRef", "load"]
