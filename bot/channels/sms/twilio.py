"""Sending one SMS through Twilio's REST API (the Messages resource), with errors we can act on."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot.config import Twilio


class TwilioError(Exception):
    """A send that failed; `retryable` says whether trying again later may work."""

    def __init__(self, status: int | None, code: int | None, message: str) -> None:
        super().__init__(f"{status or 'network'} {code or ''}: {message}".replace(" :", ":"))
        self.status = status
        self.code = code
        # No answer, throttling or Twilio's own trouble may pass; a 4xx about the message won't.
        self.retryable = status is None or status == 429 or status >= 500


class TwilioClient:
    def __init__(self, settings: Twilio, session: aiohttp.ClientSession) -> None:
        self._settings = settings
        self._session = session

    async def send(self, to: str, body: str) -> str:
        """Queue the SMS at Twilio; returns its message sid."""
        settings = self._settings
        url = f"{settings.api_url}/2010-04-01/Accounts/{settings.account_sid}/Messages.json"
        try:
            async with self._session.post(
                url,
                data={"To": to, "From": settings.from_number, "Body": body},
                auth=aiohttp.BasicAuth(settings.account_sid, settings.auth_token),
                timeout=aiohttp.ClientTimeout(total=30),
            ) as response:
                text = await response.text()
                status = response.status
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise TwilioError(None, None, type(error).__name__) from None
        try:
            payload = json.loads(text)
        except json.JSONDecodeError:
            payload = None
        if not isinstance(payload, dict):
            payload = {"message": f"unexpected answer: {text[:200]}"}
        if status in (200, 201) and payload.get("sid"):
            return str(payload["sid"])
        code = payload.get("code")
        raise TwilioError(status, code if isinstance(code, int) else None, str(payload.get("message") or ""))
