"""Rewards for a better record: the dealer's rewards.yml checked with messages a dealer reads,
a reward issued exactly once when (and only when) the record has every detail it requires, the
assistant mentioning it only at the optional email question, staff redeeming it once (audited,
logged-in only), and the dashboard's counts."""

from __future__ import annotations

import ast
import random
import shutil
import threading
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient, TestServer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy import delete, select
from sqlalchemy.engine import URL

from actions.contact import ActionSaveContactDetails, ValidateContactForm
from bot import config, db
from bot.cli import cmd_check_knowledge
from bot.profile import ContactDetails, VehicleDetails
from bot.profile.models import Contact, Customer, Email
from bot.reports.rewards import rewards_and_quality
from bot.rewards import REQUIREMENTS, RewardProblem, issue_earned, load, redeem, rewards_of
from bot.rewards.models import IssuedReward
from bot.services import Services
from bot.web.app import create_app
from tests.console_client import log_in
from tests.dealer import TZ
from tests.staff import STAFF_TOKEN
from tests.test_actions import domain

GENERATED = settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
REWARDS = """\
rewards:
  - id: car-wash
    name: a free car wash
    requires: [household, vehicle_mileage, email]
  - id: coffee
    name: a coffee on us
    requires: [phone]
"""


def services_with(url: URL, folder: Path, rewards: str = REWARDS) -> Services:
    """Services on `url` with the sample knowledge/ and these rewards."""
    knowledge = folder / "knowledge"
    if not knowledge.exists():
        shutil.copytree(config.knowledge_dir(), knowledge)
    (knowledge / "rewards.yml").write_text(rewards, encoding="utf-8")
    return Services(db.session_factory(url), knowledge, reload_seconds=0)


@pytest.fixture
def rewarding(database_url: URL, tmp_path: Path) -> Services:
    return services_with(database_url, tmp_path)


# Each detail as the conversation (or staff) saves it.
def give(services: Services, customer: int, detail: str, n: int = 0) -> int:
    profiles = services.profiles
    if detail == "email":
        return profiles.record_contact_details(customer, ContactDetails(email=f"c{customer}-{n}@example.com"))
    if detail == "phone":
        return profiles.record_contact_details(customer, ContactDetails(phone=f"+1555{customer:03d}{n:04d}"))
    if detail == "household":
        profiles.add_household_member(customer, f"Kid {n}", "child", None)
    elif detail == "vehicle_mileage":
        profiles.add_vehicle(customer, VehicleDetails("Ion", year=2020 + n % 5, mileage=1000 * (n + 1)))
    elif detail == "vehicle_vin":
        profiles.add_vehicle(customer, VehicleDetails("Ion", vin=f"1CRVN{n:012d}"))
    elif detail == "vehicle":
        profiles.add_vehicle(customer, VehicleDetails("Lumen", year=2018 + n % 5))
    return customer


def new_customer(services: Services) -> int:
    with services.sessions.begin() as session:
        customer = Customer()
        session.add(customer)
        session.flush()
        return customer.id


def issued_rows(services: Services, customer: int) -> list[tuple[str, str]]:
    with services.sessions() as session:
        return session.execute(
            select(IssuedReward.reward_id, IssuedReward.code).where(IssuedReward.customer_id == customer)
        ).all()


# --- knowledge/rewards.yml -------------------------------------------------------------------


def test_the_sample_rewards_file_is_clean():
    rewards, problems = load(config.knowledge_dir() / "rewards.yml")
    assert problems == [] and [r.id for r in rewards] == ["car-wash"]


