"""The production profile on one machine: several Rasa and action servers and the web app behind nginx.

nginx takes the addresses `make run` uses (RASA_PORT, ACTIONS_PORT, WEB_PORT), so customers, the
web app and the Rasa servers' action endpoint (endpoints.yml) reach the set exactly as they reach
a single server. The backends listen on 127.0.0.1 on the ports just above each of those. They
share state only through PostgreSQL (profiles and Rasa's tracker store) and Redis (Rasa's lock
store), which is what lets any server take any message; hence the checks before starting.
"""

from __future__ import annotations

import os
import shutil
import socket
from dataclasses import dataclass
from pathlib import Path
from string import Template

from bot import config, db
from bot.supervisor import Part, bot_part

TEMPLATE = Path(__file__).resolve().parent / "nginx.conf.template"


@dataclass(frozen=True)
class Layout:
    front: config.Ports  # where nginx listens
    rasa: list[int]
    actions: list[int]
    web: list[int]

    def bound_ports(self) -> dict[int, str]:
        """Every port the set listens on, and what listens there."""
        return {
            self.front.rasa: "nginx (Rasa)",
            self.front.actions: "nginx (action servers)",
            self.front.web: "nginx (web app)",
            **{port: f"Rasa server {i}" for i, port in enumerate(self.rasa, 1)},
            **{port: f"action server {i}" for i, port in enumerate(self.actions, 1)},
            **{port: f"web app {i}" for i, port in enumerate(self.web, 1)},
        }


def layout() -> Layout:
    """Ports from the environment; RASA_SERVERS, ACTION_SERVERS (default 2) and WEB_SERVERS (1) backends."""
    front = config.ports()

    def above(port: int, count_name: str, default: int) -> list[int]:
        ports = [port + i for i in range(1, config.server_count(count_name, default) + 1)]
        if ports[-1] > 65535:
            raise SystemExit(f"{count_name} servers would need ports above 65535; lower the base port")
        return ports

    return Layout(
        front,
        rasa=above(front.rasa, "RASA_SERVERS", 2),
        actions=above(front.actions, "ACTION_SERVERS", 2),
        web=above(front.web, "WEB_SERVERS", 1),
    )


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def check_profile(plan: Layout) -> None:
    """Refuse to start, saying every reason, unless the shared state and nginx are in place."""
    problems = []
    url = config.database_url()
    if url.get_backend_name() != "postgresql":
        problems.append(
            f"DATABASE_URL is {url.get_backend_name()}; the scaled set needs PostgreSQL "
            "(postgresql+psycopg2://user:password@host:5432/db), which all its servers share"
        )
    elif not db.is_reachable(url):
        problems.append(f"PostgreSQL does not answer at {url.render_as_string(hide_password=True)}")
    redis_url = config.redis_url()
    if redis_url is None:
        problems.append(
            "REDIS_URL is not set; the scaled set needs Redis (e.g. redis://127.0.0.1:6379/0) "
            "for Rasa's conversation locks and for socket.io messages between the Rasa servers"
        )
    elif not config.redis_answers(redis_url):
        problems.append(f"Redis does not answer at {config.redis_address(redis_url)}")
    if nginx_binary() is None:
        problems.append("nginx is not installed (Debian: apt-get install nginx)")
    for port, what in plan.bound_ports().items():
        if not _free(port):
            problems.append(f"port {port} ({what}) is in use")
    if len(plan.bound_ports()) < 3 + len(plan.rasa) + len(plan.actions) + len(plan.web):
        problems.append("RASA_PORT, ACTIONS_PORT and WEB_PORT are too close: the servers' ports overlap")
    if problems:
        raise SystemExit("Cannot start the scaled set:\n  - " + "\n  - ".join(problems))


def _free(port: int) -> bool:
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as servers do: TIME_WAIT is no conflict
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def write_nginx_conf(plan: Layout, state: Path) -> Path:
    """nginx.conf for this layout, from the template, in `state` (under VAR_DIR)."""
    for temp in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (state / "tmp" / temp).mkdir(parents=True, exist_ok=True)

    def servers(ports: list[int]) -> str:
        return "\n".join(f"        server 127.0.0.1:{port} max_fails=1 fail_timeout=5s;" for port in ports)

    conf = state / "nginx.conf"
    conf.write_text(
        _NginxTemplate(TEMPLATE.read_text()).substitute(
            state=state,
            rasa_servers=servers(plan.rasa),
            action_servers=servers(plan.actions),
            web_servers=servers(plan.web),
            rasa_listen=f"{config.listen_host('rasa')}:{plan.front.rasa}",
            actions_port=plan.front.actions,
            web_listen=f"{config.listen_host('web')}:{plan.front.web}",
        )
    )
    return conf


class _NginxTemplate(Template):
    delimiter = "@"  # nginx's own variables start with $


def scaled_parts(plan: Layout) -> list[Part]:
    """The backends, one SMS sender (senders lease messages, so more would be safe too), nginx last."""
    state = config.var_dir() / "nginx"
    conf = write_nginx_conf(plan, state)
    nginx = [nginx_binary() or "nginx", "-p", str(state), "-c", str(conf), "-e", str(state / "error.log")]
    local = "127.0.0.1"
    backends = [
        *(
            bot_part(f"action server {i}", "actions", f"http://{local}:{port}/health", ACTIONS_PORT=str(port))
            for i, port in enumerate(plan.actions, 1)
        ),
        *(
            bot_part(
                f"Rasa server {i}", "rasa", f"http://{local}:{port}/", RASA_PORT=str(port), RASA_HOST=local
            )
            for i, port in enumerate(plan.rasa, 1)
        ),
        *(
            bot_part(
                f"web app {i}", "web", f"http://{local}:{port}/healthz", WEB_PORT=str(port), WEB_HOST=local
            )
            for i, port in enumerate(plan.web, 1)
        ),
    ]
    return [
        *backends,
        bot_part("SMS sender", "sms-sender", None),
        Part("nginx", nginx, f"http://{local}:{plan.front.web}/healthz"),
    ]
