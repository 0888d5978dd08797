"""Is a message a request to stop texting? Readable rules, decided before the assistant sees it.

Since April 2025 (FCC 24-18) consent to texts can be revoked "by any reasonable means": a reply
using stop, quit, end, revoke, opt out, cancel or unsubscribe as a request to stop counts, however
it is worded. So this module reads the whole message, not only a single keyword, and answers:

- `OPT_OUT`: a request to stop texting (opt the number out, confirm once);
- `MAYBE`: might be one (ask "Reply STOP to confirm", opt nothing out);
- `NONE`: an ordinary message, for the assistant ("how do I stop the beeping").

Rules, in the order they are tried on each sentence (a message is an opt-out if any sentence is):
1. a negated stop word ("won't stop", "don't want to unsubscribe") is set aside, and a question
   about the car's own texting features ("stop texts showing on the screen") is ordinary;
2. phrases that ask us to stop texting ("stop texting me", "take me off your list", "no me
   manden mensajes", "revoke my consent") are opt-outs;
3. a stop word alone, with only politeness around it ("STOP!!!", "please stop", "por favor alto");
4. on SMS, a short message with a stop word that is about nothing recognisable ("stop the thing")
   and a few ambiguous replies ("enough", "no more") are MAYBE.

On the website the message must name what to stop (texts, messages, a list, consent): there a
bare "stop" or "cancel" means the conversation ("stop, I changed my mind") and goes to the assistant.
No I/O here; `bench/opt_out_messages.yml` is the labelled set the rules are measured on.
"""

from __future__ import annotations

import re
import unicodedata
from enum import Enum
from typing import Literal

Channel = Literal["sms", "web"]


class Verdict(str, Enum):
    OPT_OUT = "opt_out"
    MAYBE = "maybe"
    NONE = "none"


def _any(*alternatives: str) -> str:
    return "(?:" + "|".join(alternatives) + ")"


# --- vocabulary (matched against normalised text: lower case, no accents or punctuation) ---------

STOP = _any("stop", "stopall", "quit", "end", "cancel", "cease", "halt", "discontinue")
STOP_WORDS = _any(STOP, "unsubscribe", "unsub", "opt out", "optout", "revoke")
TEXTS = _any(
    r"(?:text |sms )?(?:messages?|msgs?|notifications?|alerts?|reminders?)",
    r"texts?",
    r"txts?",
    "sms",
    r"promos?",
    r"promotions?",
    "marketing",
    "spam",
)
LIST = _any(r"(?:\w+ )?list", "database", "system", "contacts")
ME = _any("me", "us", "this number", "my number", "this phone", "my phone", "my cell", "this cell")
SENDING = _any(
    "texting", "txting", "texing", "messaging", "msging", "sending", "contacting", "spamming",
    "bothering", "bugging", "pestering", "harassing", "writing",
)  # fmt: skip
FILL = r"(?:\w+ ){0,3}"  # up to three words between a verb and its object: "stop sending me these"
ES_TEXTS = _any(r"mensajes?", "mensajitos", r"textos?", "sms", "notificaciones", "alertas", "recordatorios")
ES_SEND = r"(?:mand|envi|escrib|contact|text|molest)\w*"  # mandar, envíen, escribirme, contacten...

# --- rule 1: ordinary even though a stop word is there ------------------------------------------

NEGATED = re.compile(
    r"\b(?:dont|do not|didnt|did not|never|not|wont|will not|cant|cannot|doesnt|does not|isnt)"
    rf" (?:really )?(?:want to |wanna |mean to |need to |going to |gonna )?{STOP_WORDS}\b"
    r"|\bno (?:me |se |lo |la )?(?:para|paro|pare|paren|cancel\w*|termin\w*)\b"
)
CAR_FEATURE = re.compile(
    r"\b(?:in|on) (?:the|my) (?:car|screen|dash|dashboard|display|truck)\b|\bcarplay\b|\bandroid auto\b"
    r"|\bbluetooth\b|\bwhile (?:driving|i drive|im driving)\b|\bout loud\b|\bshowing\b"
)

# --- rule 2: asks us to stop texting -------------------------------------------------------------
# (pattern, SMS only): an SMS-only phrase leaves "what" to the medium ("leave me alone"); the
# others name it, so they count on the website too.

