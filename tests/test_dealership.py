from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import dealership
from tests.dealer import SHOP

CHICAGO = ZoneInfo("America/Chicago")


def at(*args: int) -> datetime:
    return datetime(*args, tzinfo=CHICAGO)


def test_sample_dealership_file_loads():
    lakeside = SHOP
    assert lakeside.name == "Lakeside Corvane"
    assert lakeside.tz.key == "America/Chicago"


def test_during_opening_hours_staff_reply_shortly():
    # Wednesday 25 Nov 2026, 10:00
    assert "shortly" in SHOP.staff_reply_promise(at(2026, 11, 25, 10, 0))


def test_after_closing_staff_reply_the_next_morning():
    promise = SHOP.staff_reply_promise(at(2026, 11, 18, 19, 30))
    assert "tomorrow at 7:00 AM" in promise


def test_before_opening_staff_reply_the_same_day():
    promise = SHOP.staff_reply_promise(at(2026, 11, 25, 6, 15))
    assert "today at 7:00 AM" in promise


def test_saturday_afternoon_waits_for_monday():
    # Saturday closes at 14:00; Sunday is closed.
    promise = SHOP.staff_reply_promise(at(2026, 11, 28, 15, 0))
    assert "on Monday at 7:00 AM" in promise


def test_times_in_other_zones_are_converted():
    utc_evening = datetime(2026, 11, 26, 1, 0, tzinfo=ZoneInfo("UTC"))  # 19:00 in Chicago
    assert not SHOP.is_open(utc_evening)


def test_a_broken_hours_line_names_file_and_field(tmp_path):
    path = tmp_path / "dealership.yml"
    path.write_text("name: X\nphone: '1'\ntimezone: America/Chicago\nhours:\n  monday: '9 to 5'\n")
    with pytest.raises(dealership.DealershipFileError, match="hours.monday") as error:
        dealership.load(path)
    assert str(path) in str(error.value)


def test_the_sample_file_lists_staff_on_duty_in_order():
    sales = SHOP.staff_on_duty("sales")
    assert [p.first_name for p in sales] == ["Dana", "Luis"]
    assert sales[0].mobile == "+15550102101" and sales[0].email == "dana@lakeside-corvane.example"
    assert [p.first_name for p in SHOP.staff_on_duty("service")] == ["Priya", "Tom"]
    assert SHOP.staff_on_duty("parts") == () and SHOP.handoff_department == "sales"


def test_broken_staff_entries_name_file_line_and_field(tmp_path):
    path = tmp_path / "dealership.yml"
    path.write_text(
        "name: X\nphone: '1'\ntimezone: America/Chicago\nhours:\n  monday: '09:00-17:00'\n"
        "handoff_department: finance\n"
        "departments:\n"
        "  sales:\n"
        "    hours: {monday: '09:00-17:00'}\n"
        "    phone: '2'\n"
        "    email: s@x.example\n"
        "    staff:\n"
        "      - {name: Ann Lee, mobile: '555-0101', email: ann@x.example}\n"
        "      - {role: Manager, mobile: '+15550100102'}\n"
        "      - {name: Bo, email: not-an-address}\n"
        "      - {name: Cy}\n"
        "      - {name: Di Ray, mobile: '+1 555 010 0105', pager: '42'}\n"
    )
    shop, problems = dealership.check(path)
    found = {(p.line, p.field) for p in problems}
    assert found == {
        (6, "handoff_department"),
        (13, "departments.sales.staff.0.mobile"),
        (14, "departments.sales.staff.1.name"),
        (15, "departments.sales.staff.2.email"),
        (16, "departments.sales.staff.3.mobile"),
        (17, "departments.sales.staff.4.pager"),
    }, problems
    assert all(str(path) in str(p) for p in problems)
    # What is usable is kept: the well-formed entry (an unknown extra field is only reported).
    assert shop is not None and [p.name for p in shop.staff_on_duty("sales")] == ["Di Ray"]
    assert shop.handoff_department == "sales"
