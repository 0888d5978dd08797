"""One process of the overbooking race: many threads book the same target at the same moment.

    python -m tests.booking_race DATABASE_URL clinic|service TARGET THREADS START_AT
Prints one JSON line: the results ("ok" or the reason given).
"""

from __future__ import annotations

import json
import sys
import threading
import time
from datetime import datetime

from sqlalchemy.engine import make_url

from bot import db
from bot.booking import BookingStore
from bot.profile import ProfileStore
from tests.dealer import SCHEDULE, TZ


def main(url: str, kind: str, target: str, threads: int, start_at: float) -> None:
    sessions = db.session_factory(make_url(url))
    store = BookingStore(sessions, SCHEDULE)
    profiles = ProfileStore(sessions)
    customers = [
        profiles.customer_for_sender("race", f"racer-{kind}-{n}-{time.time_ns()}") for n in range(threads)
    ]
    results: list[str] = []
    lock = threading.Lock()
    now = datetime.now(TZ)

    def book(customer: int) -> None:
        time.sleep(max(0.0, start_at - time.time()))  # every thread, in both processes, goes at once
        if kind == "clinic":
            result = store.book_clinic(customer, int(target), 1, [{"name": "Racer"}], now)
        else:
            start = datetime.fromisoformat(target)
            result = store.book_service(customer, start, ["tire-rotation"], {"model": "Brio"}, "wait", now)
        with lock:
            results.append("ok" if result.ok else f"{result.reason}|alternatives={len(result.alternatives)}")

    workers = [threading.Thread(target=book, args=(c,)) for c in customers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    print(json.dumps(results))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), float(sys.argv[5]))
