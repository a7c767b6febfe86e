"""docker-compose.yml and the Dockerfile agree with the code: every service, its port, its settings.

No Docker is needed: the compose file is parsed as YAML (merge keys resolved) and checked against the
services found under ``services/`` and the pydantic settings they read.
"""

from __future__ import annotations

import importlib
import os
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from patentflow.kit.settings import ENV_PREFIX, ServiceSettings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
SERVICES = sorted(d.name for d in (ROOT / "services").iterdir() if (d / "pyproject.toml").is_file())
REQUIRED_SETTINGS = ("KAFKA_BOOTSTRAP_SERVERS", "MONGODB_URL", "AUTH_SECRET", "HTTP_PORT")
INTERPOLATION = re.compile(r"\$\{(?P<name>\w+)(?::?(?P<op>[-?])(?P<arg>[^}]*))?\}")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text())
    assert isinstance(document, dict), "docker-compose.yml is not a mapping"
    assert isinstance(document.get("services"), dict), "no services in compose"
    return document


def service(compose: dict[str, Any], name: str) -> dict[str, Any]:
    definition = compose["services"].get(name)
    assert isinstance(definition, dict), f"{name} is not a service in docker-compose.yml"
    return definition


def environment(definition: dict[str, Any]) -> dict[str, str]:
    """The environment of a compose service, whether written as a mapping or as a list of NAME=value."""
    env = definition.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) if "=" in item else (item, "") for item in env)
    return {str(k): "" if v is None else str(v) for k, v in env.items()}


def split_image(image: str) -> tuple[str, str]:
    repository, _, tag = image.rpartition(":") if ":" in image.split("/")[-1] else (image, "", "latest")
    return repository, tag


def major(tag: str) -> int:
    found = re.match(r"(\d+)", tag)
    assert found, f"image tag {tag!r} names no version"
    return int(found.group(1))


def healthcheck_command(definition: dict[str, Any]) -> str:
    check = definition.get("healthcheck") or {}
    assert check, "no healthcheck"
    assert not check.get("disable"), "healthcheck disabled"
    test = check.get("test")
    assert test, "healthcheck has no test"
    assert test != ["NONE"], "healthcheck test is NONE"
    return " ".join(test) if isinstance(test, list) else str(test)


def published_ports(definition: dict[str, Any]) -> set[tuple[int, int]]:
    """(host port, container port) pairs, from short ("[ip:]host:container[/proto]") or long syntax."""
    pairs = set()
    for entry in definition.get("ports") or []:
        if isinstance(entry, dict):
            pairs.add((int(entry.get("published", 0)), int(entry["target"])))
            continue
        parts = str(entry).split("/")[0].split(":")
        if len(parts) >= 2:
            pairs.add((int(parts[-2]), int(parts[-1])))
    return pairs


def settings_class(name: str) -> type[ServiceSettings]:
    return importlib.import_module(f"patentflow.{name}.config").Settings  # type: ignore[no-any-return]


def resolve(value: str) -> str:
    """A compose value as the service would see it: defaults applied, required variables given a stand-in."""

    def substitute(match: re.Match[str]) -> str:
        if match.group("op") == "-":
            return match.group("arg")
        return "compose-test-stand-in-secret-of-48-bytes-long!!"

    return INTERPOLATION.sub(substitute, value)


def test_services_are_discovered_under_services_directory() -> None:
    assert SERVICES, "no service directories found under services/"
    for name in SERVICES:
        assert (ROOT / "services" / name / "src" / "patentflow" / name / "__main__.py").is_file()


def test_kafka_runs_apache_kafka_4_in_kraft_mode(compose: dict[str, Any]) -> None:
    kafka = service(compose, "kafka")
    repository, tag = split_image(kafka["image"])
    assert repository == "apache/kafka"
    assert major(tag) == 4
    env = environment(kafka)
    roles = {role.strip() for role in env.get("KAFKA_PROCESS_ROLES", "").split(",")}
    assert {"broker", "controller"} <= roles
    assert not any("ZOOKEEPER" in key for key in env), "KRaft needs no ZooKeeper"


def test_kafka_has_a_healthcheck(compose: dict[str, Any]) -> None:
    assert "kafka-broker-api-versions" in healthcheck_command(service(compose, "kafka"))


def test_kafka_leaves_topic_creation_to_the_services(compose: dict[str, Any]) -> None:
    assert environment(service(compose, "kafka")).get("KAFKA_AUTO_CREATE_TOPICS_ENABLE", "").lower() == "false"


