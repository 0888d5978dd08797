"""Everything the dealership knows, answered from the real knowledge/ files: its hours, place and
phone, clinics, published prices, maintenance schedules and the customer's own car; and the rule
that no amount of money is ever said that knowledge/ doesn't hold."""

from __future__ import annotations

import re
import shutil
from datetime import datetime
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

from bot import db, dealership
from bot.booking.schedule import load as load_schedule
from bot.booking.store import SessionInfo
from bot.knowledge import Context, Knowledge, VehicleRef
from bot.knowledge.facts import dealership_answer
from bot.knowledge.maintenance import maintenance_answer
from bot.knowledge.offerings import clinic_facts, model_price, service_price
from bot.services import Services
from tests.knowledge_router import CHICAGO, SAMPLE, TUESDAY_3PM, ask, sessions_of

SUNDAY_NOON = datetime(2026, 12, 6, 12, 0, tzinfo=CHICAGO)
AMOUNT = re.compile(r"\$\s?\d[\d,]*(?:\.\d+)?")


# --- 1. dealership facts ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "now", "must_say"),
    [
        ("what time do you close today", TUESDAY_3PM, "Service 7 AM-6 PM"),
        ("r u open right now?", TUESDAY_3PM, "Yes, we're open right now"),
        ("are you open right now", SUNDAY_NOON, "We're closed right now"),
        ("are you open right now", SUNDAY_NOON, "Service is closed, and opens tomorrow at 7 AM"),
        ("are you guys open on sundays", TUESDAY_3PM, "Sunday Dec 6: we're closed"),
        ("weekend hours?", TUESDAY_3PM, "Saturday Dec 5: Sales 9 AM-6 PM"),
        ("what time does the parts counter close saturday", TUESDAY_3PM, "Parts 8 AM-12 PM"),
        ("are you open on thanksgiving", TUESDAY_3PM, "closed on Thanksgiving Day, Thu Nov 25, 2027"),
        ("open xmas eve?", TUESDAY_3PM, "Christmas Eve, Thu Dec 24, 2026 we're open 8 AM-12 PM only"),
        ("are you closed new years day", TUESDAY_3PM, "closed on New Year's Day, Fri Jan 1, 2027"),
        ("what are your hours", TUESDAY_3PM, "Service: Mon-Fri 7 AM-6 PM, Sat 8 AM-2 PM, Sun closed"),
    ],
)
def test_hours_for_a_day_today_now_weekends_and_holidays(shop, question, now, must_say):
    topic, text = dealership_answer(question, shop, now)
    assert must_say in text, text


def test_a_holiday_closes_the_desk_for_handoff_promises_too(shop):
    thanksgiving_eve = datetime(2026, 11, 25, 19, 30, tzinfo=CHICAGO)
    assert "on Friday at 7:00 AM" in shop.staff_reply_promise(thanksgiving_eve)
    assert not shop.is_open(datetime(2026, 12, 25, 10, 0, tzinfo=CHICAGO), "service")


@pytest.mark.parametrize(
    ("question", "must_say"),
    [
        ("what's your number", "+1 555 010 2000"),
        ("ur phone #?", "+1 555 010 2000"),
        ("phone number for the parts department", "Parts: +1 555 010 2003"),
        ("email for sales", "sales@lakeside-corvane.example"),
        ("how do i get in touch with service", "service@lakeside-corvane.example"),
        ("where are you located", "1200 Harbor Road"),
        ("how do i get there from the highway", "exit 42"),
        ("where do i park when i drop off my car", "covered service drive"),
        ("do you have loaners", "Loaner cars"),
        ("how far will the shuttle take me", "within 10 miles"),
        ("is there wifi while i wait", "free Wi-Fi"),
    ],
)
def test_contact_location_and_amenities(shop, question, must_say):
    assert must_say in dealership_answer(question, shop, TUESDAY_3PM)[1]


@pytest.mark.parametrize(
    "question", ["how do i open the liftgate", "my car won't close the windows", "call me Dre"]
)
def test_vehicle_questions_are_not_mistaken_for_hours(shop, question):
    assert dealership_answer(question, shop, TUESDAY_3PM) is None