_OBJECT = _any(ME, "these", "those", "them", "it", "that", "this", "anything", "stuff", "please", "now")
REQUESTS: list[tuple[re.Pattern[str], bool]] = [
    (re.compile(p), sms_only)
    for p, sms_only in [
        # stop texting me / quit sending me these / cease contacting this number / stop texting
        (rf"\b{STOP} {SENDING}(?: {_OBJECT}\b| {FILL}{TEXTS}\b|$)", False),
        # stop the texts / end all messages / cancel my text alerts / quit it with the texts
        (rf"\b{STOP} {FILL}{TEXTS}\b", False),
        # don't text me / do not message this number / never text me again / don't send me texts
        (
            rf"\b(?:dont|do not|never) (?:ever )?(?:text|txt|message|msg|sms|contact|send|write)"
            rf"(?: {ME}\b| {FILL}{TEXTS}\b| again| anymore|$)",
            False,
        ),
        # no more texts / no more messages please / no texts please
        (rf"^(?:(?:ok|okay|please|pls|yes|i said) )*no (?:more |further )?(?:{TEXTS}|texting)\b", False),
        # I want these texts to end / I don't want to be contacted anymore / I no longer consent
        (rf"\b(?:want|need|like) (?:\w+ ){{0,2}}{TEXTS} to (?:stop|end)\b", False),
        (r"\b(?:dont|do not|no longer) want to be (?:contacted|texted|messaged)\b", False),
        (r"\b(?:dont|do not|no longer) (?:give (?:my )?)?consent\b", False),
        # I don't want these texts / i do not want to receive messages
        (rf"\bi (?:dont|do not|no longer) (?:want|wish|need) (?:to (?:receive|get) )?{FILL}{TEXTS}\b", False),
        # take me off your list / remove this number from your list / remove my number / lose my number
        (
            rf"\b(?:take|remove|delete|erase|drop) (?:me|us|this number|my number|my phone number)"
            rf" (?:off|from) (?:of )?(?:your|the|this|ur|all) {LIST}\b",
            False,
        ),
        (r"^(?:please )?(?:remove|delete|lose) (?:me|my number|this number)(?: please)?$", True),
        (r"\b(?:never|dont|do not) (?:want to )?hear from (?:you|u)\b", False),
        # unsubscribe me / opt me out / opting out (unless it is from something else: SOMETHING_ELSE)
        (r"\b(?:unsub|unsubscribe|opt out|optout|opting out|opt (?:me|us|this number) out)\b", False),
        # revoke my consent / I withdraw my permission to text me
        (
            r"\b(?:revoke|revoking|withdraw|withdrawing|retract)\b (?:\w+ ){0,3}"
            r"(?:consent|permission|authorization)\b",
            False,
        ),
        (r"\bcancel (?:my |the |this )?subscription(?: (?:to|for|of) " + FILL + TEXTS + r")?$", True),
        (r"\bleave me alone\b", True),
        # Spanish: no me manden mensajes / dejen de escribirme / para de escribirme
        (rf"\bno me (?:vuelvan a |vuelvas a |vuelva a )?{ES_SEND}", False),
        (rf"\b(?:dejen|deja|deje|dejar|para|pare|paren|parar) de {ES_SEND}", False),
        (rf"\bno {ES_SEND} (?:mas )?{ES_TEXTS}\b", False),
        # paren los mensajes / cancelar mensajes / basta de mensajes / terminar mensajes
        (
            r"\b(?:para|pare|paren|parar|detener|detengan|cancelar|cancela|cancelen|terminar|terminen"
            rf"|basta de|basta ya de|alto a) (?:los |las |mis |sus |estos |esos |todos los )?{ES_TEXTS}\b",
            False,
        ),
        # ya no quiero recibir mensajes / no quiero más mensajes / no más mensajes
        (rf"\bno (?:quiero|deseo) (?:recibir )?(?:mas |ningun |ningunos )?{ES_TEXTS}\b", False),
        (rf"\bno (?:quiero|deseo) que me {ES_SEND}", False),
        (rf"^(?:ya |por favor )?no mas {ES_TEXTS}\b", False),
        # darme de baja / denme de baja / den de baja este número
        (r"\b(?:dar|darme|denme|den|dame|deme|doy|darnos) de baja\b", False),
        # sáquenme de su lista / quiero salir de la lista / eliminen mi número
        (
            r"\b(?:saquenme|sacame|saqueme|quitenme|quitame|quiteme|borrenme|borrame|eliminenme"
            r"|eliminame|salir) de (?:la|su|sus|tu|esta) lista\b",
            False,
        ),
        (r"\b(?:eliminen|borren|eliminar|borrar|quiten) (?:mi|este) numero\b", False),
        (r"\b(?:revoco|retiro|revocar|retirar) (?:mi |el )?(?:consentimiento|permiso|autorizacion)\b", False),
        (r"\bdesuscrib\w*", False),
        (rf"\bcancelar (?:la |mi )?suscripcion(?: de (?:los )?{ES_TEXTS})?$", False),
    ]
]
# "unsubscribe from SiriusXM", "opt out of the paint protection", "darme de baja del plan": the
# request is about another service unless what follows names texts, a list, us or everything.
SOMETHING_ELSE = re.compile(
    r"\b(?:unsub|unsubscribe|opt out|optout|opting out|de baja)\b (?:me |this number )?"
    r"(?:from|of|de|del) (?!"
    + _any(FILL + TEXTS, FILL + LIST, FILL + ES_TEXTS, "(?:la|su|sus) lista", "you", r"all\b", "everything")
    + ")"
)

# --- rule 3: a stop word alone, with only politeness around it ----------------------------------

