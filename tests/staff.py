"""The staff token the in-process web app of the tests (fixture `staff_api`) accepts."""

STAFF_TOKEN = "test-staff-token"
AUTH = {"Authorization": f"Bearer {STAFF_TOKEN}"}
