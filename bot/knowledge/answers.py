"""Answering vehicle questions from the knowledge base: how-to, availability and specs.

The rule throughout: a wrong answer is worse than "I'm not sure". Availability and specs come
only from `lineup.yml`; when the question is unclear the customer gets the 2-3 likeliest topics
as buttons; when nothing fits we say so and record the question for staff.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from bot.knowledge.entities import Entity
from bot.knowledge.language import is_stop, lemmas
from bot.knowledge.loader import Article, KnowledgeBase, Lineup, Model, Rule
from bot.knowledge.search import Retriever

SMS_FRIENDLY_CHARS = 480
CONFIDENT_SCORE = 7.0  # BM25 score (no alias phrase) above which one article clearly fits
CANDIDATE_SCORE = 2.5  # below this a topic isn't worth offering
CLEAR_MARGIN = 1.25  # top score must beat the runner-up by this factor to answer outright
# A lower score is clear too when nothing else comes near it and it rests on more than one word
# of the question ("how 2 turn on lane keeping"); one shared word ("tires") never is.
LEADING_SCORE, LEADING_MARGIN, LEADING_WORDS = 5.0, 1.6, 2

AVAILABILITY_CUES = {
    "have",
    "has",
    "standard",
    "available",
    "option",
    "optional",
    "which",
    "equip",
    "equipped",
    "include",
    "offer",
}
# "Comes with", "come standard" ask what a car has; "a car coming from the side" doesn't.
COMES_WITH = re.compile(r"\bcomes? (with|standard|equipped|on|in)\b", re.I)
FOLLOW_UP_WORDS = {
    "come",
    "comes",
    "trim",
    "trims",
    "model",
    "models",
    "version",
    "one",
    "year",
    "instead",
    "too",
    "also",
    "same",
}
# "Can I have 2 phones connected" asks what the feature can do, not what the customer owns.
PERSONAL = re.compile(
    r"\b(my|our) (car|truck|suv|ev|vehicle|ride|van|crossover|sedan)\b|\bmine\b"
    r"|(?<!\bcan )(?<!\bcould )(?<!\bwould )(?<!\bwill )(?<!\bto )\b(i|we) (have|own|drive)\b",
    re.I,
)
# "Does the Tessa have ...", "I have a 2023 Tessa, can I use Android Auto wirelessly?" (a yes or
# no about that vehicle, even with "use" in it).
YES_NO_QUESTION = re.compile(
    r"(^|[,.;!?]\s*)(does|do|did|is|are|will|has|have|can (i|we|you) (get|use|have)|is there"
    r"|is it possible)\b",
    re.I,
)
# "What about the Summit?", "and the Limited?", "how do I use them?", "does that one have it?"
FOLLOW_UP = re.compile(
    r"^\s*(what|how|wbu|n) about\b|^\s*(and|n|same for|also|ok and)\b"
    r"|\b(it|its|that|this|those|these|them|they|that one|this one)\b",
    re.I,
)
# A question about the answer just given ("it was 10 degrees out, is that why?").
ABOUT_THE_LAST_ANSWER = re.compile(
    r"\b(is that why|is that the reason|is it because|is this because|could that be (it|why)"
    r"|would that (cause|explain)|is that normal|is that bad|is that ok(ay)?)\b",
    re.I,
)
SPEC_PATTERNS = {
    "towing": re.compile(
        r"\b(tow|towing|pull|haul)\w*\b.*|\b(trailer weight|towing capacity|tow rating)\b", re.I
    ),
    "range": re.compile(
        r"\b(range|how far|how many miles|miles per charge|on a (full |single |one )?charge)\b", re.I
    ),
    "charging": re.compile(
        r"\b(how long|how many (hours|minutes)|how much time|minutes|hours|how fast|overnight)\b.*\bcharg"
        r"|(?<!what )\btime\b.*\bcharg|\bcharg\w*\b.*\b(take|takes|time|long|full|overnight)\b"
        r"|\b(10|20) ?(%|percent)? to 80\b",
        re.I,
    ),
    "drivetrain": re.compile(
        r"\b(awd|4wd|4x4|all[- ]wheel|(four|4)[- ]wheel|fwd|rwd|2wd|drivetrain|drive ?train"
        r"|front[- ]wheel|rear[- ]wheel|dual[- ]motor|single[- ]motor)\b",
        re.I,
    ),
    # Figures the lineup doesn't hold: said so plainly, never a feature article in their place.
    "fuel economy": re.compile(
        r"\b(mpg|miles per gallon|gas mileage|fuel (economy|efficiency|mileage))\b", re.I
    ),
    "horsepower": re.compile(
        r"\b(horsepower|hp|torque|0[- ]60|zero to sixty|engine size|cylinders?)\b", re.I
    ),
    "cargo space": re.compile(
        r"\b(cargo (space|volume|room|capacity)|trunk (space|size|room)|cubic feet|storage space)\b", re.I
    ),
    "legroom": re.compile(r"\b(leg ?room|head ?room|shoulder room)\b", re.I),
    "fuel tank": re.compile(r"\b(gas|fuel) tank\b|\btank (size|capacity)\b", re.I),
    "payload": re.compile(r"\bpayload\b", re.I),
    "ground clearance": re.compile(r"\bground clearance\b", re.I),
    "size": re.compile(
        r"\b(how (long|wide|tall|big|heavy) is (it|the \w+|\w+)\W*$|dimensions|curb weight|wheelbase)\b",
        re.I,
    ),
    "seating": re.compile(
        r"\bhow many (people|passengers|seats|adults|kids|children|persons|rows|folks)\b"
        r"|\bseating( capacity)?\b|\b(seats?|fits?|hold|holds) (\d|five|six|seven|eight)\b"
        r"|\b(\d|five|six|seven|eight)[- ]?(seater|passenger)s?\b|\b(third|3rd) row (seats?|seating)\b"
        r"|\b(have|has|with|come with|get) an? (third|3rd) row\b|\b(3|three)[- ]row\b"
        r"|\bhow many (does|will|can) (it|the \w+|\w+) (seat|fit|hold)\b"
        r"|\broom for (\d|five|six|seven|eight)\b",
        re.I,
    ),
    "body": re.compile(
        r"\bwhat (kind|type|size|sort) of (car|vehicle|suv|truck)\b"
        r"|\b(is|are) (the |a |an )?\w+( \w+)? (an? (suv|sedan|truck|pickup|crossover|minivan|hatchback|ev"
        r"|hybrid|car)|electric|all electric|fully electric|gas powered|hybrid)\W*$",
        re.I,
    ),
}
SPEC_LABELS = {"body": "body style"}
EV_WORDS = re.compile(r"\b(range|charge|charged|charging|battery|ev|electric)\b", re.I)
# The lineup keys a dealer may use for a spec (spaces or underscores).
SPEC_KEYS = {
    "seating": ("seating", "seats", "seating_capacity", "passengers"),
    "fuel economy": ("fuel_economy", "fuel economy", "mpg"),
    "horsepower": ("horsepower", "hp", "engine"),
    "cargo space": ("cargo_space", "cargo space", "cargo", "cargo_volume"),
    "payload": ("payload",),
    "ground clearance": ("ground_clearance", "ground clearance"),
    "size": ("dimensions", "size", "length"),
}
ROWS = re.compile(r"\b(\d|two|three)[- ]row|\bseats?\b|\bseater\b", re.I)
# "How much can it tow", "what's the range": a figure is asked even with "how do"/"what is" around.
QUANTITY = re.compile(
    r"\bhow (much|far|many|long|fast|heavy|big)\b"
    r"|\b(capacity|rating|rated|max|maximum|range|figure|specs?)\b",
    re.I,
)
# "How do I use 4WD", "why won't it charge", "what does AWD mean": using it, not a figure.
USING = re.compile(
    r"\bhow (do|can|should|would|to|does)\b|\bwhy\b|\bwhere\b|\bwhat (does|do)\b.*\b(do|mean)\b"
    r"|\b(use|using|turn|turning|engage|engaging|activate|set ?up|reset|pair|connect|fix|enable|disable"
    r"|fold|schedule|scheduled)\b",
    re.I,
)
# "Does it have ...", "what does mine have": the customer's own car when the conversation has one.
OWN = re.compile(r"\b(it|mine|my|our|this car|the car)\b", re.I)
TRIM_NEEDED = re.compile(
    r"\b(which|what) (trims?|version|model|one)\b.*\b(need|get|buy|have|has|come|comes)\b", re.I
)
# "Which trims do?", "which ones have it", "what models come with that": the last topic's trims.
WHICH_HAVE_IT = re.compile(
    r"^\W*((so|ok|okay|and|then|well)\W+)*(which|what) (trims?|versions?|models?|ones?)\b", re.I
)
EVERY_MODEL = re.compile(r"\bmodels\b", re.I)
# "What about wireless charging?", "and a 360 camera?", "carplay too?": the last question again,
# about something else.
ELLIPSIS = re.compile(
    r"^\W*((ok|okay|so|and|n|also|plus)\W+)*(what|how|wbu|n) ?(about|abt|bout)\b"
    r"|^\W*(and|n|also|plus|same for|ok and|ok what about)\b|\b(too|as well|also)\W*$",
    re.I,
)
# "Does it have ...", "does that one come with ...": the vehicle the conversation is about.
THAT_VEHICLE = re.compile(r"\b(it|that one|this one|that trim|this trim|that model|this model|they)\b", re.I)
# Context kinds a vehicle question can continue ("what about the Summit?" after a spec).
VEHICLE_CONTEXT_KINDS = ("howto", "availability", "features")
FEATURE_LIST = re.compile(
    r"\bwhat (\w+ )?(features|tech|technology|safety|comfort|options)\b|\bfeatures (does|do|on|of|in)\b"
    r"|\bwhat does (my|mine|the|it|our)\b.*\bcome with\b|\bwhat comes (with|on)\b|\bwhat('s| is) standard\b"
    r"|\blist (the |all )?features\b",
    re.I,
)
FEATURE_GROUPS = {
    "safety": re.compile(r"\bsafe(ty)?\b|\bdriver assist", re.I),
    "comfort": re.compile(r"\bcomfort|\bconvenien", re.I),
    "technology": re.compile(r"\btech(nology)?\b|\binfotainment\b|\bconnectivity\b", re.I),
}
GROUP_CATEGORIES = {
    "safety": ("safety", "driver assistance"),
    "comfort": ("comfort", "convenience"),
    "technology": ("technology", "electric"),
}
PROPER_NOUNS = {"Apple", "Android", "Bluetooth", "Wi-Fi", "LATCH", "EV", "Corvane"}
USING_A_MODE = re.compile(r"\b(mode|controller|button|switch|dial)\b", re.I)
HOW_TO = re.compile(
    r"\b(how (do|can|to|does)|where|use|turn|set ?up|reset|pair|connect|fix|why|what does|what is)\b", re.I
)


ANSWERED = (
    "howto",
    "availability",
    "spec",
    "features",
    "facts",
    "clinic",
    "price",
    "maintenance",
    "vehicle_stated",
)


@dataclass(frozen=True)
class Context:
    """What the conversation was last about, so follow-ups ("what about the Summit?") work."""

    topic: str | None = None
    model: str | None = None
    trim: str | None = None
    year: int | None = None
    kind: str | None = None  # howto | availability | spec:<field>


@dataclass(frozen=True)
class VehicleRef:
    """Which car of the lineup a question is about (model, trim, year), with its mileage when the
    profile has it. A value for answering only: the stored car is `bot.profile.models.OwnedVehicle`."""

    model: str
    trim: str | None = None
    year: int | None = None
    mileage: int | None = None


@dataclass
class Answer:
    # howto | availability | spec | features | facts | clinic | price | maintenance | vehicle_stated
    # | clarify | unknown | need_vehicle | pick_vehicle
    kind: str
    text: str
    topic: str | None = None
    model: str | None = None
    trim: str | None = None
    year: int | None = None
    verdict: str | None = None  # yes | no | some, for availability
    more: str | None = None  # the rest of a long article, sent on "more"
    buttons: list[dict[str, str]] = field(default_factory=list)
    context: Context = field(default_factory=Context)
    vehicle: VehicleRef | None = None  # the customer's own car, when this message said which it is

    @property
    def answered(self) -> bool:
        return self.kind in ANSWERED


class Answerer:
    def __init__(self, knowledge: KnowledgeBase, retriever: Retriever) -> None:
        self.kb = knowledge
        self.retriever = retriever
        self._vehicle_words = vehicle_words(knowledge.lineup)

    def answer(
        self,
        text: str,
        entities: list[Entity],
        context: Context = Context(),
        vehicles: list[VehicleRef] | None = None,
        mine: VehicleRef | None = None,
    ) -> Answer:
        """`vehicles`: the profile's; `mine`: the car this conversation is about ("I drive a ...")."""
        context = self._vehicle_context(context)
        model, trim, year = self.vehicle_in(entities, prefer=context.model)
        features = [e.value for e in entities if e.entity == "feature" and e.value in self.kb.articles]
        named_vehicle = model is not None or trim is not None or year is not None
        topic, candidates = self._topic(text, features)
        if not features and context.topic and (ABOUT_THE_LAST_ANSWER.search(text) or topic is None):
            if ABOUT_THE_LAST_ANSWER.search(text) or context.topic in candidates[:3]:
                topic = context.topic  # "is that why?"; or the subject breaks a tie between articles
        spec_field = self._spec_field(text)
        listing = bool(FEATURE_LIST.search(text)) and not features
        # "it", "mine": the customer's own car; another model named is for that question only.
        about_mine = mine is not None and bool(OWN.search(text))
        # "Does my car have it?" needs the customer's vehicle; "my tire light is on" does not.
        personal = (
            (bool(PERSONAL.search(text)) or about_mine)
            and not named_vehicle
            and (spec_field is not None or listing or self._asks_availability(text, named_vehicle=False))
        )
        if TRIM_NEEDED.search(text) and not named_vehicle:
            return self._trims_needed(topic or context.topic, context, mine, candidates)
        if (
            WHICH_HAVE_IT.search(text)
            and not named_vehicle
            and topic is None
            and spec_field is None
            and not self._new_subject(text)
        ):
            if EVERY_MODEL.search(text):  # "which models have it": every model, not just this one
                return self._trims_needed(context.topic, Context(context.topic), None, candidates)
            return self._trims_needed(context.topic, context, mine, candidates)
        # "What about the Summit?" continues the last topic; "what's the cargo volume of the
        # Brio?" is a new question we can't answer, not a follow-up about the Brio.
        follow_up = (
            topic is None
            and spec_field is None
            and context.kind is not None
            and (
                bool(FOLLOW_UP.search(text)) or ((named_vehicle or personal) and not self._new_subject(text))
            )
        )
        if follow_up:
            topic = context.topic
            if context.kind and context.kind.startswith("spec:") and not HOW_TO.search(text):
                spec_field = context.kind.split(":", 1)[1]
            if not named_vehicle and not personal:
                model, trim, year = context.model, context.trim, context.year
            elif model is None and context.model:  # "what about the 2025?": the same model, that year
                model, trim = context.model, trim or context.trim
        carried = False
        if topic is not None and not (named_vehicle or personal or follow_up or spec_field or listing):
            carried_vehicle = self._carried_vehicle(text, context, mine)
            if carried_vehicle is not None:
                model, trim, year = carried_vehicle
                carried = True
        if personal:
            chosen = mine or self._pick_vehicle(vehicles or [], text)
            if isinstance(chosen, Answer):
                kind = f"spec:{spec_field}" if spec_field else "availability"
                return replace(chosen, topic=topic, context=Context(topic, kind=kind))
            model, trim, year = chosen.model, chosen.trim, chosen.year

        if listing and (model or (follow_up and context.model)):
            return self._features_of(model or context.model, trim or context.trim, year or context.year, text)
        if spec_field:
            model = model or self._only_model_with(spec_field, text)
            if model:
                return self._spec(spec_field, model, trim, year)
        if topic is None:
            return self._not_sure(candidates, context, model, trim, year)
        asks = (
            personal
            or carried
            or self._asks_availability(text, named_vehicle)
            or (follow_up and context.kind == "availability" and not HOW_TO.search(text))
        )
        if model and asks:
            return self._availability(topic, model, trim, year, text)
        return self._how_to(topic, model, trim, year)

    # --- understanding ----------------------------------------------------------------------

    def _vehicle_context(self, context: Context) -> Context:
        """The part of the conversation's context a vehicle question can continue: after a clinic,
        price, maintenance or dealership answer only the vehicle it was about (their `topic` is
        not an article)."""
        kind = context.kind or ""
        if kind in VEHICLE_CONTEXT_KINDS or kind.startswith("spec:"):
            topic = context.topic if context.topic in self.kb.articles else None
            return replace(context, topic=topic)
        return Context(None, context.model, context.trim, context.year, None)

    def _carried_vehicle(
        self, text: str, context: Context, mine: VehicleRef | None
    ) -> tuple[str, str | None, int | None] | None:
        """The vehicle a question about a new feature is still about, when it names none: "what
        about wireless charging?" right after a yes or no about a car (or with the customer's car
        known), "does it have a trailer brake controller?" after an answer about the Forge Summit.
        How-to questions ("how do I set the gain") stay how-to."""
        if HOW_TO.search(text) and not YES_NO_QUESTION.search(text):
            return None
        about_a_car = context.kind in ("availability", "features") or (context.kind or "").startswith("spec:")
        if (
            ELLIPSIS.search(text)
            and not HOW_TO.search(text)
            and (about_a_car or (context.kind is None and mine))
        ):
            if context.model:
                return context.model, context.trim, context.year
            return (mine.model, mine.trim, mine.year) if mine else None
        if context.model and THAT_VEHICLE.search(text) and self._asks_availability(text, named_vehicle=False):
            return context.model, context.trim, context.year
        return None

    def vehicle_in(
        self, entities: list[Entity], prefer: str | None = None
    ) -> tuple[str | None, str | None, int | None]:
        """The model, trim and year named; a trim several models have ("LE") is `prefer`'s (the
        model the conversation is about) when it has one."""
        models = [e.value for e in entities if e.entity == "model" and e.value in self.kb.lineup.models]
        trims = [e.value for e in entities if e.entity == "trim"]
        years = [int(e.value) for e in entities if e.entity == "year" and e.value.isdigit()]
        model = models[0] if models else None
        trim = None
        for candidate in trims:
            owners = [m for m, spec in self.kb.lineup.models.items() if candidate in spec.trims]
            if model is None and prefer in owners:
                trim, model = candidate, prefer
                break
            if model in owners or (model is None and len(owners) == 1):
                trim, model = candidate, model or owners[0]
                break
        return model, trim, years[0] if years else None

    def _topic(self, text: str, features: list[str]) -> tuple[str | None, list[str]]:
        if features:
            return features[0], features
        hits = [h for h in self.retriever.search(text) if h.score >= CANDIDATE_SCORE]
        if not hits:
            return None, []
        top = hits[0]
        runner_up = hits[1].score if len(hits) > 1 else 0.0
        if (
            top.phrase
            or (top.score >= CONFIDENT_SCORE and top.score >= CLEAR_MARGIN * runner_up)
            or (
                top.score >= LEADING_SCORE
                and top.score >= LEADING_MARGIN * runner_up
                and top.words >= LEADING_WORDS
            )
        ):
            return top.article_id, [h.article_id for h in hits]
        return None, [h.article_id for h in hits]

    def _new_subject(self, text: str) -> bool:
        """Words beyond the vehicle and the question's grammar: the customer raised something new."""
        return any(
            not is_stop(w)
            and w not in self._vehicle_words
            and w not in AVAILABILITY_CUES
            and w not in FOLLOW_UP_WORDS
            for w in lemmas(text)
        )

    def asks_spec(self, text: str) -> bool:
        """Whether the text asks for a spec (towing, range, charging, drivetrain)."""
        return self._spec_field(text) is not None

    def _spec_field(self, text: str) -> str | None:
        """Towing, range, charging time, drivetrain, seating, ... unless the question is how to use
        something ("how do I use 4WD"); "what is the towing capacity" asks for the figure."""
        if USING_A_MODE.search(text) or (USING.search(text) and not QUANTITY.search(text)):
            return None
        without_trims = re.sub(r"\b(long|standard) range\b", "", text, flags=re.I)
        for name, pattern in SPEC_PATTERNS.items():
            if pattern.search(without_trims):
                return name
        return None

    def _only_model_with(self, spec_field: str, text: str) -> str | None:
        """A spec only one model has (the Ion's charging) needs no model named; seats and body are
        never guessed that way ("how many seats are left" is a clinic's)."""
        if spec_field in ("seating", "body"):
            return None
        if spec_field == "range" and not EV_WORDS.search(text):
            return None  # "how far is the moon"
        having = [
            name for name, model in self.kb.lineup.models.items() if _spec_values(model, spec_field, None)
        ]
        return having[0] if len(having) == 1 else None

    def _asks_availability(self, text: str, named_vehicle: bool) -> bool:
        """ "Does the Tessa have ...", "which trims ...", or just "Forge Summit 360 camera?"."""
        if named_vehicle and YES_NO_QUESTION.search(text):
            return True  # "does the Tessa have the HUD where the speed shows ..."
        if HOW_TO.search(text):
            return False
        return named_vehicle or bool(AVAILABILITY_CUES & set(lemmas(text))) or bool(COMES_WITH.search(text))

    def _pick_vehicle(self, vehicles: list[VehicleRef], text: str) -> VehicleRef | Answer:
        if not vehicles:
            return Answer(
                "need_vehicle",
                'Which Corvane do you drive? Tell me the year, model and trim, like "2024 Tessa XLE".',
            )
        if len(vehicles) == 1:
            return vehicles[0]
        mentioned = [v for v in vehicles if v.model.lower() in text.lower()]
        if len(mentioned) == 1:
            return mentioned[0]
        buttons = [
            {
                "title": vehicle_name(v.model, v.trim, v.year),
                "payload": f'/ask_vehicle{{"model": "{v.model}"'
                + (f', "trim": "{v.trim}"' if v.trim else "")
                + (f', "year": "{v.year}"' if v.year else "")
                + "}",
            }
            for v in vehicles
        ]
        return Answer("pick_vehicle", "Which of your vehicles do you mean?", buttons=buttons)

    # --- answers ----------------------------------------------------------------------------

    def _how_to(self, topic: str, model: str | None, trim: str | None, year: int | None) -> Answer:
        article = self.kb.articles[topic]
        short, more = _sms_sized(article)
        text = f"{short}\n(From our guide: {article.title}.)"
        if more:
            text += ' Reply "more" for the rest.'
        return Answer(
            "howto",
            text,
            topic=topic,
            model=model,
            trim=trim,
            year=year,
            more=more,
            context=Context(topic, model, trim, year, "howto"),
        )

    def _availability(
        self, topic: str, model: str, trim: str | None, year: int | None, question: str
    ) -> Answer:
        article = self.kb.articles[topic]
        feature = _in_sentence(article.title)
        vehicle = vehicle_name(model, trim, year)
        context = Context(topic, model, trim, year, "availability")
        rules = self.kb.lineup.availability.get(topic)
        if not rules:
            text = (
                f"I don't have trim-by-trim details on {feature} for the {vehicle}, so I won't guess. "
                'Our team can confirm it for you: just say "talk to a person".'
            )
            return Answer(
                "availability", text, topic=topic, model=model, trim=trim, year=year, context=context
            )
        trims = [trim] if trim else list(self.kb.lineup.models[model].trims)
        years = [year] if year else self.kb.lineup.years
        asked_for = _plain_words(question) & _qualifier_words(rules)  # e.g. "wireless", "wirelessly"
        matching = {t: [r for r in rules if any(r.covers(model, t, y) for y in years)] for t in trims}
        has = [t for t in trims if matching[t] and asked_for <= _note_words(matching[t])]
        if len(has) == len(trims):
            where = f"every trim of the {vehicle}" if not trim and len(trims) > 1 else f"the {vehicle}"
            text = f"Yes, {where} has {feature}{_notes(matching[trims[0]])}."
            verdict = "yes"
        elif has:
            without = [t for t in trims if t not in has]
            text = (
                f"On the {vehicle}, {feature} comes on the {_join(has)} (not the {_join(without)})"
                f"{_notes(matching[has[0]])}."
            )
            verdict = "some"
        elif any(matching.values()):
            # It has the feature, but not the way asked ("wireless" CarPlay on a 2023: wired only).
            how = "; ".join(r.note for r in matching[trims[0]] if r.note)
            text = f"No: the {vehicle} has {feature}, but {how}."
            other = [r for r in rules if asked_for <= _note_words([r]) and r.covers(model, trims[0], None)]
            if other:
                text += f" It's {_notes(other).strip(' ()')} models."
            verdict = "no"
        else:
            text = f"No, the {vehicle} doesn't have {feature}. {self._where_available(rules, model)}"
            verdict = "no"
        text += f'\n(From our lineup guide; how it works: "{article.title}".)'
        return Answer(
            "availability",
            text,
            topic=topic,
            model=model,
            trim=trim,
            year=year,
            verdict=verdict,
            context=context,
        )

    def _trims_needed(
        self, topic: str | None, context: Context, mine: VehicleRef | None, candidates: list[str]
    ) -> Answer:
        """ "Which trim would I need for that?": the trims of their model (or every model) with it."""
        if topic is None:
            return self._not_sure(candidates, context, None, None, None)
        model = context.model or (mine.model if mine else None)
        if model is None:
            rules = self.kb.lineup.availability.get(topic) or []
            feature = _in_sentence(self.kb.articles[topic].title)
            text = self._where_available(rules) if rules else "I don't have trim-by-trim details on that."
            return Answer(
                "availability",
                f"For {feature}: {text}",
                topic=topic,
                context=Context(topic, kind="availability"),
            )
        return self._availability(topic, model, None, None, "")

    def _features_of(self, model: str, trim: str | None, year: int | None, question: str) -> Answer:
        """ "What safety features does my car have?": the lineup's features for it, by category."""
        groups = [g for g, words in FEATURE_GROUPS.items() if words.search(question)]
        categories = {c for g in groups for c in GROUP_CATEGORIES[g]}
        trims = [trim] if trim else list(self.kb.lineup.models[model].trims)
        by_category: dict[str, list[str]] = {}
        for topic, rules in self.kb.lineup.availability.items():
            article = self.kb.articles[topic]
            if categories and article.category not in categories:
                continue
            on = [t for t in trims if any(r.covers(model, t, year) for r in rules)]
            if not on:
                continue
            label = _in_sentence(article.title) + ("" if len(on) == len(trims) else f" ({_join(on)})")
            by_category.setdefault(article.category, []).append(label)
        vehicle = vehicle_name(model, trim, year)
        context = Context(None, model, trim, year, "features")
        if not by_category:
            wanted = " or ".join(groups) or "any"
            text = f"I don't have {wanted} features listed for the {vehicle} in our lineup guide."
            return Answer("features", text, model=model, trim=trim, year=year, context=context)
        lines = [
            f"{category.capitalize()}: {', '.join(names)}." for category, names in sorted(by_category.items())
        ]
        text = f"The {vehicle} has:\n" + "\n".join(lines) + "\n(From our lineup guide.)"
        return Answer("features", text, model=model, trim=trim, year=year, context=context)

    def _where_available(self, rules: list[Rule], model: str | None = None) -> str:
        if model is not None:
            trims = [
                t for t in self.kb.lineup.models[model].trims if any(r.covers(model, t, None) for r in rules)
            ]
            if trims:
                return f"It comes on the {model} {_join(trims)}."
        places = []
        for name, model in self.kb.lineup.models.items():
            trims = [t for t in model.trims if any(r.covers(name, t, None) for r in rules)]
            if trims:
                places.append(
                    f"all {name} trims"
                    if len(trims) == len(model.trims)
                    else f"the {name} {' and '.join(trims)}"
                )
        if not places:
            return "It isn't offered on any current model."
        return "It's available on " + _join(places) + "."

    def _spec(self, spec_field: str, model: str, trim: str | None, year: int | None) -> Answer:
        """The figure from the lineup; without one, said plainly (and kept as a gap for staff)."""
        spec = self.kb.lineup.models[model]
        vehicle = vehicle_name(model, trim, year)
        context = Context(None, model, trim, year, f"spec:{spec_field}")
        values = _spec_values(spec, spec_field, trim)
        label = SPEC_LABELS.get(spec_field, spec_field)
        if spec_field == "body" or (spec_field == "seating" and not _seat_figures(spec, trim)):
            values = {}
            if spec.body and (spec_field == "body" or ROWS.search(spec.body)):
                text = f"The {vehicle} is {_a(spec.body)}."
                if spec_field == "seating":
                    text += " I don't have its exact seat count in our lineup guide; our team can confirm it."
                text += "\n(From our lineup guide.)"
                return Answer("spec", text, model=model, trim=trim, year=year, context=context)
        if not values:
            body = f" (it's {_a(spec.body)})" if spec.body and spec_field == "seating" else ""
            text = (
                f"I don't have the {label} figure for the {vehicle} in our lineup guide{body}, so I won't "
                'guess. Our team can confirm it: say "talk to a person".'
            )
            return Answer(
                "unknown",
                text,
                model=model,
                trim=trim,
                year=year,
                buttons=[{"title": "Talk to a person", "payload": "/human_handoff"}],
                context=context,
            )
        if len(set(values.values())) == 1:
            value = next(iter(values.values()))
            text = f"The {vehicle}'s {label}: {value}."
        else:
            text = (
                f"The {vehicle}'s {label} by trim: " + "; ".join(f"{t}: {v}" for t, v in values.items()) + "."
            )
        text += "\n(From our lineup guide.)"
        return Answer("spec", text, model=model, trim=trim, year=year, context=context)

    def _not_sure(
        self, candidates: list[str], context: Context, model: str | None, trim: str | None, year: int | None
    ) -> Answer:
        keep = Context(None, model or context.model, trim or context.trim, year or context.year, None)
        if candidates:
            buttons = [
                {"title": self.kb.articles[c].title, "payload": f'/ask_vehicle{{"feature": "{c}"}}'}
                for c in candidates[:3]
            ]
            return Answer(
                "clarify",
                "I want to get this right. Which of these did you mean?",
                buttons=buttons,
                context=keep,
            )
        return Answer(
            "unknown",
            "I don't have an answer to that in our owner guides, and I'd rather not guess. I've noted the "
            "question for our team. Our free New Owner Tech Clinic covers your vehicle's features in person, "
            "or I can get you a person now.",
            buttons=[{"title": "Talk to a person", "payload": "/human_handoff"}],
            context=keep,
        )


