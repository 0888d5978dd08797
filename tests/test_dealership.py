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
