"""A failed custom action is noticed where we make the call (the kept-alive action endpoint), not
from Rasa's log wording, and the customer gets the apology instead of silence. In-process: a real
`RemoteAction` calls a stand-in action server through our endpoint inside a guarded channel."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable

import pytest
from aiohttp import web
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker

from bot import rasa_speedups
from bot.channels import failures
from bot.engagement.broker import EngagementBroker
from bot.engagement.turn import Turn, current_turn

rasa_speedups.install()

Reply = Callable[[web.Request], web.Response]

ANSWERS: dict[str, Reply] = {
    "ok": lambda _: web.json_response({"events": [], "responses": [{"text": "Done."}]}),
    "error": lambda _: web.Response(status=500, text="Internal Server Error"),
    "rejected": lambda _: web.json_response(
        {"action_name": "action_x", "error": "can't fill the slot"}, status=400
    ),
    "bad_request": lambda _: web.Response(status=400, text="not JSON"),
    "unusable": lambda _: web.json_response({"events": [{"event": "no-such-event"}], "responses": "?"}),
}


@pytest.fixture
async def action_server() -> AsyncIterator[Callable[[str], str]]:
    """A stand-in action server; `url(kind)` is the webhook answering as `ANSWERS[kind]` does."""

    async def webhook(request: web.Request) -> web.Response:
        await request.read()
        return ANSWERS[request.match_info["kind"]](request)

    app = web.Application()
    app.router.add_post("/{kind}/webhook", webhook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    yield lambda kind: f"http://127.0.0.1:{port}/{kind}/webhook"
    await runner.cleanup()


async def run_action(url: str) -> None:
    """One custom action call as Rasa's processor makes it, through our kept-alive endpoint."""
    endpoint = rasa_speedups.kept_alive(rasa_speedups.EndpointConfig(url))
    action = RemoteAction("action_x", endpoint)
    await action.run(CollectingOutputChannel(), None, DialogueStateTracker("someone", []), Domain.empty())


async def turn_after(url: str) -> Turn:
    turn = Turn()
    token = current_turn.set(turn)
    try:
        await run_action(url)
    except Exception:  # noqa: BLE001 - Rasa's processor swallows these too; the turn must tell
        pass
    finally:
        current_turn.reset(token)
    return turn


@pytest.mark.parametrize(
    ("answer", "failed"),
    [("ok", False), ("rejected", False), ("error", True), ("bad_request", True), ("unusable", True)],
)
async def test_the_turn_knows_whether_the_action_server_call_failed(action_server, answer, failed):
    assert (await turn_after(action_server(answer))).action_failed is failed


async def test_no_answer_at_all_is_a_failure(unused_tcp_port):
    assert (await turn_after(f"http://127.0.0.1:{unused_tcp_port}/webhook")).action_failed


async def test_a_rejection_still_reaches_rasa_as_a_rejection(action_server):
    """Rasa's processor lets the next policy decide after a rejection: it must see the same exception."""
    with pytest.raises(ActionExecutionRejection):
        await run_action(action_server("rejected"))


async def test_outside_a_customer_turn_a_failure_is_only_raised(action_server):
    with pytest.raises(Exception, match="Failed to execute custom action"):
        await run_action(action_server("error"))


async def test_the_channel_apologises_when_the_action_failed_and_records_it(
    action_server, services, tmp_path
):
    broker = EngagementBroker(services.profiles, spool=tmp_path / "spool.jsonl")

    def rasa_handling(url: str) -> failures.OnNewMessage:
        async def on_new_message(message: UserMessage) -> None:
            try:  # as Rasa's processor: log the failed action and carry on without it
                await run_action(url)
            except Exception:
                logging.getLogger("test").exception("some other wording")

        return on_new_message

    failing = CollectingOutputChannel()
    await failures.guarded(rasa_handling(action_server("error")), services, broker)(
        UserMessage("book me in", failing, "web-1", input_channel="rest")
    )
    [apology] = failing.messages
    assert apology["text"] == failures.apology(services.dealership)

    fine = CollectingOutputChannel()
    await failures.guarded(rasa_handling(action_server("ok")), services, broker)(
        UserMessage("hi", fine, "web-2", input_channel="rest")
    )
    await broker.close()
    failed_turn = services.profiles.profile(services.profiles.customer_for_sender("rest", "web-1"))
    assert [(r["direction"], r["text"]) for r in failed_turn["engagement"]] == [("out", apology["text"])]
    fine_turn = services.profiles.profile(services.profiles.customer_for_sender("rest", "web-2"))
    assert fine.messages == [] and fine_turn["engagement"] == []  # (the stand-in Rasa sends no reply itself)