def vehicle_words(lineup: Lineup) -> frozenset[str]:
    """Lemmas of model and trim names: they say which vehicle, never which feature."""
    return frozenset(
        word
        for model in lineup.models.values()
        for name in (model.name, *model.aliases, *model.trims)
        for word in lemmas(name)
    )


def _sms_sized(article: Article) -> tuple[str, str | None]:
    """The direct answer and as many first steps as fit one SMS-sized reply; the rest for "more"."""
    lines = [_chat_line(line) for line in article.body.strip().splitlines() if line.strip()]
    taken = [lines[0]]
    for index, line in enumerate(lines[1:], start=1):
        if len("\n".join([*taken, line])) > SMS_FRIENDLY_CHARS:
            return "\n".join(taken), "\n".join(lines[index:])
        taken.append(line)
    return "\n".join(taken), None


def _chat_line(line: str) -> str:
    """Markdown to chat text in one message: "## How to use it" -> "How to use it:"."""
    line = line.strip()
    return line.lstrip("#").strip() + ":" if line.startswith("#") else line


def _qualifier_words(rules: list[Rule]) -> set[str]:
    """Words that tell a feature's rules apart ("wireless" vs "wired (USB) only"): a question
    using one is about that version of the feature."""
    notes = [_note_words([r]) for r in rules]
    if len(notes) < 2:
        return set()
    return set.union(*notes) - set.intersection(*notes) - {"the", "a", "on", "from", "only", "and"}