BARE_WORDS = {
    "stop", "stopall", "quit", "end", "cancel", "unsubscribe", "unsub", "revoke", "optout", "opt out",
    "alto", "para", "pare", "paren", "parar", "cancelar", "detener", "desuscribir", "desuscribirme",
}  # fmt: skip
STRONG_WORDS = {"stop", "stopall", "unsubscribe", "unsub", "optout", "opt out", "alto", "desuscribir"}
# Alone they opt out (carrier keywords); with anything around them ("yes cancel", "quit please")
# they may be answering the assistant about a booking or a call, so we ask.
WEAK_WORDS = {"cancel", "end", "quit", "cancelar"}
# These name what to stop, so they are clear on the website too.
NAMED_WORDS = {"unsubscribe", "unsub", "optout", "opt out", "desuscribir", "desuscribirme"}
POLITENESS = re.compile(
    r"\b(?:please|pls|plz|por favor|favor|now|right now|thanks|thank you|thx|ok|okay|yes|si|hey|just"
    r"|i said|already|seriously|asap|immediately|wrong number|not interested|ya"
    r"|(?:can|could|would|will) (?:you|u)|(?:you|u) can)\b"
)
IT = re.compile(r"^(?:stop|quit) it\b")  # "stop it", "quit it": but "cancel it" is about a booking
BARE = re.compile(r"\b(?:opt out|" + "|".join(sorted(w for w in BARE_WORDS if " " not in w)) + r")\b")

# --- rule 4: maybe (SMS) --------------------------------------------------------------------------

AMBIGUOUS = re.compile(
    r"^(?:(?:ok|okay|please|ya|already) )*(?:enough|enough already|thats enough|no more|basta|ya basta"
    r"|no mas|wrong number)$"
)
COMPLAINTS = re.compile(
    r"\bwhy (?:do|are|does) (?:you|u|this number) (?:keep |still )?(?:texting|messaging|txting)"
    r"|\b(?:too|so) many (?:texts|messages)\b|\bi never (?:signed up|subscribed|agreed)\b"
    r"|\bhow did you get (?:my|this) number\b"
)
MAYBE_WORDS = re.compile(
    r"\b(?:stop|stopall|quit|unsubscribe|unsub|opt out|optout|revoke|alto|basta|end (?:this|that|it))\b"
)
ORDINARY = re.compile(
    r"\b(?:how|what|when|where|why|does|do|is|can|could|will|which|como|cuando|donde|que)\b"  # a question
    r"|\bstop (?:by|in|at|over|and go|start|sign|light|button|lamp|here|asking|the form|the booking)\b"
    r"|\bstart stop\b|\bnon stop\b|\blets stop\b"
    r"|\b(?:the|my|our|his|her) (?:\w+ ){1,2}(?:quit|stop|stopped|stops|ended|ends)\b"  # "the radio quit"
)
SHORT = 4  # words: a longer message with a stop word in it is about something we can read


def normalise(text: str) -> str:
    """Lower case without accents, apostrophes or punctuation: "¡NO me manden más!" -> "no me manden mas"."""
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c)).lower()
    return " ".join(re.findall(r"[^\W_]+", re.sub(r"['’‘`´]", "", plain)))


def classify(text: str, channel: Channel = "sms") -> Verdict:
    """Whether a message asks to stop texting; any sentence (or clause) that does makes it so."""
    clauses = [normalise(part) for part in re.split(r"[.!?;,\n¡¿]+|\s[-–—]+\s", text)]
    clauses = [c for c in clauses if c]
    verdicts = {_clause(c, channel, alone=len(clauses) == 1) for c in clauses}
    for verdict in (Verdict.OPT_OUT, Verdict.MAYBE):
        if verdict in verdicts:
            return verdict
    return Verdict.NONE


def _clause(text: str, channel: Channel, alone: bool) -> Verdict:
    by_sms = channel == "sms"
    text = " ".join(NEGATED.sub(" ", text).split())  # "the wipers won't stop": nothing to stop
    if not text or CAR_FEATURE.search(text):
        return Verdict.NONE
    if any(p.search(text) and (by_sms or not sms_only) for p, sms_only in REQUESTS):
        return Verdict.NONE if SOMETHING_ELSE.search(text) else Verdict.OPT_OUT
    word = _bare_word(text)
    if word in NAMED_WORDS or (by_sms and word in STRONG_WORDS):
        return Verdict.OPT_OUT
    if by_sms and word and alone:
        return Verdict.OPT_OUT if text == word or word not in WEAK_WORDS else Verdict.MAYBE
    if COMPLAINTS.search(text):
        return Verdict.MAYBE
    if by_sms and alone and AMBIGUOUS.fullmatch(text):
        return Verdict.MAYBE
    short = len(text.split()) <= SHORT
    if by_sms and short and MAYBE_WORDS.search(text) and not ORDINARY.search(text):
        return Verdict.MAYBE
    return Verdict.NONE


def _bare_word(text: str) -> str | None:
    """The stop word a clause is, once politeness and repeats are set aside ("ok STOP STOP please")."""
    words = set(BARE.findall(text))
    rest = POLITENESS.sub(" ", BARE.sub(" ", IT.sub("stop", text))).split()
    return words.pop() if len(words) == 1 and not rest else None
