"""The deployment files agree with the code: Kubernetes (rendered by kustomize, checked against the
Kubernetes schemas offline), Docker Compose (checked by docker-compose itself), the Dockerfile.

What "agree" means: every container runs a real `python -m bot` command, every environment
variable set is one `bot/config.py` reads, ports and probe paths are the ones the servers use,
memory requests cover the RSS measured in bench/README.md, and every secret is a placeholder.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import kubernetes_validate
import pytest
import yaml
from sqlalchemy.engine import make_url

from bot import config
from bot.cli import build_parser
from bot.web import create_app
from tests.certs import self_signed
from tests.dealer import services_on

ROOT = config.PROJECT_ROOT
K8S_VERSION = "1.28.0"  # the newest schemas kubernetes-validate 1.28 ships
IMAGE = "registry.example.com/mobility-concierge:0.1.0"
# Each long-running role: its port (config.py's default) and the paths its probes may use.
ROLES = {
    "rasa": (5005, {"/"}),
    "actions": (5055, {"/health"}),
    "web": (8000, {"/livez", "/readyz", "/healthz"}),
    "sms-sender": (None, set()),
}
# Set by the image for Python, pip and Rasa themselves, not for our code.
TOOL_VARIABLES = re.compile(r"^(PYTHON\w+|PIP_\w+|RASA_TELEMETRY_ENABLED)$")


def config_variables() -> set[str]:
    """The environment variables bot/config.py reads (its upper-case string literals)."""
    return set(re.findall(r'"([A-Z][A-Z0-9_]+)"', (ROOT / "bot" / "config.py").read_text()))


def commands() -> set[str]:
    parser = build_parser()
    [sub] = [a for a in parser._actions if a.dest == "command"]  # argparse has no public way
    return set(sub.choices)


def measured_peak_rss_mib() -> dict[str, float]:
    """The peak RSS per process from bench/README.md's last memory row (MiB)."""
    readme = (ROOT / "bench" / "README.md").read_text()
    rows = [line for line in readme.splitlines() if line.startswith("| 20") and "MiB" in line]
    peak = [line for line in rows if "peak" in line][-1]
    cells = [c.strip() for c in peak.strip("|").split("|")]
    mib = [float(c.split()[0].replace(",", "")) for c in cells[1:5]]
    sms = float(re.search(r"SMS sender ([\d.]+) MiB", peak).group(1))
    return {"actions": mib[1], "rasa": mib[2], "web": mib[3], "sms-sender": sms}


def mebibytes(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi)", quantity).groups()
    return float(number) * (1024 if unit == "Gi" else 1)


