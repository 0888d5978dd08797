"""The web app's access log without query strings, which carry customer data (`?phone=`, `?q=`)."""

from __future__ import annotations

from aiohttp.abc import AbstractAccessLogger
from aiohttp.web import BaseRequest, StreamResponse


class PathOnlyAccessLogger(AbstractAccessLogger):
    """Method, path, status, size and time: enough to operate the app, nothing about the customer.

    Referer and User-Agent are left out too: a staff page's referer is a search URL.
    """

    def log(self, request: BaseRequest, response: StreamResponse, time: float) -> None:
        self.logger.info(
            '%s "%s %s" %s %s %.3fs',
            request.remote,
            request.method,
            request.path,
            response.status,
            response.body_length,
            time,
        )
