"""`python -m bot <command>`: what the Makefile runs (migrate, train, run, shell, and the parts)."""

from __future__ import annotations

import argparse
import logging
import os
import subprocess
import sys

from bot import config


def _export_defaults() -> None:
    """Child processes and Rasa's endpoints.yml read these; make them explicit."""
    ports = config.ports()
    os.environ.setdefault("ACTIONS_PORT", str(ports.actions))
    os.environ.setdefault("RASA_PORT", str(ports.rasa))
    os.environ.setdefault("WEB_PORT", str(ports.web))


def cmd_migrate(_: argparse.Namespace) -> None:
    from bot import db

    db.upgrade()
    print(f"Database schema is up to date ({config.database_url().render_as_string(hide_password=True)}).")


def cmd_train(args: argparse.Namespace) -> None:
    from bot.training import train

    cmd_check_knowledge(args)
    train(config.model_path(), config_file=args.config, force=args.force)


def cmd_check_knowledge(_: argparse.Namespace) -> None:
    """Check knowledge/ and list every problem with file, line and field; exit 1 if any."""
    from bot import booking, dealership
    from bot.knowledge import load

    directory = config.knowledge_dir()
    problems = [str(p) for p in load(directory).problems]
    shop, found = dealership.check(directory / "dealership.yml")
    problems += [str(p) for p in found]
    if shop is not None:
        problems += [str(p) for p in booking.load(directory / "schedule.yml", shop.tz)[1]]
    for problem in problems:
        print(problem)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in {directory}; fix them and run this again.")
    print(f"{directory}: no problems found.")


def cmd_reminders(_: argparse.Namespace) -> None:
    """Queue due booking reminders in the SMS outbox (idempotent; run it every few minutes)."""
    from datetime import datetime, timezone

    from bot import dealership
    from bot.booking import default_bookings
    from bot.booking.reminders import queue_reminders
    from bot.db import session_factory

    queued = queue_reminders(
        session_factory(), default_bookings().schedule, dealership.current().name, datetime.now(timezone.utc)
    )
    print(f"{queued} reminder(s) queued.")


def cmd_send_sms(_: argparse.Namespace) -> None:
    """Send what is due in the SMS outbox once (the supervisor's sender does this every few seconds)."""
    import asyncio

    from bot.channels.outbox import send_outbox

    logging.basicConfig(level=logging.INFO)
    outcomes = asyncio.run(send_outbox(forever=False))
    if outcomes is None:
        raise SystemExit("SMS sending is off (no Twilio settings); nothing was sent.")
    print(", ".join(f"{outcomes[k]} {k}" for k in ("sent", "retrying", "failed", "skipped")) + ".")


def cmd_sms_sender(_: argparse.Namespace) -> None:
    import asyncio

    from bot.channels.outbox import send_outbox

    logging.basicConfig(level=logging.INFO)
    asyncio.run(send_outbox(forever=True))


def cmd_actions(_: argparse.Namespace) -> None:
    """The action server, on localhost only unless ACTIONS_HOST says otherwise."""
    # spaCy's thinc imports TensorFlow and JAX when installed (they are, for Rasa). The action
    # server never uses them; keeping them out saves about 400 MiB per action-server process.
    for unused in ("tensorflow", "jax"):
        sys.modules.setdefault(unused, None)  # type: ignore[arg-type]
    from rasa_sdk import endpoint

    os.environ.setdefault("SANIC_HOST", os.environ.get("ACTIONS_HOST", "127.0.0.1"))
    logging.basicConfig(level=logging.INFO)
    endpoint.run("actions", port=config.ports().actions, cors_origins=None)


def cmd_rasa(_: argparse.Namespace) -> None:
    """The Rasa server with REST and socket.io channels; its HTTP API needs the Rasa token."""
    from rasa.core import run
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot import rasa_speedups

    rasa_speedups.install()
    # INFO, not DEBUG: Rasa's debug lines include message text (customer PII).
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    endpoints = AvailableEndpoints.read_endpoints(str(config.PROJECT_ROOT / "endpoints.yml"))
    endpoints.action = rasa_speedups.kept_alive(endpoints.action)
    if config.redis_url():  # several Rasa servers: conversation locks they all see (see endpoints.yml)
        endpoints.lock_store = EndpointConfig(type="bot.engagement.lock_store.RedisUrlLockStore")
    run.serve_application(
        model_path=str(config.model_path()),
        interface=os.environ.get("RASA_HOST", "0.0.0.0"),
        port=config.ports().rasa,
        credentials=str(config.PROJECT_ROOT / "credentials.yml"),
        endpoints=endpoints,
        enable_api=True,
        auth_token=config.rasa_token(),
        cors=config.allowed_origins(),
    )


def cmd_web(_: argparse.Namespace) -> None:
    from aiohttp import web

    from bot.web import PathOnlyAccessLogger, create_app

    logging.basicConfig(level=logging.INFO)
    web.run_app(
        create_app(),
        host=os.environ.get("WEB_HOST", "0.0.0.0"),
        port=config.ports().web,
        print=None,
        access_log_class=PathOnlyAccessLogger,
    )


def cmd_run(args: argparse.Namespace) -> None:
    from bot.supervisor import supervise

    if not args.scaled:
        sys.exit(supervise())
    from bot.scaleout import check_profile, layout, scaled_parts

    plan = layout()
    check_profile(plan)
    sys.exit(supervise(scaled_parts(plan)))


def cmd_shell(_: argparse.Namespace) -> None:
    """Staff chat in the terminal against the real actions (starting them if needed)."""
    from bot.supervisor import action_server_for_shell

    with action_server_for_shell():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "rasa",
                "shell",
                "--model",
                str(config.model_path()),
                "--endpoints",
                "endpoints.yml",
                "--credentials",
                "credentials.yml",
            ],
            cwd=config.PROJECT_ROOT,
            check=False,
        )


def main() -> None:
    _export_defaults()
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    commands.add_parser("reminders", help="queue due booking reminders").set_defaults(func=cmd_reminders)
    commands.add_parser("check-knowledge", help="check knowledge/ for problems").set_defaults(
        func=cmd_check_knowledge
    )
    commands.add_parser("send-sms", help="send the SMS outbox once").set_defaults(func=cmd_send_sms)
    train = commands.add_parser("train", help="train the model if its inputs changed")
    train.add_argument("--config", default="config.yml")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)
    run = commands.add_parser("run", help="run everything under one supervisor")
    run.add_argument(
        "--scaled",
        action="store_true",
        help="the production profile: RASA_SERVERS Rasa and ACTION_SERVERS action servers behind nginx, "
        "on PostgreSQL and Redis",
    )
    run.set_defaults(func=cmd_run)
    for name, func, text in (
        ("shell", cmd_shell, "chat with the assistant in the terminal"),
        ("actions", cmd_actions, "run only the action server"),
        ("rasa", cmd_rasa, "run only the Rasa server"),
        ("web", cmd_web, "run only the web app"),
        ("sms-sender", cmd_sms_sender, "run only the SMS outbox sender"),
    ):
        commands.add_parser(name, help=text).set_defaults(func=func)
    args = parser.parse_args()
    args.func(args)