def test_every_dealer_edited_file_is_picked_up_without_a_restart(tmp_path):
    """dealership.yml, schedule.yml and the articles, read again by the one `Services` a process
    runs on; a broken dealership.yml keeps the last good version."""
    copy = tmp_path / "knowledge"
    shutil.copytree(SAMPLE, copy)
    services = Services(
        db.session_factory(make_url(f"sqlite:///{tmp_path / 'x.db'}")), copy, reload_seconds=0
    )
    assert services.dealership.phone == "+1 555 010 2000"
    path = copy / "dealership.yml"
    path.write_text(path.read_text().replace('phone: "+1 555 010 2000"', 'phone: "+1 555 010 9999"'))
    assert services.dealership.phone == "+1 555 010 9999"
    path.write_text(path.read_text().replace("  sales:\n", "  salez:\n"))  # broken: the last good stays
    assert services.dealership.phone == "+1 555 010 9999"
    schedule = copy / "schedule.yml"
    seats = services.schedule.clinics["ev-101"].seats
    schedule.write_text(schedule.read_text().replace(f"seats: {seats}", f"seats: {seats + 7}", 1))
    assert services.schedule.clinics["ev-101"].seats == seats + 7
    assert services.bookings.schedule is services.schedule
    (copy / "features" / "new-thing.md").write_text(
        "---\nid: new-thing\ntitle: Frunk light\naliases: [frunk light]\ncategory: comfort\n---\n"
        "The frunk light turns on when you open the front trunk.\n"
    )
    assert "new-thing" in services.knowledge.base.articles


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('    phone: "+1 555 010 2003"\n', "", "departments.parts.phone: missing field"),
        ("email: sales@lakeside-corvane.example", "email: sales", "departments.sales.email: not an email"),
        ("{date: 2026-11-26, name: Thanksgiving Day}", "{date: soon, name: Thanksgiving Day}", "holidays.0"),
        ('hours: "08:00-12:00"}', 'hours: "noon"}', "holidays.1.hours: must look like"),
        ("shuttle_radius_miles: 10", "shuttle_radius_miles: -3", "amenities.shuttle_radius_miles"),
        ("  sales:\n", "  salez:\n", "departments.salez: must be one of sales, service, parts"),
    ],
)
def test_dealership_problems_name_file_line_and_field(tmp_path, old, new, field):
    path = tmp_path / "dealership.yml"
    text = (SAMPLE / "dealership.yml").read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    _, problems = dealership.check(path)
    assert any(str(p).startswith(f"{path}:") and field in str(p) for p in problems), problems
    line = int(str(next(p for p in problems if field in str(p))).split(":")[1])
    assert line > 1


# --- 2. clinics -------------------------------------------------------------------------------


def test_clinic_facts_without_booking(router, kb):
    answer = ask(router, kb, "What happens at the EV class?")
    assert answer.kind == "clinic"
    assert "home and public charging" in answer.text and "60 minutes, free" in answer.text
    assert "Next sessions: Mon Dec 7, 6:30 PM (10 seats left)" in answer.text
    assert answer.buttons == [{"title": "Book the EV 101", "payload": "sign me up for the EV 101"}]
    teen = ask(router, kb, "is the teen clinic free, how long is it?")
    assert "150 minutes, free" in teen.text and "Ages 15-18" in teen.text and "learner's permit" in teen.text


def test_a_full_clinic_says_so(schedule):
    clinic = schedule.clinics["child-car-seat-check"]
    full = [SessionInfo(1, clinic.id, TUESDAY_3PM, 0)]
    assert "full" in clinic_facts(clinic, full) and "What to bring" in clinic_facts(clinic, full)


def test_a_parent_asking_for_a_car_seat_check_finds_the_clinic(schedule):
    assert schedule.clinic_in("can you check my kid's car seat is installed right") == "child-car-seat-check"


# --- 3. prices ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "must_say"),
    [
        ("What does a tire rotation cost?", "Tire rotation: $29.95."),
        ("how much for an oil change", "Oil change: from $69.95 (full synthetic oil and filter"),
        ("is the multi point inspection free", "Multi-point inspection: free"),
        ("how much is the tessa platinum", "The Tessa Platinum starts at $49,900 MSRP"),
        ("how much is a brio", "Base $26,200; Sport $30,450"),
    ],
)
def test_published_prices_are_quoted_with_the_note(router, kb, question, must_say):
    answer = ask(router, kb, question)
    assert answer.kind == "price" and must_say in answer.text, answer.text
    assert answer.buttons


def test_a_price_that_is_not_published_is_not_guessed(router, kb):
    answer = ask(router, kb, "how much is a new windshield")
    assert answer.kind == "unknown" and "$" not in answer.text
    assert answer.buttons == [{"title": "Talk to a person", "payload": "/human_handoff"}]


