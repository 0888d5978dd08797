"""The Rasa input channel for Twilio SMS: `POST /webhooks/sms/webhook`, answered inline with TwiML.

Thin on purpose: it checks the signature, reads the form and hands the SMS to `SmsInbox`.
The sender id is the E.164 phone, so an SMS conversation belongs to the customer with that phone.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot import config
from bot.channels.failures import guarded
from bot.channels.sms.channel import CHANNEL, InvalidSms, form_params, inbound_from, signature_is_valid, twiml
from bot.channels.sms.inbox import SmsInbox
from bot.channels.sms.store import SmsStore
from bot.rasa_server import UsesServices

logger = logging.getLogger(__name__)


class SmsInput(UsesServices, InputChannel):
    def __init__(self, auth_token: str | None, public_url: str | None) -> None:
        self.auth_token = auth_token
        self.public_url = public_url
        if not auth_token:
            logger.warning("TWILIO_AUTH_TOKEN is not set: every SMS webhook will be refused (403).")

    @classmethod
    def name(cls) -> str:
        return CHANNEL

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> InputChannel:
        """Settings come from the environment (secrets stay out of credentials.yml)."""
        return cls(config.twilio_auth_token(), config.public_url())

    @property
    def inbox(self) -> SmsInbox:
        """Made per message, so an edit to dealership.yml shows in the next reply."""
        return SmsInbox(self.services, SmsStore(self.services.sessions))

    def signed_url(self, request: Request) -> str:
        """The URL Twilio signed: the public one when behind a proxy."""
        if not self.public_url:
            return request.url
        query = f"?{request.query_string}" if request.query_string else ""
        return f"{self.public_url}{request.path}{query}"

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[Any]]) -> Blueprint:
        webhook = Blueprint("sms_webhook", __name__)
        on_new_message = guarded(on_new_message, self.services, self.broker)

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            try:
                params = form_params(request.body or b"")
            except UnicodeDecodeError:
                params = None
            signature = request.headers.get("X-Twilio-Signature")
            if params is None or not signature_is_valid(
                self.auth_token, self.signed_url(request), params, signature
            ):
                return response.text("Missing or invalid X-Twilio-Signature.", status=403)
            try:
                sms = inbound_from(params)
            except InvalidSms as reason:
                return response.text(f"Bad request: {reason}.", status=400)

            async def converse(text: str) -> list[dict[str, Any]]:
                collector = CollectingOutputChannel()
                await on_new_message(UserMessage(text, collector, sms.phone, input_channel=CHANNEL))
                return collector.messages

            reply = await self.inbox.handle(sms, converse)
            return response.text(twiml(reply), content_type="application/xml")

        return webhook
