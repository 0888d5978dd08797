"""Answers about the dealership itself, from `knowledge/dealership.yml`: opening hours (a day,
today, right now, weekends, holidays), location, directions, parking, phone, email, departments
and amenities.

Questions are recognised by their words, not by a trained intent alone, so "what's your number"
gives the dealership's number whatever the classifier made of it, and nothing here ever starts a
form. But one word is never enough: "phone", "where", "park", "wifi", "open" and "close" are
just as often about the car ("pair my phone", "where is the HUD setting", "park assist", "the
car's wifi", "open the liftgate"). A topic counts when the question is plainly about the
dealership ("are you open", "your number", "where are you"), or when it has a topic word and
nothing in it is about a car (a feature, a part, a control). Shorthand, typos and a few Spanish
words are read first (`reading.py`), so "saterday hrs" gets Saturday's hours. Every figure
comes from the file.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from bot.dealership import DAYS, DEPARTMENTS, Dealership, Holiday, Window
from bot.knowledge.reading import read

# Who a question about the dealership is about: "you", "the dealership", a department.
WHO = (
    r"(you|u|ya|y'?all|ya'?ll|yall|you guys|u guys|the (dealer|dealership|store|showroom|shop|lot|building)"
    r"|lakeside( corvane)?|(the |your |ur )?(service|sales|parts) (department|dept|desk|counter|center"
    r"|drive|team|shop)s?|(the )?(service|sales|parts)(?=\W+(still |even |currently )?(open|close"
    r"|closed|opens|closes|closing|hours)\b|\W*$)|(your|ur) (store|dealership|shop|showroom|place|service"
    r"|sales|parts)"
    r"|(the |your )?showroom)"
)
THEIRS = r"(your|ur|yalls?|y'?all'?s|the dealer\w*'?s?|the store'?s?|lakeside'?s?|dealership'?s?|store|shop)"
OPEN = r"(open|opens|opening|close|closes|closing|closed|shut)"
# "open the liftgate", "close my sunroof": something of the car is opened; "open the 26th" isn't.
NO_CAR_OBJECT = (
    r"(?! (the|my|a|an|it|its|this|that|your|our|his|her|their|them)\b"
    r"(?! (day|days|week|weekend|holidays?|morning|afternoon|evening|night)\b| \d))"
)
# What may follow a bare "open" ("open sunday?", "open till 8?"), unlike "open trunk?".
WHEN_WORD = (
    r"(today|tonight|tomorrow|now|rn|yet|late|early|on|this|next|at|till|until|weekends?|holidays?"
    r"|(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?)\b"
)
HOURS_PLAIN = re.compile(
    rf"\b(are|r|is|were|will|'?re) {WHO} (still |even |currently |guys |actually )?{OPEN}\b{NO_CAR_OBJECT}"
    rf"|\b(do|does|did|will|when) {WHO} (guys )?{OPEN}\b{NO_CAR_OBJECT}"
    rf"|^\W*({WHO} )?(guys )?(still )?{OPEN}(\W*$|\W+{WHEN_WORD})"
    rf"|\b(opening|closing|business|store|office|shop|operating|operation|working|service|sales|parts"
    rf"|holiday|weekend|weekday|dealership|showroom|department|desk|counter|{THEIRS}) hours\b"
    r"|\bwhat are (the |your |ur )?hours\b|\bhours of (operation|business)\b|\b(opening|closing) time\b"
    r"|\bhow (late|early) (are|r|is|do|does|can)\b"
    r"|\b(open|closed) (late|early|on (the )?(weekend|holiday|sunday|saturday|monday|tuesday|wednesday"
    r"|thursday|friday)s?)\b",
)
HOURS = re.compile(rf"\bhours\b|\bhour\b|\bwhat time\b|\bhow (late|early)\b|\b{OPEN}\b{NO_CAR_OBJECT}")
# "8 hours to charge", "how many hours", "hours of charging": a duration, not opening hours.
DURATION = re.compile(
    r"\bhow many hours\b|\b\d+(\.\d+)? ?(hours?|hrs?)\b|\bhours? (to|does it take|of|for a|on a)\b"
    r"|\b(take|takes|last|lasts|long)\b.*\bhours?\b",
)
NOT_HOURS = re.compile(r"\bwhat time is it\b|\bwhat's the time\b|\btime zone\b")
APPOINTMENT = re.compile(r"\b(appointment|appt|booking|reservation|class|clinic|session|my car be ready)\b")
OPEN_CLOSE = re.compile(rf"\b{OPEN}\b|\btill\b|\buntil\b")
NOW = re.compile(r"\b(now|right now|still|currently|at the moment|tonight)\b")
A_DAY = re.compile(
    r"\b(today|tonight|tomorrow|weekends?|(monday|tuesday|wednesday|thursday|friday|saturday|sunday)s?)\b"
)
LOCATION_PLAIN = re.compile(
    rf"\bwhere (are|r|is|'s|s|re) {WHO}\b|\bwhere('s| is| are)? {WHO} (at|located|based)\b"
    rf"|\b{THEIRS} (address|location)\b|\baddress (of|for) {WHO}\b"
    rf"|\bhow (do|can|would|should|to) (i|we)? ?(get|come|go|drive) (to {WHO}|there|over)\b"
    rf"|\b(get to|find|visit) {WHO}\b|\bdirections to {WHO}\b|\bhow far (are|is) {WHO}\b"
    rf"|\b(what|which) (street|road|city|town|part of town|exit)\b|\bwhere('s| is)? lakeside\b"
    r"|\bhighway exit\b|\b(service|main|customer|showroom) entrance\b",
)
LOCATION = re.compile(r"\b(address|located|location|directions|whereabouts|map)\b")
DIRECTIONS = re.compile(r"\b(directions?|get to|get there|find you|coming from|from the|highway|map)\b")
PARKING_PLAIN = re.compile(
    r"\bwhere (do|should|can|to|will|would) (i|we) park\b|\b(customer|visitor|free) parking\b"
    r"|\bparking (available|for customers|situation)\b|\bis there (any )?parking\b"
    r"|\bdrop (it |my car |the car |my vehicle |the vehicle |my truck |the keys? )?off\b|\bdrop-?off\b"
    r"|\bdropoff\b|\bpark (at|there|when i (come|get there|arrive)|for service)\b"
    r"|\bservice (drive|lane|entrance)\b",
)
# "Parking lot" alone could be where the customer lost their car ("find my car in a parking lot").
PARKING = re.compile(r"\bparking\b|\bwhere\b.*\bpark\b")
PHONE_PLAIN = re.compile(
    rf"\b({THEIRS}|main|direct|contact|office|{WHO}) (phone( number)?|number|telephone( number)?|line|#)"
    r"|\b(call|phone|ring|text) (you|u|ya|y'?all|yall|the (dealer\w*|store|service|sales|parts)|your|ur"
    r"|lakeside|sales|service|parts)\b|\b(what|which) (number|phone) (do|should|can|to)\b"
    r"|\bnumber (to|for) (call|reach|text|contact)\b"
    r"|\b(number|phone|#|line) (for|to) (the |your |ur )?(dealer\w*|store|showroom|service|sales|parts|you|u"
    r"|lakeside)\b"
    r"|\b(can|should|do|how do|how can|where do|who do|who can|what number do) i call\b(?=\W*$| (you|u|ya"
    r"|the (dealer|store|service|sales|parts)|your|ur|for|about|to|regarding|if)\b)"
    r"|(?<!my )\bphone number\b|^\W*(what'?s |whats |what is )?(the |ur |your )?(phone|number|telephone"
    r"|#)( number)?\W*$",
)
# Weaker: only when nothing in the question is about a car. "Phone" inside a longer sentence is
# usually the customer's own ("add a second phone"), so only a short message counts for it.
PHONE = re.compile(
    r"\b(by|over the|on the) phone\b|#|\b(the|a|what|which|contact|main|that) number\b(?! of\b)"
    r"|\b(to|can i|should i|do i|i can|i) call\b(?! (me|from|with|on|through|someone|somebody))"
)
PHONE_ALONE = re.compile(r"\b(phone|telephone|number|tel)\b")
EMAIL = re.compile(r"\be-?mail\b")
CONTACT_PLAIN = re.compile(
    r"\bcontact (you|u|info|information|details|number|the dealer\w*|sales|service|parts)\b"
    rf"|^\W*contact\W*$|\bget in touch\b|\bget a ?hold of {WHO}|\breach {WHO}\b"
)
CONTACT = re.compile(r"\bcontact (the|someone)\b|\bcontact\W*$|\bget a ?hold\b")
# Someone else's number: roadside assistance, the police, a fax.
NOT_OUR_PHONE = re.compile(r"\b(roadside|tow truck|towing company|911|police|insurance|fax|uber|lyft|taxi)\b")
AMENITY_WORDS = {
    "loaners": re.compile(r"\b(loaner|loaners|courtesy car|rental( car)?|car to drive|borrow a car)\b"),
    "shuttle": re.compile(r"\b(shuttle|ride (home|to work)|drop me|drive me)\b"),
    "lounge": re.compile(
        r"\b(lounge|waiting (room|area)|wait there|while i wait|coffee|kids'? (corner|area)|work desks?"
        r"|(somewhere|place|area|room|where) (to|i can|can i) wait)\b"
    ),
}
WIFI = re.compile(r"\bwi-?fi\b|\binternet\b")
# "Is there wifi?" is the lounge's; "wifi in the car", "the tessa's wifi" is the car's hotspot.
CAR = re.compile(r"\b(car|cars|car's|vehicle|truck|suv|in-car|hotspot|hot spot|data plan|road trip|ride)\b")
DEPARTMENT_WORDS = {
    "sales": re.compile(r"\b(sales|showroom|salesperson|buy(ing)?|test drive)\b"),
    "service": re.compile(r"\b(service|repair|mechanic|shop|maintenance)\b"),
    "parts": re.compile(r"\bparts?\b"),
}
DEPARTMENT_NAMED = re.compile(
    r"\b(sales|service|parts) (department|desk|counter|center|team)s?\b|\bdepartments\b"
    r"|\bwho (do i|should i|can i) (talk|speak) to about\b"
)
# A question about a part, a control or a feature of the car, not about the dealership.
VEHICLE_THINGS = re.compile(
    r"\b(sensors?|assist|brakes?|braking|camera|cam|modes?|beeps?|beeping|chimes?|chiming|liftgate"
    r"|lift gate|trunk|hatch|tailgate|sunroof|moonroof|roof|windows?|doors?|hood|frunk|port|gas cap|fuel door"
    r"|glove ?box|mirrors?|seats?|screen|touch ?screen|display|dash|dashboard|cluster|infotainment|menu"
    r"|settings?|icon|app|bluetooth|blue tooth|carplay|car play|android auto|hotspot|hot spot|data plan"
    r"|fob|usb|nav|navigation|gps|destination|route|pair|pairing|paired|connect|connected|connecting|sync"
    r"|syncing|wireless|wirelessly|charger|charging|charge|plug|radio|stereo|steering|wheel|pedal|shifter"
    r"|gear|reverse|reversing|backing|back up|button|switch|lever|stalk|cruise|lane|tires?|horn|wipers?"
    r"|headlights?|high beams?|windshield|engine|battery|remote start|valet|trailer|tow|towing|hitch"
    r"|keyless|digital key|as (a |my |the )?key|in park|did i park|find my car|locate my (car|vehicle)"
    r"|hands-?free|voice|speaker|audio|music|spotify|podcast|contacts|text messages|notifications?"
    r"|software|firmware|update|updates|hud|heads? up|sensor|alert|warning|light comes on|light is on"
    r"|dashcam)\b"
    r"|\bmy (phone|iphone|android|cell|smartphone)\b",
)
HOLIDAY_WORDS = {
    "thanksgiving": re.compile(r"\bthanks ?giving\b"),
    "christmas eve": re.compile(r"\bchristmas eve\b"),
    "christmas": re.compile(r"\bchristmas\b(?! eve)"),
    "new year's eve": re.compile(r"\bnew ?year'?s? eve\b"),
    "new year": re.compile(r"\bnew ?year'?s?\b(?! eve)"),
    "independence": re.compile(r"\b(july 4(th)?|4th of july|fourth of july|independence day)\b"),
    "memorial": re.compile(r"\bmemorial day\b"),
    "labor": re.compile(r"\blabou?r day\b"),
}
ANY_HOLIDAY = re.compile(r"\bholidays?\b")
DAY_WORDS = {index: re.compile(rf"\b{name}s?\b") for index, name in enumerate(DAYS)}
WEEKEND = re.compile(r"\bweekends?\b")
TODAY = re.compile(r"\b(today|tonight)\b")
TOMORROW = re.compile(r"\b(tomorrow|tomorow)\b")
MOST_TOPICS = 3


def dealership_answer(
    text: str, shop: Dealership, now: datetime, about_vehicle: bool = False
) -> tuple[str, str] | None:
    """(topic, reply) for a question about the dealership itself, or None if it isn't one.

    `about_vehicle`: the question names a model, trim or feature (from the entities), so only a
    question plainly about the dealership is answered here. Several topics in one question
    ("address and phone?") are answered together, the first one's topic given.
    """
    said = read(text)
    parts = bool(VEHICLE_THINGS.search(said))
    found = _topics(said, shop, now.astimezone(shop.tz), vehicle=about_vehicle or parts)
    if found and about_vehicle and not parts:
        # Plainly about the dealership after all ("what's your address and phone number for the
        # Tessa's service?"): its other topics count too.
        found = _topics(said, shop, now.astimezone(shop.tz), vehicle=False)
    if not found:
        return None
    return found[0][0], "\n".join(reply for _, reply in found[:MOST_TOPICS])


def _topics(said: str, shop: Dealership, local: datetime, vehicle: bool) -> list[tuple[str, str]]:
    """Each dealership topic the question asks about, as (topic, reply); with `vehicle`, only
    those it asks about plainly."""
    departments = [d for d, words in DEPARTMENT_WORDS.items() if words.search(said) and d in shop.departments]
    found: list[tuple[str, str]] = []
    for amenity, words in AMENITY_WORDS.items():
        # A loaner or the shuttle is always ours; "coffee cup on my dash" is the car's.
        if words.search(said) and amenity in shop.amenities and (amenity != "lounge" or not vehicle):
            found.append((f"dealership:{amenity}", _amenity(shop, amenity)))
    if (
        "lounge" in shop.amenities
        and not any(t == "dealership:lounge" for t, _ in found)
        and _lounge_wifi(said, vehicle)
    ):
        found.append(("dealership:lounge", _amenity(shop, "lounge")))
    holidays = [h for h, words in HOLIDAY_WORDS.items() if words.search(said)]
    if holidays or ANY_HOLIDAY.search(said):
        found.append(("dealership:holidays", _holiday_hours(shop, holidays, local.date())))
    elif _asks_hours(said, vehicle):
        found.append(("dealership:hours", _hours(shop, said, departments, local)))
    contact = bool(CONTACT_PLAIN.search(said) or (CONTACT.search(said) and not vehicle))
    if EMAIL.search(said) and not vehicle:
        found.append(("dealership:email", _email(shop, departments)))
    elif NOT_OUR_PHONE.search(said):
        pass  # "the number for roadside assistance" is not ours to give
    elif PHONE_PLAIN.search(said) or contact or (_asks_phone(said) and not vehicle):
        found.append(("dealership:phone", _phone(shop, departments, with_email=contact)))
    if _asks_location(said, vehicle):
        found.append(("dealership:location", _location(shop, said)))
    if not found and DEPARTMENT_NAMED.search(said) and not vehicle:
        found.append(("dealership:departments", _departments(shop, departments)))
    return found


def _asks_hours(said: str, vehicle: bool) -> bool:
    """ "Are you open sunday?", "hours?", "what time do you close", "open tmrw?"."""
    if HOURS_PLAIN.search(said):
        return True
    if vehicle or DURATION.search(said) or NOT_HOURS.search(said) or not HOURS.search(said):
        return False
    if APPOINTMENT.search(said) and not OPEN_CLOSE.search(said):
        return False  # "what time is my appointment" is the booking's
    has_time = bool(re.search(r"\bhours?\b|\bwhat time\b|\bhow (late|early)\b", said))
    return has_time or bool(A_DAY.search(said) or NOW.search(said) or _alone(said))


def _alone(said: str) -> bool:
    """The whole message is about one word: "open?", "closed?", "u open"."""
    return len(re.findall(r"[a-z0-9']+", said)) <= 3


def _asks_phone(said: str) -> bool:
    """ "What's the number?", "phone?", "telefono": a bare or plainly worded ask for our number."""
    return bool(PHONE.search(said) or (PHONE_ALONE.search(said) and _alone(said)))


def _asks_location(said: str, vehicle: bool) -> bool:
    if LOCATION_PLAIN.search(said) or PARKING_PLAIN.search(said):
        return True
    return not vehicle and bool(LOCATION.search(said) or PARKING.search(said))


def _lounge_wifi(said: str, vehicle: bool) -> bool:
    """Wi-Fi at the dealership ("do you have wifi?", "wifi while I wait"), not in the car."""
    if not WIFI.search(said) or vehicle or CAR.search(said):
        return False
    return True


# --- hours ----------------------------------------------------------------------------------


def _days_named(text: str, today: date) -> list[date]:
    """The dates a question is about: today, tomorrow, weekday names, the weekend."""
    days = []
    if TODAY.search(text) or NOW.search(text):
        days.append(today)
    if TOMORROW.search(text):
        days.append(today + timedelta(days=1))
    for weekday, words in DAY_WORDS.items():
        if words.search(text):
            days.append(today + timedelta(days=(weekday - today.weekday()) % 7))
    if WEEKEND.search(text):
        saturday = today + timedelta(days=(5 - today.weekday()) % 7)
        days += [saturday, saturday + timedelta(days=1)]
    return sorted(set(days))


def _hours(shop: Dealership, text: str, departments: list[str], local: datetime) -> str:
    names = departments or [d for d in DEPARTMENTS if d in shop.departments]
    if NOW.search(text) and not TOMORROW.search(text):
        return _open_now(shop, names, local)
    days = _days_named(text, local.date())
    if not days and OPEN_CLOSE.search(text):
        days = [local.date()]  # "what time do you close?" is about today
    if not days:
        lines = [f"{_title(d)}: {_week(shop.departments[d].hours)}" for d in names] or [_week(shop.hours)]
        upcoming = [
            h for h in shop.holidays.values() if local.date() <= h.day <= local.date() + timedelta(days=30)
        ]
        text = f"Our hours at {shop.name}:\n" + "\n".join(lines)
        for holiday in sorted(upcoming, key=lambda h: h.day):
            text += f"\n{_on_holiday(holiday)}"
        return text
    lines = []
    for day in days:
        label = _day_label(day, local.date())
        holiday = shop.holidays.get(day)
        prefix = f"{label} ({holiday.name})" if holiday else label
        windows = [f"{_title(d)} {_span(shop.window_on(day, d))}" for d in names]
        if all(shop.window_on(day, d) is None for d in names):
            windows = ["we're closed"]
        lines.append(f"{prefix}: " + "; ".join(windows or [_span(shop.window_on(day))]) + ".")
    return "\n".join(lines)


def _open_now(shop: Dealership, names: list[str], local: datetime) -> str:
    parts = []
    for name in names:
        window = shop.window_on(local.date(), name)
        if shop.is_open(local, name) and window:
            parts.append(f"{_title(name)} is open until {_clock(window[1])}")
        else:
            opening = shop.next_opening(local, name)
            parts.append(f"{_title(name)} is closed, and opens {_when(opening, local)}")
    opened = any(shop.is_open(local, n) for n in names)
    lead = "Yes, we're open right now" if opened else "We're closed right now"
    if opened and not all(shop.is_open(local, n) for n in names):
        lead = "Partly"
    holiday = shop.holidays.get(local.date())
    today = f" ({holiday.name})" if holiday else ""
    return f"{lead} ({local:%A %-I:%M %p}{today}): " + "; ".join(parts) + "."


def _holiday_hours(shop: Dealership, asked: list[str], today: date) -> str:
    upcoming = sorted((h for h in shop.holidays.values() if h.day >= today), key=lambda h: h.day)
    if asked:
        chosen = []
        for key in asked:
            match = next((h for h in upcoming if _is_holiday(h.name, key)), None)
            if match is None:
                return (
                    f"I don't have a {_holiday_name(key)} closure listed for {shop.name}, so we keep our "
                    f"usual hours that day. For anything unusual, call us at {shop.phone}."
                )
            chosen.append(match)
        return " ".join(_on_holiday(h) for h in chosen)
    if not upcoming:
        return f"No holiday closures are listed right now. Call us at {shop.phone} to check a date."
    return "Holiday hours (every department):\n" + "\n".join(_on_holiday(h) for h in upcoming[:5])


def _holiday_name(key: str) -> str:
    """ "new year's eve" -> "New Year's Eve" (str.title would say "Year'S")."""
    return " ".join(word[:1].upper() + word[1:] for word in key.split())


def _is_holiday(name: str, key: str) -> bool:
    words = name.lower()
    if key == "christmas":
        return "christmas" in words and "eve" not in words
    return key in words


def _on_holiday(holiday: Holiday) -> str:
    when = f"{holiday.name}, {holiday.day:%a %b %-d, %Y}"
    if holiday.hours is None:
        return f"We're closed on {when}."
    return f"On {when} we're open {_span(holiday.hours)} only."


# --- contact, location, amenities -------------------------------------------------------------


def _phone(shop: Dealership, departments: list[str], with_email: bool) -> str:
    if departments:
        lines = [
            f"{_title(d)}: {shop.departments[d].phone}"
            + (f", {shop.departments[d].email}" if with_email else "")
            for d in departments
        ]
        return "You can reach us here:\n" + "\n".join(lines)
    text = f"Call {shop.name} at {shop.phone}" + (
        f" or email {shop.email}" if with_email and shop.email else ""
    )
    if shop.departments:
        text += ". Direct lines: " + "; ".join(
            f"{_title(d)} {dep.phone}" for d, dep in shop.departments.items()
        )
    return text + "."


def _departments(shop: Dealership, departments: list[str]) -> str:
    """ "Do you have a parts department?": each department's hours, phone and email."""
    names = departments or list(shop.departments)
    lines = [
        f"{_title(d)}: {_week(shop.departments[d].hours)}; {shop.departments[d].phone}"
        + (f", {shop.departments[d].email}" if shop.departments[d].email else "")
        for d in names
    ]
    lead = f"{shop.name} has {_join([_title(d).lower() for d in shop.departments])} departments:"
    return lead + "\n" + "\n".join(lines) if lines else f"Call {shop.name} at {shop.phone}."


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _email(shop: Dealership, departments: list[str]) -> str:
    if departments:
        return "; ".join(f"{_title(d)}: {shop.departments[d].email}" for d in departments) + "."
    text = f"Email us at {shop.email}" if shop.email else f"Call us at {shop.phone}"
    if shop.departments:
        text += ". Departments: " + "; ".join(
            f"{_title(d)} {dep.email}" for d, dep in shop.departments.items()
        )
    return text + "."


