"""Settings read from environment variables, with defaults that work on one machine.

Every process (Rasa server, action server, web app, CLI) reads its configuration here so that
one variable means the same thing everywhere. See the README's "Configuration" table.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, unquote, urlsplit

import redis
from email_validator import EmailNotValidError, validate_email
from sqlalchemy.engine import URL, make_url

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def var_dir() -> Path:
    """Where runtime state lives (SQLite file, tokens, training stamp); never committed."""
    path = Path(os.environ.get("VAR_DIR", PROJECT_ROOT / "var"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> URL:
    """The profile database (and Rasa's tracker store); relative SQLite paths are anchored at the project."""
    url = make_url(os.environ.get("DATABASE_URL", "sqlite:///var/concierge.db"))
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        path = Path(url.database)
        if not path.is_absolute():
            path = PROJECT_ROOT / path
        path.parent.mkdir(parents=True, exist_ok=True)
        url = url.set(database=str(path))
    return url


def _port(name: str, default: int) -> int:
    raw = os.environ.get(name, str(default))
    try:
        port = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a port number, got {raw!r}") from None
    if not 0 < port < 65536:
        raise SystemExit(f"{name} must be between 1 and 65535, got {port}")
    return port


def _secret(env_name: str, file_name: str) -> tuple[str, Path | None]:
    """A secret from the environment, else one generated once and kept in `var/` (mode 0600).

    Returns the secret and the file it lives in (None when it came from the environment), so
    callers can tell staff *where* it is without ever printing it.
    """
    value = os.environ.get(env_name)
    if value:
        return value, None
    path = var_dir() / file_name
    if not path.exists():
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text().strip(), path


@dataclass(frozen=True)
class Ports:
    actions: int
    rasa: int
    web: int


def ports() -> Ports:
    return Ports(
        actions=_port("ACTIONS_PORT", 5055),
        rasa=_port("RASA_PORT", 5005),
        web=_port("WEB_PORT", 8000),
    )


def listen_host(part: str) -> str:
    """The address a server listens on: RASA_HOST and WEB_HOST default to all addresses (customers
    and staff reach them); ACTIONS_HOST to 127.0.0.1, since only the Rasa server calls the actions
    (containers set 0.0.0.0: their private network is the boundary)."""
    name, default = {"rasa": ("RASA_HOST", "0.0.0.0"), "web": ("WEB_HOST", "0.0.0.0")}.get(
        part, ("ACTIONS_HOST", "127.0.0.1")
    )
    return os.environ.get(name) or default


def actions_url() -> str:
    """Where Rasa calls the custom actions (endpoints.yml): this machine's action server by default;
    another address in containers, e.g. http://actions:5055/webhook."""
    return os.environ.get("ACTIONS_URL") or f"http://127.0.0.1:{ports().actions}/webhook"


def rasa_url() -> str:
    """Where the web app reaches Rasa's HTTP API (health, conversation takeover): this machine's
    Rasa server by default; in containers the Rasa service, e.g. http://rasa:5005."""
    return (os.environ.get("RASA_URL") or f"http://127.0.0.1:{ports().rasa}").rstrip("/")


def server_count(name: str, default: int) -> int:
    """How many processes of one kind the scaled profile runs (RASA_SERVERS, ACTION_SERVERS, WEB_SERVERS)."""
    raw = os.environ.get(name, str(default))
    try:
        count = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, got {raw!r}") from None
    if not 1 <= count <= 16:
        raise SystemExit(f"{name} must be between 1 and 16, got {count}")
    return count


def redis_url() -> str | None:
    """Redis for Rasa's conversation locks (several Rasa servers); unset: Rasa's in-memory locks."""
    url = os.environ.get("REDIS_URL") or None
    if url and not url.startswith(("redis://", "rediss://", "unix://")):
        raise SystemExit("REDIS_URL must look like redis://host:6379/0 (or rediss://, unix://)")
    return url


def redis_answers(url: str) -> bool:
    """Whether Redis answers a ping within 3 seconds (checked before the scaled set starts)."""
    client = redis.Redis.from_url(url, socket_timeout=3, socket_connect_timeout=3)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def redis_address(url: str) -> str:
    """host:port of a Redis URL, for messages (never the password)."""
    where = urlsplit(url)
    return f"{where.hostname}:{where.port or 6379}"


def lock_store_key_prefix() -> str | None:
    """Keeps several assistants' locks apart in one Redis database; letters and digits only (Rasa's rule)."""
    prefix = os.environ.get("LOCK_STORE_KEY_PREFIX") or None
    if prefix and not prefix.isalnum():
        raise SystemExit(f"LOCK_STORE_KEY_PREFIX must be letters and digits only, got {prefix!r}")
    return prefix


def part_restarts() -> int:
    """How many times the supervisor restarts a part that died before it stops everything."""
    raw = os.environ.get("PART_RESTARTS", "0")
    if not raw.isdigit():
        raise SystemExit(f"PART_RESTARTS must be a whole number (0 or more), got {raw!r}")
    return int(raw)


def allowed_origins() -> list[str]:
    """Browser origins allowed to talk to the Rasa server (socket.io widget and REST, via CORS).

    Defaults to the web app's own origins, so the demo page works with `make run` on one machine.
    """
    raw = os.environ.get("ALLOWED_ORIGINS")
    if raw is None or not raw.strip():
        web = ports().web
        return [f"http://localhost:{web}", f"http://127.0.0.1:{web}"]
    origins = [origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip()]
    for origin in origins:
        scheme, _, host = origin.partition("://")
        if scheme not in ("http", "https") or not host or "/" in host:
            raise SystemExit(f"ALLOWED_ORIGINS must list origins like https://example.com, got {origin!r}")
    return origins


def staff_token() -> tuple[str, Path | None]:
    """Bearer token for the staff API and console."""
    return _secret("STAFF_TOKEN", "staff_token")


def rasa_token() -> str:
    """Token protecting Rasa's own HTTP API, which only our web app calls."""
    return _secret("RASA_TOKEN", "rasa_token")[0]


def metrics_token() -> str | None:
    """A bearer token for Prometheus's scrapes of `/metrics` only (the staff token also works)."""
    return os.environ.get("METRICS_TOKEN") or None


def dealership_tz() -> str | None:
    """Overrides the time zone in knowledge/dealership.yml when set."""
    return os.environ.get("DEALERSHIP_TZ") or None


def knowledge_dir() -> Path:
    return Path(os.environ.get("KNOWLEDGE_DIR", PROJECT_ROOT / "knowledge"))


def model_path() -> Path:
    return Path(os.environ.get("MODEL_PATH", PROJECT_ROOT / "models" / "concierge.tar.gz"))


def public_url() -> str | None:
    """The address Twilio calls (e.g. https://concierge.example.com) when behind a proxy: signatures
    are computed over the public URL, which the server can't see for itself."""
    return (os.environ.get("PUBLIC_URL") or "").rstrip("/") or None


def twilio_auth_token() -> str | None:
    """Checks Twilio's webhook signatures and authenticates outbound sends; no token, no SMS."""
    return os.environ.get("TWILIO_AUTH_TOKEN") or None


@dataclass(frozen=True)
class Twilio:
    account_sid: str
    auth_token: str
    from_number: str
    api_url: str


def twilio() -> Twilio | None:
    """What outbound SMS needs; None (sending off) unless the account, token and number are all set."""
    account_sid, from_number = os.environ.get("TWILIO_ACCOUNT_SID"), os.environ.get("TWILIO_FROM_NUMBER")
    auth_token = twilio_auth_token()
    if not (account_sid and auth_token and from_number):
        return None
    api_url = (os.environ.get("TWILIO_API_URL") or "https://api.twilio.com").rstrip("/")
    return Twilio(account_sid, auth_token, from_number, api_url)


@dataclass(frozen=True)
class Smtp:
    """Where the email outbox sends; the password never appears in a repr, a log or an error."""

    host: str
    port: int
    username: str | None
    password: str | None = field(repr=False)
    starttls: bool
    ssl: bool  # smtps://: TLS from the first byte

    @property
    def address(self) -> str:
        """host:port, for messages (never the credentials)."""
        return f"{self.host}:{self.port}"


def smtp() -> Smtp | None:
    """SMTP_URL (e.g. smtp://user:pass@host:587?starttls=1, smtps://user:pass@host) or None:
    email sending is off and messages stay queued."""
    raw = os.environ.get("SMTP_URL") or ""
    if not raw:
        return None
    return parse_smtp_url(raw)


def parse_smtp_url(raw: str) -> Smtp:
    where = urlsplit(raw)
    if where.scheme not in ("smtp", "smtps") or not where.hostname:
        raise SystemExit("SMTP_URL must look like smtp://user:pass@host:587?starttls=1 (or smtps://)")
    options = {k.lower(): v.lower() for k, v in parse_qsl(where.query)}
    starttls = options.get("starttls", "0") in ("1", "true", "yes", "on")
    try:
        port = where.port
    except ValueError:
        raise SystemExit("SMTP_URL has a port that is not a number") from None
    default_port = 465 if where.scheme == "smtps" else 587 if starttls else 25
    return Smtp(
        host=where.hostname,
        port=port or default_port,
        username=unquote(where.username) if where.username else None,
        password=unquote(where.password) if where.password else None,
        starttls=starttls,
        ssl=where.scheme == "smtps",
    )


def email_from() -> str | None:
    """EMAIL_FROM overrides the From address (else knowledge/dealership.yml's `email`)."""
    return os.environ.get("EMAIL_FROM") or None


def handoff_alert_minutes() -> float:
    """HANDOFF_ALERT_MINUTES: how long a handoff may wait, during opening hours, before the next
    person on the department's list is alerted (default 10)."""
    raw = os.environ.get("HANDOFF_ALERT_MINUTES") or "10"
    try:
        minutes = float(raw)
    except ValueError:
        raise SystemExit(f"HANDOFF_ALERT_MINUTES must be a number of minutes, got {raw!r}") from None
    if not 0 < minutes <= 24 * 60:
        raise SystemExit(f"HANDOFF_ALERT_MINUTES must be between 0 and 1440, got {raw!r}")
    return minutes


@dataclass(frozen=True)
class CrmLeads:
    """Where ADF leads go (one address: the CRM's lead-import mailbox) and whether new service
    bookings are leads too (sales handoffs always are)."""

    address: str
    for_service: bool


def crm_leads() -> CrmLeads | None:
    """CRM_LEAD_EMAIL and CRM_LEADS_FOR_SERVICE; None (no leads queued) without an address. A bad
    value stops the start with the reason, rather than leads bouncing later."""
    raw = (os.environ.get("CRM_LEAD_EMAIL") or "").strip()
    if not raw:
        return None
    try:
        address = validate_email(raw, check_deliverability=False).normalized
    except EmailNotValidError as error:
        raise SystemExit(
            f"CRM_LEAD_EMAIL must be one email address, like leads@crm.example.com; got {raw!r}: {error}"
        ) from None
    return CrmLeads(address, _switch("CRM_LEADS_FOR_SERVICE"))


def track_page_views() -> bool:
    """TRACK_PAGE_VIEWS: whether the chat widget reports the pages visitors view (default off)."""
    return _switch("TRACK_PAGE_VIEWS")


def _switch(name: str) -> bool:
    """An on/off setting: 1, true, yes, on or 0, false, no, off (unset: off)."""
    raw = (os.environ.get(name) or "0").strip().lower()
    if raw not in ("1", "true", "yes", "on", "0", "false", "no", "off"):
        raise SystemExit(f"{name} must be 1 (on) or 0 (off), got {raw!r}")
    return raw in ("1", "true", "yes", "on")


def console_url() -> str:
    """The staff console's base address for links in alerts: PUBLIC_URL, else this machine's web app."""
    return public_url() or f"http://localhost:{ports().web}"
