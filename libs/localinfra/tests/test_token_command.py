"""``python -m patentflow.localinfra token``: development tokens signed with the local secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from patentflow.contracts.access import Role
from patentflow.kit.auth import verify_token
from patentflow.localinfra.__main__ import main
from patentflow.localinfra.config import InfraConfig
from patentflow.localinfra.infra import auth_secret


def test_issues_a_token_the_services_accept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PATENTFLOW_AUTH_SECRET", raising=False)

    code = main(
        ["--data-dir", str(tmp_path), "token", "--role", "institution_admin", "--institution", "12100000400000624D"]
    )

    secret = auth_secret(InfraConfig.from_env(tmp_path))
    principal = verify_token(capsys.readouterr().out.strip(), secret)
    assert code == 0
    assert principal.role is Role.INSTITUTION_ADMIN
    assert principal.scope.institution == "12100000400000624D"


def test_a_bad_scope_is_refused_with_a_message(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("PATENTFLOW_AUTH_SECRET", raising=False)

    code = main(["--data-dir", str(tmp_path), "token", "--role", "province_office", "--province", "99"])

    assert code == 2
    assert "province must be a GB/T 2260 province code" in capsys.readouterr().err


def test_help_lists_the_roles_and_the_scope_each_needs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--data-dir", str(tmp_path), "token", "--help"])
    out = " ".join(capsys.readouterr().out.split())  # argparse wraps lines
    assert done.value.code == 0
    assert "--role" in out
    assert "inventor: institution + person" in out
    assert "province_office: province" in out


def test_a_token_without_its_whole_scope_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["--data-dir", str(tmp_path), "token", "--role", "inventor", "--person", "zhangsan"])
    assert code != 0
    assert "scope.institution" in capsys.readouterr().err