def _location(shop: Dealership, text: str) -> str:
    reply = f"{shop.name} is at {shop.address}."
    parking = bool(PARKING.search(text) or PARKING_PLAIN.search(text))
    if shop.directions and (DIRECTIONS.search(text) or not parking):
        reply += f" {shop.directions}"
    if shop.parking and parking:
        reply += f" Parking: {shop.parking}"
    return reply


def _amenity(shop: Dealership, amenity: str) -> str:
    text = shop.amenities[amenity]
    if amenity == "shuttle" and shop.shuttle_radius_miles:
        text += f" It goes anywhere within {shop.shuttle_radius_miles:g} miles of the dealership."
    return text


# --- formatting -----------------------------------------------------------------------------


def _title(department: str) -> str:
    return department.capitalize()


def _clock(moment: time) -> str:
    return f"{moment:%-I %p}" if moment.minute == 0 else f"{moment:%-I:%M %p}"


def _span(window: Window | None) -> str:
    return "closed" if window is None else f"{_clock(window[0])}-{_clock(window[1])}"


def _week(hours: dict[int, Window]) -> str:
    """Mon-Fri 7 AM-6 PM, Sat 8 AM-2 PM, Sun closed: runs of days with the same hours."""
    runs: list[tuple[int, int, Window | None]] = []
    for day in range(7):
        window = hours.get(day)
        if runs and runs[-1][2] == window:
            runs[-1] = (runs[-1][0], day, window)
        else:
            runs.append((day, day, window))
    short = [d[:3].capitalize() for d in DAYS]
    return ", ".join(
        (short[a] if a == b else f"{short[a]}-{short[b]}") + f" {_span(window)}" for a, b, window in runs
    )


def _day_label(day: date, today: date) -> str:
    if day == today:
        return f"Today ({day:%a %b %-d})"
    if day == today + timedelta(days=1):
        return f"Tomorrow ({day:%a %b %-d})"
    return f"{day:%A %b %-d}"


def _when(moment: datetime, local: datetime) -> str:
    if moment.date() == local.date():
        return f"today at {_clock(moment.time())}"
    if moment.date() == local.date() + timedelta(days=1):
        return f"tomorrow at {_clock(moment.time())}"
    return f"{moment:%A} at {_clock(moment.time())}"