def test_mongo_is_version_7_or_later_with_a_healthcheck(compose: dict[str, Any]) -> None:
    mongo = service(compose, "mongo")
    repository, tag = split_image(mongo["image"])
    assert repository == "mongo"
    assert major(tag) >= 7
    assert "ping" in healthcheck_command(mongo)


def test_services_bootstrap_from_a_listener_kafka_advertises(compose: dict[str, Any]) -> None:
    advertised = environment(service(compose, "kafka")).get("KAFKA_ADVERTISED_LISTENERS", "")
    addresses = {listener.split("://", 1)[-1] for listener in advertised.split(",") if listener}
    for name in SERVICES:
        bootstrap = environment(service(compose, name)).get(f"{ENV_PREFIX}KAFKA_BOOTSTRAP_SERVERS", "")
        assert set(bootstrap.split(",")) <= addresses, (
            f"{name} bootstraps from {bootstrap}, kafka advertises {addresses}"
        )


@pytest.mark.parametrize("name", SERVICES)
def test_service_is_built_from_the_repo_dockerfile_for_itself(compose: dict[str, Any], name: str) -> None:
    build = service(compose, name).get("build")
    assert isinstance(build, dict), f"{name} must be built with args, not pulled"
    assert (COMPOSE_FILE.parent / build.get("context", ".")).resolve() == ROOT
    assert (ROOT / build.get("context", ".") / build.get("dockerfile", "Dockerfile")).resolve() == DOCKERFILE
    args = build.get("args") or {}
    if isinstance(args, list):
        args = dict(item.split("=", 1) for item in args)
    assert args.get("SERVICE") == name


@pytest.mark.parametrize("name", SERVICES)
def test_service_publishes_its_default_http_port(compose: dict[str, Any], name: str) -> None:
    port = settings_class(name).model_fields["http_port"].default
    definition = service(compose, name)
    assert (port, port) in published_ports(definition)
    configured = environment(definition).get(f"{ENV_PREFIX}HTTP_PORT")
    assert configured is None or int(configured) == port, f"{name} listens on {configured}, publishes {port}"


@pytest.mark.parametrize("name", SERVICES)
def test_service_healthcheck_asks_its_own_readiness_endpoint(compose: dict[str, Any], name: str) -> None:
    port = settings_class(name).model_fields["http_port"].default
    assert f":{port}/health/ready" in healthcheck_command(service(compose, name))


@pytest.mark.parametrize("name", SERVICES)
def test_service_waits_for_healthy_kafka_and_mongo(compose: dict[str, Any], name: str) -> None:
    depends_on = service(compose, name).get("depends_on")
    assert isinstance(depends_on, dict), f"{name} must wait on conditions, not just start order"
    for dependency in ("kafka", "mongo"):
        assert (depends_on.get(dependency) or {}).get("condition") == "service_healthy", f"{name} -> {dependency}"


@pytest.mark.parametrize("name", SERVICES)
def test_service_sets_the_required_settings(compose: dict[str, Any], name: str) -> None:
    env = environment(service(compose, name))
    missing = [key for key in REQUIRED_SETTINGS if not env.get(ENV_PREFIX + key)]
    assert not missing, f"{name} does not set {missing}"
    assert "${" in env[f"{ENV_PREFIX}AUTH_SECRET"], "the auth secret must come from the caller, not the file"


def test_every_patentflow_variable_is_a_real_setting(compose: dict[str, Any]) -> None:
    unknown = []
    for name, definition in compose["services"].items():
        fields = settings_class(name).model_fields if name in SERVICES else ServiceSettings.model_fields
        unknown += [
            f"{name}: {key}"
            for key in environment(definition)
            if key.startswith(ENV_PREFIX) and key.removeprefix(ENV_PREFIX).lower() not in fields
        ]
    assert not unknown, f"no such setting: {unknown}"


@pytest.mark.parametrize("name", SERVICES)
def test_service_environment_is_accepted_by_its_settings(
    compose: dict[str, Any], name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for key in [key for key in os.environ if key.startswith(ENV_PREFIX)]:
        monkeypatch.delenv(key)
    for key, value in environment(service(compose, name)).items():
        monkeypatch.setenv(key, resolve(value))
    settings = settings_class(name)()
    assert settings.service_name == name


def test_dockerfile_syncs_the_locked_workspace_and_runs_the_service_module() -> None:
    text = DOCKERFILE.read_text()
    assert "uv sync --frozen" in text
    assert "python -m patentflow." in text
    assert re.search(r"^ARG SERVICE\b", text, re.MULTILINE)
    assert re.search(r"^USER (?!root\b|0\b)\S+", text, re.MULTILINE), "the service must not run as root"
    assert re.search(r"^HEALTHCHECK .*", text, re.MULTILINE)
    assert "/health/ready" in text