@pytest.fixture(scope="module")
def rendered() -> list[dict[str, Any]]:
    kubectl = shutil.which("kubectl")
    assert kubectl, "kubectl is needed to render deploy/kubernetes (kubectl kustomize)"
    output = subprocess.run(
        [kubectl, "kustomize", str(ROOT / "deploy" / "kubernetes")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [doc for doc in yaml.safe_load_all(output) if doc]


def by_kind(objects: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def test_every_kubernetes_object_is_valid_against_the_schemas(rendered):
    kinds = sorted({o["kind"] for o in rendered})
    assert kinds == sorted(
        {
            "Namespace",
            "ConfigMap",
            "Secret",
            "Service",
            "Job",
            "Deployment",
            "HorizontalPodAutoscaler",
            "PodDisruptionBudget",
            "Ingress",
        }
    )
    for obj in rendered:
        kubernetes_validate.validate(obj, K8S_VERSION, strict=True)  # raises on any unknown or bad field
        assert obj["kind"] == "Namespace" or obj["metadata"]["namespace"] == "concierge"


def test_each_role_runs_a_real_command_with_known_settings_ports_and_probes(rendered):
    known, cli = config_variables(), commands()
    config_map = by_kind(rendered, "ConfigMap")["concierge-config"]["data"]
    secret = by_kind(rendered, "Secret")["concierge-secrets"]["stringData"]
    assert set(config_map) <= known and set(secret) <= known, set(config_map) | set(secret) - known
    web_routes = {
        r.resource.canonical
        for r in create_app(services_on(make_url("sqlite://")), staff_token="x").router.routes()
    }
    deployments = by_kind(rendered, "Deployment")
    assert set(deployments) == {f"concierge-{role}" for role in ROLES}
    peak = measured_peak_rss_mib()
    services = by_kind(rendered, "Service")
    for role, (port, probe_paths) in ROLES.items():
        spec = deployments[f"concierge-{role}"]["spec"]["template"]["spec"]
        [container] = spec["containers"]
        assert container["image"] == IMAGE and container["args"] == [role] and role in cli
        assert {e["name"] for e in container.get("env", [])} <= known
        assert {s.get("configMapRef", s.get("secretRef"))["name"] for s in container["envFrom"]} == {
            "concierge-config",
            "concierge-secrets",
        }
        assert spec["securityContext"]["runAsNonRoot"] and spec["securityContext"]["runAsUser"] == 10001
        requested = mebibytes(container["resources"]["requests"]["memory"])
        assert peak[role] < requested < mebibytes(container["resources"]["limits"]["memory"]), role
        if port is None:  # the SMS sender: liveness is its heartbeat, checked by our own command
            assert container["livenessProbe"]["exec"]["command"] == [
                "python",
                "-m",
                "bot",
                "healthcheck",
                "sms-sender",
            ]
            continue
        assert [p["containerPort"] for p in container["ports"]] == [port]
        assert services[f"concierge-{role}"]["spec"]["ports"][0]["port"] == port
        for probe in ("readinessProbe", "livenessProbe"):
            path = container[probe]["httpGet"]["path"]
            assert path in probe_paths, (role, probe, path)
            assert role != "web" or path in web_routes
        if role == "actions":
            assert {"name": "ACTIONS_HOST", "value": "0.0.0.0"} in container["env"]
    # The parts find each other through the Services, on the code's ports.
    assert config_map["ACTIONS_URL"] == "http://concierge-actions:5055/webhook"
    assert config_map["RASA_URL"] == "http://concierge-rasa:5005"
    [job_container] = by_kind(rendered, "Job")["concierge-migrate"]["spec"]["template"]["spec"]["containers"]
    assert job_container["args"] == ["migrate"] and job_container["image"] == IMAGE


def test_autoscaling_disruption_budgets_ingress_and_secrets(rendered):
    hpas = by_kind(rendered, "HorizontalPodAutoscaler")
    assert {h["spec"]["scaleTargetRef"]["name"] for h in hpas.values()} == {
        "concierge-rasa",
        "concierge-actions",
    }
    assert all(h["spec"]["minReplicas"] >= 2 for h in hpas.values())
    budgets = {
        p["spec"]["selector"]["matchLabels"]["app.kubernetes.io/name"]
        for p in by_kind(rendered, "PodDisruptionBudget").values()
    }
    assert budgets == {f"concierge-{role}" for role in ROLES}
    ingresses = by_kind(rendered, "Ingress")
    chat = ingresses["concierge-chat"]
    routes = {p["path"]: p["backend"]["service"] for p in chat["spec"]["rules"][0]["http"]["paths"]}
    assert routes["/socket.io/"] == {"name": "concierge-rasa", "port": {"number": 5005}}
    assert int(chat["metadata"]["annotations"]["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    for ingress in ingresses.values():
        assert int(ingress["metadata"]["annotations"]["nginx.ingress.kubernetes.io/limit-rps"]) > 0
        assert ingress["spec"]["tls"]
    assert "nginx.ingress.kubernetes.io/limit-connections" in chat["metadata"]["annotations"]
    # Secrets are placeholders, never real values.
    secret = by_kind(rendered, "Secret")["concierge-secrets"]["stringData"]
    for name in ("STAFF_TOKEN", "RASA_TOKEN", "METRICS_TOKEN"):
        assert secret[name] == "REPLACE_ME"
    assert "REPLACE_ME" in secret["DATABASE_URL"]
    externals = {
        s["metadata"]["name"]
        for s in by_kind(rendered, "Service").values()
        if s["spec"].get("type") == "ExternalName"
    }
    assert externals == {"postgres", "redis"}


def compose_binary() -> list[str]:
    """Docker Compose v2 (`docker compose`) where installed, else Debian's docker-compose."""
    if subprocess.run(["docker", "compose", "version"], capture_output=True).returncode == 0:
        return ["docker", "compose"]
    found = shutil.which("docker-compose")
    assert found, "docker-compose is needed to validate compose.yaml (Debian: apt-get install docker-compose)"
    return [found]


def test_compose_file_validates_and_agrees_with_the_code(tmp_path):
    env_example = ROOT / ".env.example"
    result = subprocess.run(
        [*compose_binary(), "--env-file", str(env_example), "-f", str(ROOT / "compose.yaml"), "config"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stderr
    compose = yaml.safe_load(result.stdout)
    services = compose["services"]
    # Without the secrets, it refuses to start rather than run with empty tokens.
    (tmp_path / "none.env").write_text("# nothing set\n")
    refused = subprocess.run(
        [
            *compose_binary(),
            "--env-file",
            str(tmp_path / "none.env"),
            "-f",
            str(ROOT / "compose.yaml"),
            "config",
        ],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert refused.returncode != 0 and "POSTGRES_PASSWORD" in refused.stderr

    ours = {name: s for name, s in services.items() if s.get("image", "").startswith("mobility-concierge")}
    assert sorted(ours) == ["actions-1", "actions-2", "migrate", "rasa-1", "rasa-2", "sms-sender", "web"]
    known, cli = config_variables(), commands()
    for name, service in ours.items():
        [command] = service["command"]
        assert command in cli and re.sub(r"-\d$", "", name) == command
        assert set(service["environment"]) <= known, set(service["environment"]) - known
        if name != "migrate":
            assert service["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert ours["actions-1"]["environment"]["ACTIONS_HOST"] == "0.0.0.0"
    assert ours["rasa-1"]["environment"]["ACTIONS_URL"] == "http://nginx:5055/webhook"
    assert ours["web"]["environment"]["RASA_URL"] == "http://nginx:5005"
    assert {"postgres", "redis", "nginx"} <= set(services)
    published = {p["target"] for p in services["nginx"]["ports"]}
    assert published == {80, 443}  # nothing else is published
    assert all("ports" not in s for s in ours.values())

    # Every ${VARIABLE} compose.yaml reads is documented in .env.example.
    used = set(re.findall(r"\$\{(\w+)", (ROOT / "compose.yaml").read_text()))
    documented = set(re.findall(r"^(\w+)=", env_example.read_text(), re.M))
    assert used <= documented, used - documented

    # nginx's upstreams are the services on the code's default ports; limits answer 429.
    nginx = (ROOT / "deploy" / "compose" / "nginx.conf").read_text()
    assert set(re.findall(r"server (rasa-\d):5005", nginx)) == {"rasa-1", "rasa-2"}
    assert set(re.findall(r"server (actions-\d):5055", nginx)) == {"actions-1", "actions-2"}
    assert "server web:8000;" in nginx
    assert "limit_req_status 429;" in nginx and "limit_conn_status 429;" in nginx
    assert "ssl_certificate /etc/nginx/certs/fullchain.pem;" in nginx


def test_dockerfile_builds_one_non_root_image_from_the_hashed_runtime_lock():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert dockerfile.count("FROM python:3.10-slim AS runtime") == 1
    assert "tzdata" in dockerfile and "USER concierge" in dockerfile
    assert "pip install --require-hashes --no-deps -r requirements.lock" in dockerfile
    assert "requirements-dev" not in dockerfile  # no test tools in production
    assert "HEALTHCHECK" in dockerfile and '"bot", "healthcheck"' in dockerfile
    assert 'ENTRYPOINT ["python", "-m", "bot"]' in dockerfile and "python -m bot train" in dockerfile
    env = set(re.findall(r"^\s+(\w+)=", dockerfile.split("ENV ", 1)[1].split("\n\n", 1)[0], re.M))
    assert env and all(name in config_variables() or TOOL_VARIABLES.match(name) for name in env), env
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert {"var", "models", ".venv", ".env", "tests"} <= set(ignored)


def test_compose_nginx_config_is_accepted_by_nginx(tmp_path):
    """`nginx -t` on deploy/compose/nginx.conf, with the Compose service names pointed at this
    machine and a throwaway self-signed certificate in place of the mounted ones."""
    from bot.scaleout import profile

    nginx = profile.nginx_binary()
    assert nginx, "nginx is needed (Debian: apt-get install nginx)"
    self_signed(tmp_path / "fullchain.pem", tmp_path / "privkey.pem", "test")
    conf = (ROOT / "deploy" / "compose" / "nginx.conf").read_text()
    conf = re.sub(r"\b(rasa-\d|actions-\d|web):", "127.0.0.1:", conf)
    conf = conf.replace("/tmp/", f"{tmp_path}/").replace("/etc/nginx/certs/", f"{tmp_path}/")
    (tmp_path / "nginx.conf").write_text(conf)
    result = subprocess.run(
        [
            nginx,
            "-t",
            "-p",
            str(tmp_path),
            "-c",
            str(tmp_path / "nginx.conf"),
            "-e",
            str(tmp_path / "error.log"),
        ],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0 and "test is successful" in result.stderr, result.stderr
