"""`python -m bot <command>`: what the Makefile runs (migrate, train, run, shell, and the parts)."""

from __future__ import annotations

import argparse
import logging
import os
import sys

from bot import config


def _export_defaults() -> None:
    """Child processes and Rasa's endpoints.yml read these; make them explicit."""
    ports = config.ports()
    os.environ.setdefault("ACTIONS_PORT", str(ports.actions))
    os.environ.setdefault("RASA_PORT", str(ports.rasa))
    os.environ.setdefault("WEB_PORT", str(ports.web))
    os.environ.setdefault("ACTIONS_URL", config.actions_url())


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
    from bot import booking, dealership, rewards
    from bot.knowledge import load

    directory = config.knowledge_dir()
    problems = [str(p) for p in load(directory).problems]
    problems += [str(p) for p in rewards.load(directory / "rewards.yml")[1]]
    shop, found = dealership.check(directory / "dealership.yml")
    problems += [str(p) for p in found]
    if shop is not None:
        problems += [str(p) for p in booking.load(directory / "schedule.yml", shop.tz)[1]]
    for problem in problems:
        print(problem)
    if problems:
        raise SystemExit(f"{len(problems)} problem(s) in {directory}; fix them and run this again.")
    print(f"{directory}: no problems found.")


def cmd_check_data(args: argparse.Namespace) -> None:
    """List every broken database invariant, one line each; exit 1 if any is left unrepaired."""
    from bot import db, integrity

    sessions = db.session_factory()
    if args.repair:
        for line in integrity.repair(sessions):
            print(f"repaired: {line}")
    problems = integrity.find_problems(sessions)
    for problem in problems:
        print(problem)
    if problems:
        hint = "" if args.repair else " Run with --repair to fix those that can be fixed safely."
        raise SystemExit(f"{len(problems)} problem(s) in the database.{hint}")
    print("Database: no problems found.")


def cmd_reminders(_: argparse.Namespace) -> None:
    """Queue due booking reminders in the SMS outbox once (idempotent; the SMS sender does it each minute)."""
    from bot.booking.reminders import queue_due_now
    from bot.services import Services

    print(f"{queue_due_now(Services.from_environment())} reminder(s) queued.")


def cmd_send_sms(_: argparse.Namespace) -> None:
    """Send what is due in the SMS outbox once (the supervisor's sender does this every few seconds)."""
    import asyncio

    from bot.channels.sms.outbox import send_outbox
    from bot.services import Services

    logging.basicConfig(level=logging.INFO)
    outcomes = asyncio.run(send_outbox(Services.from_environment(), forever=False))
    if outcomes is None:
        raise SystemExit("SMS sending is off (no Twilio settings); nothing was sent.")
    print(", ".join(f"{outcomes[k]} {k}" for k in ("sent", "retrying", "failed", "skipped")) + ".")


def cmd_sms_sender(_: argparse.Namespace) -> None:
    import asyncio

    from bot.channels.sms.outbox import send_outbox
    from bot.services import Services

    logging.basicConfig(level=logging.INFO)
    asyncio.run(send_outbox(Services.from_environment(), forever=True))


def cmd_healthcheck(args: argparse.Namespace) -> None:
    """Exit 0 if this container's role is healthy, 1 saying why not (the image's HEALTHCHECK)."""
    from bot.health import problem, role_of

    role = args.role or role_of()
    why = problem(role)
    if why:
        raise SystemExit(f"unhealthy ({role}): {why}")
    checked = role in ("rasa", "actions", "web", "sms-sender")
    print(f"healthy ({role})" if checked else "healthy (no server role here: nothing to check)")


def cmd_backup(args: argparse.Namespace) -> None:
    """A consistent copy of the SQLite database while it runs (PostgreSQL: pg_dump, see README)."""
    from pathlib import Path

    from bot.backup import backup

    print(f"Backed up to {backup(target=Path(args.out) if args.out else None)}")


def cmd_restore(args: argparse.Namespace) -> None:
    """Put a backup back into the SQLite database (stop the assistant first)."""
    from pathlib import Path

    from bot.backup import restore

    print(f"Restored {args.file} into {restore(Path(args.file))}")


def _without_tensorflow() -> None:
    """spaCy's thinc imports TensorFlow and JAX when installed (they are, for Rasa). Commands that
    only read knowledge/ never use them; keeping them out saves about 400 MiB and seconds."""
    for unused in ("tensorflow", "jax"):
        sys.modules.setdefault(unused, None)  # type: ignore[arg-type]


def cmd_demo_data(args: argparse.Namespace) -> None:
    """Fill an empty database with a made-up dealership's year; refuse one with real customers."""
    _without_tensorflow()
    from bot.demo_data import DemoRefused, generate
    from bot.services import Services

    try:
        made = generate(Services.from_environment(), args.households, args.months, args.seed)
    except (DemoRefused, ValueError) as problem:
        raise SystemExit(str(problem)) from None
    print(
        f'Demo dealership added: {made.households} households (names end in "(demo)"), '
        f"{made.engagement_events} engagement events, {made.service_visits} service visits, "
        f"{made.clinic_seats} clinic seats, {made.reminders} reminders, {made.handoffs} handoffs."
    )


