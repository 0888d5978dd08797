"""Reading a short customer question about the dealership the way staff would: shorthand ("hrs",
"tmrw", "wknd"), typos ("saterday", "adress") and a few Spanish words ("horario", "dirección",
"sábado") become the plain English words the facts matcher looks for.

Only the facts matcher uses this. A typo is corrected only towards a small list of words that
matter for dealership facts (day names, "address", "hours", ...), only when the typed word isn't
an English word already, and only when one of those words is clearly the closest; so "saterday"
gets Saturday's hours rather than today's, and nothing else changes meaning.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from bot.knowledge.language import is_english

# Shorthand and Spanish words, as the English word the matcher knows.
WORDS = {
    # times and days
    "hrs": "hours",
    "hr": "hours",
    "hrz": "hours",
    "tmrw": "tomorrow",
    "tmr": "tomorrow",
    "tmw": "tomorrow",
    "tmrow": "tomorrow",
    "tmro": "tomorrow",
    "2moro": "tomorrow",
    "2morrow": "tomorrow",
    "2mrw": "tomorrow",
    "tomoz": "tomorrow",
    "wknd": "weekend",
    "wkend": "weekend",
    "wkd": "weekend",
    "wknds": "weekends",
    "wkends": "weekends",
    "2day": "today",
    "tday": "today",
    "tdy": "today",
    "2nite": "tonight",
    "tonite": "tonight",
    "mon": "monday",
    "tue": "tuesday",
    "tues": "tuesday",
    "wed": "wednesday",
    "weds": "wednesday",
    "thu": "thursday",
    "thur": "thursday",
    "thurs": "thursday",
    "thrs": "thursday",
    "fri": "friday",
    "sat": "saturday",
    "sats": "saturdays",
    "sun": "sunday",
    "suns": "sundays",
    "xmas": "christmas",
    # places and contacts
    "addy": "address",
    "addr": "address",
    "tel": "phone",
    "tele": "phone",
    "ph": "phone",
    "phn": "phone",
    "fone": "phone",
    "dept": "department",
    "depts": "departments",
    # Spanish
    "horario": "hours",
    "horas": "hours",
    "hora": "hour",
    "cierre": "closing",
    "apertura": "opening",
    "horarios": "hours",
    "abren": "open",
    "abre": "open",
    "abierto": "open",
    "abiertos": "open",
    "abierta": "open",
    "cierran": "close",
    "cierra": "close",
    "cerrado": "closed",
    "cerrados": "closed",
    "hoy": "today",
    "manana": "tomorrow",
    "lunes": "monday",
    "martes": "tuesday",
    "miercoles": "wednesday",
    "jueves": "thursday",
    "viernes": "friday",
    "sabado": "saturday",
    "sabados": "saturdays",
    "domingo": "sunday",
    "domingos": "sundays",
    "direccion": "address",
    "ubicacion": "location",
    "ubicados": "located",
    "ubicado": "located",
    "ubicada": "located",
    "ubicadas": "located",
    "donde": "where",
    "telefono": "phone",
    "numero": "number",
    "llamar": "call you",
    "llamarles": "call you",
    "llamarlos": "call you",
    "correo": "email",
    "estacionamiento": "parking",
    "estacionar": "park",
    "parqueo": "parking",
    "servicio": "service",
    "ventas": "sales",
    "refacciones": "parts",
    "repuestos": "parts",
    "feriado": "holiday",
    "feriados": "holidays",
    "navidad": "christmas",
    "ustedes": "you",
    "prestamo": "loaner",
}
# Spanish phrases first, as English phrases ("¿a qué hora abren?" -> "what time open").
PHRASES = [
    (re.compile(r"\b(a )?que horas?\b"), "what time"),
    (re.compile(r"\bfin(es)? de semana\b"), "weekend"),
    (re.compile(r"\bdonde (estan|quedan|queda|se encuentran?|se ubican?)\b"), "where are you"),
    (re.compile(r"\b(estan|esta) (abiertos?|abierta)\b"), "are you open"),
    (re.compile(r"\bdias? festivos?\b"), "holiday"),
    (re.compile(r"\baccion de gracias\b"), "thanksgiving"),
    (re.compile(r"\bano nuevo\b"), "new year"),
    (re.compile(r"\bnumero de telefono\b"), "phone number"),
    (re.compile(r"\bcorreo electronico\b"), "email"),
]
# The words a typo is corrected towards: what the facts matcher keys on.
KEY_WORDS = (
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
    "weekend",
    "tomorrow",
    "today",
    "tonight",
    "address",
    "located",
    "location",
    "directions",
    "parking",
    "phone",
    "number",
    "telephone",
    "email",
    "contact",
    "hours",
    "opening",
    "closing",
    "closed",
    "holiday",
    "thanksgiving",
    "christmas",
    "loaner",
    "shuttle",
    "lounge",
    "department",
    "service",
    "showroom",
    "dealership",
)
WORD = re.compile(r"[a-z0-9']+")
MIN_TYPO_LENGTH = 5  # shorter words are too easily another word with one letter changed
LONG_WORD = 8  # words this long may be two edits off ("tommorow")


def read(text: str) -> str:
    """Lower case without accents, shorthand, Spanish and typos as the English key words."""
    plain = unicodedata.normalize("NFKD", text.lower().replace("\u2019", "'"))
    plain = "".join(ch for ch in plain if not unicodedata.combining(ch))
    for pattern, english in PHRASES:
        plain = pattern.sub(english, plain)
    return WORD.sub(lambda m: _word(m.group(0)), plain)


def _word(word: str) -> str:
    if word in WORDS:
        return WORDS[word]
    if len(word) < MIN_TYPO_LENGTH or not word.isalpha():
        return word
    return _corrected(word)


@lru_cache(maxsize=4096)
def _corrected(word: str) -> str:
    """The key word a typo is closest to, when exactly one is close enough; else the word."""
    if word in KEY_WORDS or word.rstrip("s") in KEY_WORDS or is_english(word):
        return word
    plural = word.endswith("s") and not word.endswith("ss")
    forms = [(word, "")] + ([(word[:-1], "s")] if plural else [])
    found: dict[str, int] = {}
    for form, suffix in forms:
        for key in KEY_WORDS:
            limit = 2 if len(key) >= LONG_WORD and len(form) >= LONG_WORD - 1 else 1
            distance = _distance(form, key, limit)
            if distance <= limit:
                said = key if key.endswith("s") else key + suffix
                found[said] = min(distance, found.get(said, distance))
    if not found:
        return word
    closest = min(found.values())
    best = [said for said, distance in found.items() if distance == closest]
    return best[0] if len(best) == 1 else word


def _distance(a: str, b: str, limit: int) -> int:
    """Edits (insert, delete, change, swap two neighbours) from a to b; limit + 1 when over it."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            row[j] = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], previous2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        previous2, previous = previous, row
    return previous[-1]