def test_model_prices_send_deals_to_a_person(kb):
    assert "out-the-door price, a deal or financing, our sales team" in model_price(
        kb.base.lineup, "Ion", None
    )


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("price: 29.95}", "price: -5}", "service.menu.tire-rotation.price: must be a number of dollars"),
        ("price: 29.95}", "price: 29.95, price_from: 20}", "price_from: give either"),
        ("price: 89.95}", "price: lots}", "ev-battery-health-check.price: must be a number"),
    ],
)
def test_schedule_prices_are_checked(tmp_path, shop, old, new, expected):
    path = tmp_path / "schedule.yml"
    path.write_text((SAMPLE / "schedule.yml").read_text().replace(old, new, 1))
    problems = [str(p) for p in load_schedule(path, shop.tz)[1]]
    assert any(expected in p for p in problems), problems


def test_lineup_prices_are_checked(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(SAMPLE, copy)
    lineup = copy / "lineup.yml"
    lineup.write_text(lineup.read_text().replace("msrp_from: 25900", "msrp_from: cheap", 1))
    problems = [str(p) for p in Knowledge.build(copy).base.problems]
    assert any("models.Lumen.trims.SE.msrp_from: must be a number of dollars" in p for p in problems), (
        problems
    )


def test_no_text_the_assistant_can_send_has_an_amount_that_is_not_in_knowledge(kb, schedule, router):
    """Domain responses, and every answer built over every knowledge item."""
    allowed = set(AMOUNT.findall(" ".join(p.read_text() for p in SAMPLE.rglob("*") if p.is_file())))
    allowed |= {_money(s.price or s.price_from or 0) for s in schedule.services.values()}
    lineup = kb.base.lineup
    allowed |= {_money(t.msrp_from) for m in lineup.models.values() for t in m.trims.values() if t.msrp_from}
    said = [
        r["text"] for rs in yaml.safe_load(Path("domain.yml").read_text())["responses"].values() for r in rs
    ]
    said += [service_price(s) or "" for s in schedule.services.values()]
    said += [model_price(lineup, m, t) for m in lineup.models for t in (None, *lineup.models[m].trims)]
    said += [clinic_facts(c, sessions_of(schedule, c.id)) for c in schedule.clinics.values()]
    questions = ["how much is it", "what are your hours", "holiday hours", "what's your number", "loaners?"]
    questions += [f"how much is a {s.name}" for s in schedule.services.values()]
    questions += [f"what's due at {n},000 miles on the {m}" for m in lineup.models for n in (7, 15, 30, 60)]
    questions += [f"{m} maintenance schedule" for m in lineup.models]
    questions += [
        f"does the {m} {t} have {a.title}"
        for m in lineup.models
        for t in lineup.models[m].trims
        for a in list(kb.base.articles.values())[:10]
    ]
    questions += [f"how do I use {a.title}" for a in kb.base.articles.values()]
    said += [ask(router, kb, q).text for q in questions]
    strays = {a for text in said for a in AMOUNT.findall(text)} - allowed
    assert not strays, strays
    assert any("$29.95" in s for s in said) and any("$49,900" in s for s in said)


def _money(amount: float) -> str:
    return f"${amount:,.2f}" if amount != int(amount) else f"${int(amount):,}"


# --- 4. maintenance ---------------------------------------------------------------------------


def test_intervals_per_model_and_the_ion_has_no_oil(kb):
    schedules = kb.base.maintenance
    brio = maintenance_answer("How often does my Brio need new oil?", schedules, "Brio", None)
    assert "every 7,500 miles or 12 months" in brio.text and brio.services == ("oil-change",)
    ion = maintenance_answer("does the ion need oil changes", schedules, "Ion", None)
    assert "no engine oil" in ion.text and ion.services == ()
    due = maintenance_answer("what's due at 30k", schedules, "Tessa", None)
    assert "At 30,000 miles the Tessa is due for" in due.text and "engine air filter" in due.text
    nxt = maintenance_answer("when is my next service due", schedules, "Tessa", 31200)
    assert "next service is at 37,500 miles" in nxt.text and "31,200" in nxt.text


def test_interval_questions_answer_with_a_book_button_and_never_book(router, kb):
    answer = ask(router, kb, "how often should i rotate the tires on my forge")
    assert answer.kind == "maintenance" and "every 7,500 miles" in answer.text
    assert answer.buttons == [{"title": "Book it", "payload": "I'd like to book tire rotation"}]
    mine = ask(router, kb, "when is my next service", vehicles=(VehicleRef("Lumen", "SE", 2024, 14100),))
    assert "next service is at 15,000 miles" in mine.text and "cabin air filter" in mine.text


def test_maintenance_problems_name_file_line_and_field(tmp_path):
    copy = tmp_path / "knowledge"
    shutil.copytree(SAMPLE, copy)
    path = copy / "maintenance.yml"
    path.write_text(path.read_text().replace("  Brio: {items: *gas}", "  Brioo: {items: *gas}"))
    path.write_text(path.read_text().replace("miles: 150000", "miles: -1"))
    problems = [str(p) for p in Knowledge.build(copy).base.problems]
    assert any("maintenance.yml:" in p and "models.Brioo: unknown model 'Brioo'" in p for p in problems)
    assert any("models.Ion.items.4: 'miles' and 'months' must be positive" in p for p in problems)


# --- 5. the customer's car --------------------------------------------------------------------


def test_a_stated_car_is_kept_and_answers_are_for_it(router, kb):
    stated = ask(router, kb, "I drive a 2024 Lumen SE", intent="ask_vehicle")
    assert stated.kind == "vehicle_stated" and stated.vehicle == VehicleRef("Lumen", "SE", 2024)
    mine = stated.vehicle
    bsm = ask(
        router, kb, "does it have blind spot monitoring?", "ask_vehicle", context=stated.context, mine=mine
    )
    assert (bsm.verdict, bsm.model, bsm.trim) == ("yes", "Lumen", "SE")
    hud = ask(router, kb, "does it have a heads up display", "ask_vehicle", context=bsm.context, mine=mine)
    assert hud.verdict == "no" and "Tessa Platinum" in hud.text
    trims = ask(
        router, kb, "which trim would I need for that?", "ask_vehicle", context=bsm.context, mine=mine
    )
    assert "SE and Limited (not the LE)" in trims.text
    other = ask(router, kb, "does the tessa le have it", "ask_vehicle", context=hud.context, mine=mine)
    assert other.model == "Tessa"  # another model for that question only
    again = ask(router, kb, "does mine have heated seats", "ask_vehicle", context=other.context, mine=mine)
    assert (again.model, again.trim, again.verdict) == ("Lumen", "SE", "yes")


def test_a_trim_the_model_does_not_have_asks_which(router, kb):
    stated = ask(router, kb, "I drive a 2024 Lumen XLE", intent="ask_vehicle")
    assert stated.vehicle == VehicleRef("Lumen", None, 2024) and "LE, SE or Limited" in stated.text


def test_a_stated_car_with_a_question_answers_it(router, kb):
    answer = ask(
        router, kb, "I have a 2023 Forge Trail, does it have a trailer brake controller?", "ask_vehicle"
    )
    assert answer.vehicle == VehicleRef("Forge", "Trail", 2023) and answer.verdict == "yes"


def test_features_of_my_car_by_category(router, kb):
    mine = VehicleRef("Tessa", "Platinum", 2025)
    safety = ask(router, kb, "what safety features does mine have?", "ask_vehicle", mine=mine)
    assert safety.kind == "features" and "blind spot monitoring" in safety.text
    assert "ventilated" not in safety.text.lower()
    comfort = ask(router, kb, "what comfort features does my car have", "ask_vehicle", mine=mine)
    assert "ventilated" in comfort.text.lower() and "blind spot" not in comfort.text


def test_the_profile_car_is_never_asked_for_again(router, kb):
    one = ask(
        router, kb, "does my car have remote start", "ask_vehicle", vehicles=(VehicleRef("Forge", "Work"),)
    )
    assert one.verdict == "yes"
    two = ask(
        router,
        kb,
        "does my car have remote start",
        "ask_vehicle",
        vehicles=(VehicleRef("Forge", "Work"), VehicleRef("Lumen")),
    )
    assert two.kind == "pick_vehicle" and len(two.buttons) == 2


# --- 6. search before giving up ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "intent", "kind", "must_say"),
    [
        ("it beeps when i'm reversing", "ask_vehicle", "howto", "Parking sensors"),
        ("beeping when backing up", "nlu_fallback", "howto", "Parking sensors"),
        ("whats ur number", "ask_vehicle", "facts", "+1 555 010 2000"),
        ("towing capacity of the tessa", "ask_info", "spec", "5,000 lb"),
        ("closing time?", "nlu_fallback", "facts", "Today"),
        ("asdf qwer zxcv", "nlu_fallback", "fallback", ""),
    ],
)
def test_every_question_gets_one_search_over_everything(router, kb, question, intent, kind, must_say):
    answer = ask(router, kb, question, intent)
    assert answer.kind == kind and must_say in answer.text, answer.text


def test_a_follow_up_keeps_the_context(router, kb):
    first = ask(router, kb, "how much can the forge trail tow", "ask_vehicle")
    assert "12,500 lb" in ask(router, kb, "what about the Summit?", "ask_vehicle", context=first.context).text
    assert isinstance(first.context, Context)
