"""Rasa NLU component: model, trim, year and feature entities from the knowledge base.

The patterns are built from `knowledge/` when the model loads (and again when the files
change), not stored in the trained model: a dealer who adds a model, a trim or an alias gets it
recognised without retraining. The matching itself is spaCy's (see bot/knowledge/entities.py).
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot import config as settings
from bot.knowledge import Knowledge
from bot.services import Watched


@DefaultV1Recipe.register([DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False)
class VehicleEntityExtractor(GraphComponent, EntityExtractorMixin):
    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> VehicleEntityExtractor:
        directory = settings.knowledge_dir()  # `config` here is the component's, from config.yml
        return cls(Watched(directory, lambda _: Knowledge.build(directory)))

    def __init__(self, knowledge: Watched[Knowledge]) -> None:
        self._knowledge = knowledge  # built now, not on the first customer message

    def process(self, messages: list[Message]) -> list[Message]:
        extractor = self._knowledge.current().entities
        for message in messages:
            found = [e.as_rasa(self.name) for e in extractor.extract(message.get(TEXT) or "")]
            if found:
                message.set(ENTITIES, [*(message.get(ENTITIES) or []), *found], add_to_output=True)
        return messages