def test_a_bad_rewards_file_names_line_and_field_in_words_a_dealer_understands(tmp_path):
    path = tmp_path / "rewards.yml"
    path.write_text(
        "rewards:\n"
        "  - id: car-wash\n"
        "    name: a free car wash\n"
        "    requires: [household, mileage]\n"
        "  - id: coffee\n"
        "    name: a coffee\n"
        "    requires: [phone]\n"
        "  - id: coffee\n"
        "    name: another coffee\n"
        "    requires: [email]\n"
        "  - id: Bad Id\n"
        "    requires: []\n",
        encoding="utf-8",
    )
    rewards, problems = load(path)
    assert [r.id for r in rewards] == ["coffee"]  # the good one is kept
    said = [str(p) for p in problems]
    assert f"{path}:4: rewards[0].requires: unknown requirement 'mileage'; use one of: " in said[0]
    assert "vehicle_mileage" in said[0]
    assert said[1] == f"{path}:8: rewards[2].id: duplicate id 'coffee': each reward needs its own"
    assert said[2].startswith(f"{path}:11: rewards[3].id: must be a short id of lowercase letters")
    assert said[3] == f"{path}:11: rewards[3].name: must say what the customer gets, e.g. a free car wash"
    assert said[4].startswith(f"{path}:12: rewards[3].requires: must list the details needed")
    assert len(said) == 5


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("rewards: [\n", "rewards: unreadable"),
        ("- id: car-wash\n", "rewards: must be a list of rewards, each with id, name and requires"),
        ("rewards:\n  - car-wash\n", "rewards[0]: must be a mapping with id, name and requires"),
    ],
)
def test_an_unusable_rewards_file_says_why(tmp_path, text, message):
    path = tmp_path / "rewards.yml"
    path.write_text(text, encoding="utf-8")
    assert message in str(load(path)[1][0])


