"""Logging in to the staff console the way a browser does (form post, cookie, CSRF from the page)."""

from __future__ import annotations

import re
from typing import Any

COOKIE = "concierge_staff"


class Staff:
    """A logged-in staff member: GETs with the cookie, form POSTs with the page's CSRF token."""

    def __init__(self, client: Any, cookie: str) -> None:
        self.client = client
        self.headers = {"Cookie": f"{COOKIE}={cookie}"}

    async def page(self, path: str) -> tuple[int, str]:
        response = await self.client.get(path, headers=self.headers, allow_redirects=False)
        return response.status, await response.text()

    async def post(self, path: str, form: dict[str, str], page: str) -> Any:
        """Post a form found on `page`, as the browser would (with that page's CSRF token)."""
        _, html = await self.page(page)
        csrf = re.search(r'name="csrf" value="(\w+)"', html).group(1)
        return await self.client.post(
            path, data={**form, "csrf": csrf}, headers=self.headers, allow_redirects=False
        )


async def log_in(client: Any, token: str, name: str = "Sam Staff") -> Staff:
    response = await client.post(
        "/staff/login", data={"token": token, "name": name, "next": "/staff/customers"}, allow_redirects=False
    )
    assert response.status == 303, await response.text()
    return Staff(client, response.cookies[COOKIE].value)