def cmd_actions(_: argparse.Namespace) -> None:
    """The action server, on localhost only unless ACTIONS_HOST says otherwise."""
    _without_tensorflow()
    from bot.action_server import create_action_app
    from bot.services import Services

    logging.basicConfig(level=logging.INFO)
    config.crm_leads()  # the actions queue CRM leads: a bad CRM_LEAD_EMAIL stops the start, saying why
    app = create_action_app(Services.from_environment())
    app.run(config.listen_host("actions"), config.ports().actions, workers=1, access_log=False)


def cmd_rasa(_: argparse.Namespace) -> None:
    """The Rasa server with REST and socket.io channels; its HTTP API needs the Rasa token."""
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import EndpointConfig
    from rasa.utils.log_utils import configure_structlog

    from bot import rasa_speedups
    from bot.rasa_server import serve
    from bot.services import Services

    rasa_speedups.install()
    # INFO, not DEBUG: Rasa's debug lines include message text (customer PII).
    configure_logging_and_warnings(logging.INFO)
    configure_structlog(logging.INFO)
    endpoints = AvailableEndpoints.read_endpoints(str(config.PROJECT_ROOT / "endpoints.yml"))
    endpoints.action = rasa_speedups.kept_alive(endpoints.action)
    if config.redis_url():  # several Rasa servers: conversation locks they all see (see endpoints.yml)
        endpoints.lock_store = EndpointConfig(type="bot.engagement.lock_store.RedisUrlLockStore")
    serve(Services.from_environment(), endpoints)


def cmd_web(_: argparse.Namespace) -> None:
    from aiohttp import web

    from bot.services import Services
    from bot.web import PathOnlyAccessLogger, create_app

    logging.basicConfig(level=logging.INFO)
    web.run_app(
        create_app(Services.from_environment(), fit_revenue_model=True),
        host=config.listen_host("web"),
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


def cmd_shell(args: argparse.Namespace) -> None:
    """Staff chat in the terminal against the real actions (starting them if needed)."""
    from bot.supervisor import run_shell

    sys.exit(run_shell(verbose=args.verbose))


def build_parser() -> argparse.ArgumentParser:
    """Every command; also what the deployment tests check container commands against."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="upgrade the database schema").set_defaults(func=cmd_migrate)
    commands.add_parser("reminders", help="queue due booking reminders").set_defaults(func=cmd_reminders)
    commands.add_parser("check-knowledge", help="check knowledge/ for problems").set_defaults(
        func=cmd_check_knowledge
    )
    check_data = commands.add_parser("check-data", help="check the database's invariants")
    check_data.add_argument("--repair", action="store_true", help="fix what can be fixed safely")
    check_data.set_defaults(func=cmd_check_data)
    commands.add_parser("send-sms", help="send the SMS outbox once").set_defaults(func=cmd_send_sms)
    train = commands.add_parser("train", help="train the model if its inputs changed")
    train.add_argument("--config", default="config.yml")
    train.add_argument("--force", action="store_true")
    train.set_defaults(func=cmd_train)
    health = commands.add_parser("healthcheck", help="is this container's role healthy (exit 0/1)")
    health.add_argument("role", nargs="?", help="rasa, actions, web or sms-sender (default: PID 1's)")
    health.set_defaults(func=cmd_healthcheck)
    backup = commands.add_parser("backup", help="back up the SQLite database (online, consistent)")
    backup.add_argument("--out", help="the backup file (default: VAR_DIR/backups/concierge-<time>.db)")
    backup.set_defaults(func=cmd_backup)
    restore = commands.add_parser("restore", help="restore the SQLite database from a backup")
    restore.add_argument("file")
    restore.set_defaults(func=cmd_restore)
    demo = commands.add_parser("demo-data", help="fill an empty database with a made-up dealership")
    demo.add_argument("--households", type=int, default=1000, help="how many (default 1000)")
    demo.add_argument("--months", type=int, default=12, help="of history up to now, 1-36 (default 12)")
    demo.add_argument("--seed", type=int, default=0, help="the same seed makes the same data")
    demo.set_defaults(func=cmd_demo_data)
    run = commands.add_parser("run", help="run everything under one supervisor")
    run.add_argument(
        "--scaled",
        action="store_true",
        help="the production profile: RASA_SERVERS Rasa and ACTION_SERVERS action servers behind nginx, "
        "on PostgreSQL and Redis",
    )
    run.set_defaults(func=cmd_run)
    shell = commands.add_parser("shell", help="chat with the assistant in the terminal")
    shell.add_argument("--verbose", action="store_true", help="show the logs here (default: var/shell.log)")
    shell.set_defaults(func=cmd_shell)
    for name, func, text in (
        ("actions", cmd_actions, "run only the action server"),
        ("rasa", cmd_rasa, "run only the Rasa server"),
        ("web", cmd_web, "run only the web app"),
        ("sms-sender", cmd_sms_sender, "run only the SMS outbox sender"),
    ):
        commands.add_parser(name, help=text).set_defaults(func=func)
    return parser


def main() -> None:
    _export_defaults()
    args = build_parser().parse_args()
    args.func(args)