def test_check_knowledge_lists_the_rewards_problems_and_fails(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "knowledge"
    shutil.copytree(config.knowledge_dir(), folder)
    (folder / "rewards.yml").write_text(
        "rewards:\n  - id: wash\n    name: a wash\n    requires: [email, shoe_size]\n", encoding="utf-8"
    )
    monkeypatch.setenv("KNOWLEDGE_DIR", str(folder))
    with pytest.raises(SystemExit) as exit_:
        cmd_check_knowledge(None)
    printed = capsys.readouterr().out
    assert f"{folder / 'rewards.yml'}:4: rewards[0].requires: unknown requirement 'shoe_size'" in printed
    assert "1 problem(s)" in str(exit_.value)


def test_a_broken_rewards_file_leaves_the_broken_reward_out_and_keeps_the_rest(database_url, tmp_path):
    services = services_with(
        database_url, tmp_path, REWARDS + "  - id: coffee\n    name: dup\n    requires: [email]\n"
    )
    assert [r.id for r in services.rewards] == ["car-wash", "coffee"]


# --- issuing ---------------------------------------------------------------------------------


@GENERATED
@given(
    steps=st.lists(
        st.sampled_from(["email", "phone", "household", "vehicle_mileage", "vehicle_vin", "vehicle"]),
        max_size=12,
    )
)
def test_a_reward_is_issued_once_exactly_when_the_record_has_everything_it_requires(rewarding, steps):
    customer = new_customer(rewarding)
    given_so_far: set[str] = set()
    told: list[str] = []
    for n, detail in enumerate(steps):
        customer = give(rewarding, customer, detail, n)
        given_so_far.add(detail)
        told += [i.reward_id for i in issue_earned(rewarding, customer)]
        earned = {r.id for r in rewarding.rewards if r.requires <= given_so_far}
        rows = issued_rows(rewarding, customer)
        assert sorted(r for r, _ in rows) == sorted(earned)  # none early, none missing
        assert sorted(told) == sorted(earned)  # the customer was told each once
    codes = [code for _, code in issued_rows(rewarding, customer)]
    assert all(len(c) == 9 and c[4] == "-" for c in codes) and len(set(codes)) == len(codes)


@pytest.mark.parametrize("callers", [2, 6])
def test_concurrent_updates_issue_the_reward_once_and_only_one_tells_the_customer(rewarding, callers):
    customer = new_customer(rewarding)
    for n, detail in enumerate(["household", "vehicle_mileage", "email", "phone"]):
        customer = give(rewarding, customer, detail, n)
    start = threading.Barrier(callers)
    results: list[list[str]] = []

    def update() -> None:
        start.wait()
        results.append([i.reward_id for i in issue_earned(rewarding, customer)])

    threads = [threading.Thread(target=update) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    told = sorted(r for result in results for r in result)
    assert told == ["car-wash", "coffee"] and len(results) == callers
    assert sorted(r for r, _ in issued_rows(rewarding, customer)) == ["car-wash", "coffee"]


def test_no_rewards_file_issues_nothing(database_url, tmp_path):
    folder = tmp_path / "knowledge"
    shutil.copytree(config.knowledge_dir(), folder)
    (folder / "rewards.yml").unlink()
    services = Services(db.session_factory(database_url), folder)
    customer = new_customer(services)
    for n, detail in enumerate(REQUIREMENTS):
        customer = give(services, customer, detail, n)
    assert services.rewards == () and issue_earned(services, customer) == []


def test_merged_households_keep_one_of_each_reward(rewarding):
    first, second = new_customer(rewarding), new_customer(rewarding)
    for customer in (first, second):
        give(rewarding, customer, "phone", customer)
        assert [i.reward_id for i in issue_earned(rewarding, customer)] == ["coffee"]
    # The second household gives the first one's number: one household, one coffee.
    survivor = rewarding.profiles.record_contact_details(
        second, ContactDetails(phone=f"+1555{first:03d}{first:04d}")
    )
    assert survivor == first
    assert [r for r, _ in issued_rows(rewarding, first)] == ["coffee"]
    assert issued_rows(rewarding, second) == []


# --- in the conversation ---------------------------------------------------------------------


def form_turn(sender: str, requested: str, text: str, slots: dict) -> Tracker:
    """The contact form's validation call after the customer answered `requested` with `text`."""
    return Tracker.from_dict(
        {
            "sender_id": sender,
            "slots": {"requested_slot": requested, **slots},
            "latest_message": {"text": text, "intent": {"name": "inform", "confidence": 0.9}},
            "events": [
                {"event": "user", "text": text, "input_channel": "rest", "timestamp": 0},
                {"event": "slot", "name": requested, "value": slots[requested], "timestamp": 0},
            ],
            "paused": False,
            "followup_action": None,
            "active_loop": {"name": "contact_form"},
            "latest_action_name": "action_listen",
        }
    )


async def contact_form_says(services: Services, tracker: Tracker) -> list[str]:
    dispatcher = CollectingDispatcher()
    await ValidateContactForm(services).run(dispatcher, tracker, domain())
    return [m["response"] for m in dispatcher.messages]


@pytest.mark.parametrize(
    ("before", "mention"),
    [
        ([], "utter_reward_mention"),  # counts toward it
        (["household"], "utter_reward_mention"),
        (["household", "vehicle_mileage"], "utter_reward_mention_completes"),  # an email completes it
        (["email"], None),  # already on file
    ],
)
async def test_the_email_question_mentions_the_reward_an_address_counts_toward(rewarding, before, mention):
    sender = f"mention-{'-'.join(before) or 'none'}"
    customer = rewarding.profiles.customer_for_sender("rest", sender)
    for n, detail in enumerate(before):
        give(rewarding, customer, detail, n)
    # Name given: the phone question comes next, asked by Rasa itself, with no mention.
    named = form_turn(sender, "customer_name", "Pat Doe", {"customer_name": "Pat Doe", "phone": None})
    assert await contact_form_says(rewarding, named) == []
    # Number given: the email question, with the mention (a phone is no detail the car wash needs).
    phoned = form_turn(sender, "phone", "555-010-0199", {"customer_name": "Pat Doe", "phone": "555-010-0199"})
    said = await contact_form_says(rewarding, phoned)
    assert said == ["utter_ask_contact_email", *([mention] if mention else [])]


async def test_the_email_question_says_nothing_of_a_reward_already_issued(rewarding):
    sender = "mention-issued"
    customer = rewarding.profiles.customer_for_sender("rest", sender)
    for n, detail in enumerate(["household", "vehicle_mileage", "email"]):
        give(rewarding, customer, detail, n)
    issue_earned(rewarding, customer)
    with rewarding.sessions.begin() as session:  # the address was removed since; the reward stays
        contacts = select(Contact.id).where(Contact.customer_id == customer)
        session.execute(
            delete(Email).where(Email.contact_id.in_(contacts)).execution_options(synchronize_session=False)
        )
    phoned = form_turn(sender, "phone", "555-010-0198", {"customer_name": "Pat", "phone": "555-010-0198"})
    said = await contact_form_says(rewarding, phoned)
    assert "utter_reward_mention" not in said and "utter_reward_mention_completes" not in said


def test_only_the_optional_email_question_mentions_a_reward():
    """A reward is never a condition for an answer: the mention is said in one place only."""
    named_in = set()
    for path in sorted(
        [*(config.PROJECT_ROOT / "actions").rglob("*.py"), *(config.PROJECT_ROOT / "bot").rglob("*.py")]
    ):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and str(node.value).startswith("utter_reward_mention"):
                named_in.add(path.name)
            calls = isinstance(node, ast.Call) and "mention_for" in {
                getattr(n, "id", "") for n in [node.func, *node.args]
            }
            if calls:  # mention_for(...) or asyncio.to_thread(mention_for, ...): for which detail
                details = [a.value for a in node.args if isinstance(a, ast.Constant)]
                named_in.add(f"{path.name}:{','.join(details)}")
    assert named_in == {"contact.py", "contact.py:email"}


async def test_saving_the_detail_that_completes_the_record_tells_the_code_once(rewarding):
    sender = "completes"
    customer = rewarding.profiles.customer_for_sender("rest", sender)
    give(rewarding, customer, "household", 1)
    give(rewarding, customer, "vehicle_mileage", 1)
    said_each_time = []
    for _ in range(2):
        form = Tracker.from_dict(
            {
                "sender_id": sender,
                "slots": {"customer_name": "Pat", "email": "pat.completes@example.com"},
                "latest_message": {"text": "pat.completes@example.com"},
                "events": [{"event": "user", "text": "x", "input_channel": "rest", "timestamp": 0}],
                "paused": False,
                "followup_action": None,
                "active_loop": {},
                "latest_action_name": "action_listen",
            }
        )
        dispatcher = CollectingDispatcher()
        await ActionSaveContactDetails(rewarding).run(dispatcher, form, domain())
        said_each_time.append([m for m in dispatcher.messages if m["response"] == "utter_reward_issued"])
    (code,) = [c for r, c in issued_rows(rewarding, customer) if r == "car-wash"]
    assert said_each_time == [[{**said_each_time[0][0], "reward": "a free car wash", "code": code}], []]


# --- the console -----------------------------------------------------------------------------


@pytest.fixture
async def console(rewarding: Services):
    app = create_app(rewarding, staff_token=STAFF_TOKEN, rasa_url="http://127.0.0.1:9")
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_staff_redeem_a_code_once_and_the_audit_trail_says_who(rewarding, console):
    customer = new_customer(rewarding)
    customer = give(rewarding, customer, "phone", 7)
    (issued,) = issue_earned(rewarding, customer)
    page = f"/staff/customers/{customer}"
    refused = await console.post(f"{page}/rewards/{issued.code}/redeem", data={}, allow_redirects=False)
    assert refused.status == 401  # not logged in
    assert rewards_of(rewarding, customer)[0]["redeemed_at"] is None

    staff = await log_in(console, STAFF_TOKEN, "Robin Desk")
    status, html = await staff.page(page)
    assert status == 200 and issued.code in html and "Mark redeemed" in html
    done = await staff.post(f"{page}/rewards/{issued.code.lower()}/redeem", {}, page)
    assert done.status == 303 and "redeemed" in done.headers["Location"]
    (row,) = rewards_of(rewarding, customer)
    assert row["redeemed_by"] == "Robin Desk" and row["redeemed_at"]
    audit = rewarding.profiles.audit_trail(customer)
    assert audit[0]["action"] == "reward_redeemed" and audit[0]["detail"]["code"] == issued.code

    again = await staff.post(f"{page}/rewards/{issued.code}/redeem", {}, page)
    assert (
        again.status == 400
        and f"Not redeemed: Reward {issued.code} was already redeemed." in await again.text()
    )
    unknown = await staff.post(f"{page}/rewards/XXXX-XXXX/redeem", {}, page)
    assert unknown.status == 400 and "No reward with code XXXX-XXXX on this customer" in await unknown.text()
    assert rewards_of(rewarding, customer) == [row]  # nothing lost or changed


async def test_a_household_member_added_in_the_console_can_complete_the_record(rewarding, console):
    customer = new_customer(rewarding)
    customer = give(rewarding, customer, "email", 1)
    give(rewarding, customer, "vehicle_mileage", 1)
    staff = await log_in(console, STAFF_TOKEN)
    page = f"/staff/customers/{customer}"
    added = await staff.post(f"{page}/household", {"name": "Sam Lee", "relation": "spouse"}, page)
    assert added.status == 303
    assert [r["reward_id"] for r in rewards_of(rewarding, customer)] == ["car-wash"]


def test_redeeming_another_customers_code_is_refused(rewarding):
    owner, other = new_customer(rewarding), new_customer(rewarding)
    owner = give(rewarding, owner, "phone", 3)
    (issued,) = issue_earned(rewarding, owner)
    with pytest.raises(RewardProblem, match="No reward with code"):
        redeem(rewarding, "Sam", other, issued.code)


# --- the dashboard ---------------------------------------------------------------------------


@GENERATED
@given(seed=st.integers(0, 10_000))
def test_the_dashboard_counts_rewards_and_record_quality_by_week(rewarding, seed):
    rng = random.Random(seed)
    start = datetime(2026, 9, 7, tzinfo=TZ)  # a Monday
    end = start + timedelta(weeks=4)
    weeks = [date(2026, 9, 7) + timedelta(weeks=n) for n in range(4)]
    with rewarding.sessions.begin() as session:  # a clean slate per example
        session.execute(IssuedReward.__table__.delete())
        session.execute(Customer.__table__.delete())
    expected_issued, expected_redeemed = [0] * 4, [0] * 4
    expected_quality: dict[int, list[int]] = {}
    for n in range(rng.randint(0, 12)):
        joined = start + timedelta(days=rng.uniform(-10, 38))
        customer = new_customer(rewarding)
        with rewarding.sessions.begin() as session:
            session.get(Customer, customer).created_at = joined.astimezone(timezone.utc).replace(tzinfo=None)
        for detail in rng.sample(["email", "phone", "household", "vehicle_mileage"], rng.randint(0, 4)):
            give(rewarding, customer, detail, n)
        for issued in issue_earned(rewarding, customer):
            at = start + timedelta(days=rng.uniform(-5, 33))
            redeemed = at + timedelta(days=rng.uniform(0, 10)) if rng.random() < 0.5 else None
            with rewarding.sessions.begin() as session:
                row = session.scalar(select(IssuedReward).where(IssuedReward.code == issued.code))
                row.issued_at = at.astimezone(timezone.utc).replace(tzinfo=None)
                row.redeemed_at = redeemed and redeemed.astimezone(timezone.utc).replace(tzinfo=None)
            for moment, counts in ((at, expected_issued), (redeemed, expected_redeemed)):
                if moment is not None and start <= moment < end:
                    counts[(moment - start).days // 7] += 1
        contacts = rewarding.profiles.profile(customer)["contacts"]
        phones = [p for c in contacts for p in c["phones"]]
        if contacts and start <= joined < end:
            score = 20 * sum(
                [
                    True,  # a phone or email: every contact here has one
                    any(c["email_addresses"] for c in contacts),
                    bool(rewarding.profiles.profile(customer)["household"]),
                    False,  # vehicles here have no VIN
                    bool(phones) and all(p["sms_consent"] is not None for p in phones),
                ]
            )
            expected_quality.setdefault(score, [0] * 4)[(joined - start).days // 7] += 1
    report = rewards_and_quality(rewarding.sessions, TZ, weeks, start, end)
    assert report["rewards_by_week"] == {"issued": expected_issued, "redeemed": expected_redeemed}
    assert report["issued"] == sum(expected_issued) and report["redeemed"] == sum(expected_redeemed)
    for score in range(0, 101, 20):
        assert report["quality_by_week"][f"score {score}"] == expected_quality.get(score, [0] * 4)


async def test_the_dashboard_page_shows_rewards_next_to_record_quality(rewarding, console):
    customer = give(rewarding, new_customer(rewarding), "phone", 9)
    (issued,) = issue_earned(rewarding, customer)
    redeem(rewarding, "Sam", customer, issued.code)
    staff = await log_in(console, STAFF_TOKEN)
    today = datetime.now(TZ).date()
    status, html = await staff.page(
        f"/staff/dashboard?from={today - timedelta(days=7)}&to={today + timedelta(days=1)}"
    )
    assert status == 200
    assert "<strong>1</strong> issued · <strong>1</strong> redeemed in this period" in html
    assert "Rewards: 1 issued, 1 redeemed, by week" in html
    assert "Record quality of each week&#39;s new customers" in html or "Record quality of each week" in html
