"""Service settings: read from PATENTFLOW_ variables, weak or development secrets refused where they matter."""

from __future__ import annotations

import os

import pytest
from pydantic import ValidationError

from patentflow.kit.settings import ENV_PREFIX, ServiceSettings

STRONG = "k" * 32
DEV_SECRET = "dev-only-secret-for-make-run-0123456789"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings read the process environment: start every test from none of our variables."""
    for name in list(os.environ):
        if name.upper().startswith(ENV_PREFIX):
            monkeypatch.delenv(name)


def test_refuses_missing_secret() -> None:
    with pytest.raises(ValidationError, match=r"at least 32 bytes"):
        ServiceSettings()


def test_refuses_secret_shorter_than_32_bytes() -> None:
    with pytest.raises(ValidationError, match=r"at least 32 bytes"):
        ServiceSettings(auth_secret="k" * 31)


def test_counts_secret_length_in_bytes() -> None:
    assert ServiceSettings(auth_secret="密" * 11).auth_secret.get_secret_value() == "密" * 11  # 33 bytes
    with pytest.raises(ValidationError, match=r"at least 32 bytes"):
        ServiceSettings(auth_secret="密" * 10)  # 30 bytes, 10 characters


def test_refuses_development_secret_in_production() -> None:
    with pytest.raises(ValidationError, match=r"development secret"):
        ServiceSettings(auth_secret=DEV_SECRET, environment="production")


@pytest.mark.parametrize("environment", ["development", "test"])
def test_accepts_development_secret_outside_production(environment: str) -> None:
    settings = ServiceSettings(auth_secret=DEV_SECRET, environment=environment)
    assert settings.environment == environment
    assert settings.auth_secret.get_secret_value() == DEV_SECRET


def test_accepts_strong_secret_in_production() -> None:
    assert ServiceSettings(auth_secret=STRONG, environment="production").environment == "production"


def test_secret_is_not_shown_in_repr() -> None:
    assert STRONG not in repr(ServiceSettings(auth_secret=STRONG))


def test_reads_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATENTFLOW_SERVICE_NAME", "inventory")
    monkeypatch.setenv("PATENTFLOW_AUTH_SECRET", STRONG)
    monkeypatch.setenv("PATENTFLOW_HTTP_PORT", "8123")
    monkeypatch.setenv("PATENTFLOW_CONSUMER_MAX_ATTEMPTS", "7")
    monkeypatch.setenv("PATENTFLOW_LOG_JSON", "false")
    monkeypatch.setenv("PATENTFLOW_KAFKA_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092")
    settings = ServiceSettings()
    assert settings.service_name == "inventory"
    assert settings.auth_secret.get_secret_value() == STRONG
    assert settings.http_port == 8123
    assert settings.consumer_max_attempts == 7
    assert settings.log_json is False
    assert settings.kafka_bootstrap_servers == "kafka-1:9092,kafka-2:9092"


def test_ignores_variables_without_the_prefix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SERVICE_NAME", "not-ours")
    monkeypatch.setenv("AUTH_SECRET", STRONG)
    with pytest.raises(ValidationError, match=r"at least 32 bytes"):
        ServiceSettings()
    assert ServiceSettings(auth_secret=STRONG).service_name == "service"


def test_refuses_development_secret_from_environment_in_production(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATENTFLOW_ENVIRONMENT", "production")
    monkeypatch.setenv("PATENTFLOW_AUTH_SECRET", DEV_SECRET)
    with pytest.raises(ValidationError, match=r"development secret"):
        ServiceSettings()


def test_refuses_invalid_values_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATENTFLOW_AUTH_SECRET", STRONG)
    monkeypatch.setenv("PATENTFLOW_HTTP_PORT", "70000")
    with pytest.raises(ValidationError, match=r"http_port"):
        ServiceSettings()


def test_database_name_defaults_to_the_service_name() -> None:
    assert ServiceSettings(auth_secret=STRONG).database_name == "patentflow_service"
    assert ServiceSettings(auth_secret=STRONG, service_name="pledge").database_name == "patentflow_pledge"


def test_database_name_can_be_set_explicitly(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATENTFLOW_MONGODB_DATABASE", "shared_db")
    assert ServiceSettings(auth_secret=STRONG, service_name="pledge").database_name == "shared_db"