def _plain_words(text: str) -> set[str]:
    """Lemmas, with adverbs as their adjective too ("wirelessly" asks about "wireless")."""
    words = set(lemmas(text))
    return words | {w[:-2] for w in words if w.endswith("ly") and len(w) > 5}


def _note_words(rules: list[Rule]) -> set[str]:
    return {word for rule in rules for word in lemmas(rule.note or "")}


def _notes(rules: list[Rule]) -> str:
    """ " (wireless on 2024/2025 models)": the notes of the rules that apply, with their years."""
    described = []
    for rule in rules:
        if rule.note:
            years = f" on {'/'.join(map(str, rule.years))}" if rule.years else ""
            described.append(f"{rule.note}{years}")
    unique = list(dict.fromkeys(described))
    return f" ({'; '.join(unique)})" if unique else ""


def _in_sentence(title: str) -> str:
    """A title inside a sentence: "Heated front seats" -> "heated front seats", "Apple ..." kept."""
    first = title.split()[0]
    return title if first[1:] != first[1:].lower() or first in PROPER_NOUNS else title[0].lower() + title[1:]


def _spec_values(model: Model, spec_field: str, trim: str | None) -> dict[str, str]:
    """Each trim's figure for a spec: the trim's own, else the model's (under any key the dealer
    may use for it, e.g. `mpg` or `fuel_economy`)."""
    trims = [trim] if trim else list(model.trims)
    keys = SPEC_KEYS.get(spec_field, (spec_field,))
    values = {}
    for name in trims:
        trim_specs = model.trims[name].specs
        if spec_field == "charging":
            charging = model.specs.get("charging")
            if isinstance(charging, dict):
                values[name] = "; ".join(str(v) for v in charging.values())
            continue
        for key in keys:
            if key in trim_specs:
                values[name] = trim_specs[key]
                break
            if key in model.specs and not isinstance(model.specs[key], dict):
                values[name] = str(model.specs[key])
                break
    return values


def _seat_figures(model: Model, trim: str | None) -> dict[str, str]:
    return _spec_values(model, "seating", trim)


def _a(noun: str) -> str:
    """ "a compact sedan", "an electric crossover"."""
    return ("an " if noun[:1].lower() in "aeiou" else "a ") + noun


def vehicle_name(model: str, trim: str | None, year: int | None) -> str:
    return " ".join(str(part) for part in (year, model, trim) if part)


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
