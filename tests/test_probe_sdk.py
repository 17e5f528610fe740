"""The SDK probes: the openai package's presence and version, and 0.x API calls in the project's code."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from doctor.findings import Severity
from doctor.probes import sdk
from doctor.probes.sdk import check_sdk_version, scan_for_legacy_calls, version_tuple
from doctor.runner import Context
from tests.conftest import run_cli

DATA = Path(__file__).parent / "data" / "environment"
# Old calls are spelled in two parts, so that the doctor run on this repository does not report its own tests.
OLD = "openai" + "."


def fake_versions(monkeypatch, **versions: str | None) -> None:
    """Pretend these distributions are installed (None: not installed); others keep their real version."""
    real = sdk.installed_version
    table = {name.replace("_", "-"): v for name, v in versions.items()}
    monkeypatch.setattr(sdk, "installed_version", lambda name: table[name] if name in table else real(name))


def version_probe(make_settings, **kwargs):
    return check_sdk_version(Context(settings=make_settings(**kwargs)))


def legacy_probe(make_settings, **kwargs):
    return scan_for_legacy_calls(Context(settings=make_settings(**kwargs)))


def codes(outcome) -> list[str]:
    return [f.code for f in outcome.findings]


# --- version -------------------------------------------------------------------------------


def test_the_installed_sdk_passes_and_its_versions_are_evidence(make_settings):
    outcome = version_probe(make_settings)
    assert outcome.findings == []
    assert version_tuple(outcome.evidence["versions"]["openai"]) >= (1,)
    assert outcome.evidence["python"] == sys.executable


def test_a_missing_sdk_names_the_python_that_was_checked(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai=None)
    outcome = version_probe(make_settings)
    assert codes(outcome) == ["sdk.missing"]
    assert sys.executable in outcome.findings[0].message.en


def test_the_0x_sdk_is_outdated(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai="0.28.1")
    outcome = version_probe(make_settings)
    assert codes(outcome) == ["sdk.outdated"]
    assert "openai 0.28.1 is the 0.x SDK" in outcome.findings[0].message.en


def test_old_openai_with_httpx_028_is_known_to_break(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai="1.54.0", httpx="0.28.1")
    [finding] = version_probe(make_settings).findings
    assert finding.code == "sdk.outdated" and finding.severity is Severity.ERROR
    assert "unexpected keyword argument 'proxies'" in finding.message.en and "1.55.3" in finding.message.en


@pytest.mark.parametrize(("openai", "httpx"), [("1.54.0", "0.27.2"), ("1.55.3", "0.28.1"), ("1.54.0", None)])
def test_compatible_openai_and_httpx_pass(make_settings, monkeypatch, openai, httpx):
    fake_versions(monkeypatch, openai=openai, httpx=httpx)
    assert version_probe(make_settings).findings == []


def test_an_sdk_older_than_a_variable_it_is_given_ignores_it(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai="1.2.4", httpx="0.25.2")
    [finding] = version_probe(make_settings, env={"OPENAI_BASE_URL": "https://gw.example.com/v1"}).findings
    assert "does not read OPENAI_BASE_URL (supported since 1.3.0)" in finding.message.en


def test_a_project_id_in_dotenv_needs_openai_1_20(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai="1.19.0", httpx="0.27.0")
    [finding] = version_probe(make_settings, dotenv="OPENAI_PROJECT_ID=proj_x\n").findings
    assert "OPENAI_PROJECT_ID" in finding.message.en and "1.20.0" in finding.message.en


def test_an_old_sdk_without_those_variables_is_fine(make_settings, monkeypatch):
    fake_versions(monkeypatch, openai="1.2.4", httpx="0.25.2")
    assert version_probe(make_settings, env={"OPENAI_API_KEY": "sk-x"}).findings == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("1.55.3", (1, 55, 3)), ("1.0.0rc1", (1, 0, 0)), ("0.28", (0, 28)), ("3.57.0+local", (3, 57, 0)), ("dev", ())],
)
def test_version_tuple(text, expected):
    assert version_tuple(text) == expected


def test_an_outdated_sdk_end_to_end(tmp_path):
    """A fake dist-info first on the path is what importlib.metadata reports, as for a real old install."""
    dist = tmp_path / "site" / "openai-0.28.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: openai\nVersion: 0.28.1\n")
    project = tmp_path / "project"
    project.mkdir()
    result = run_cli("check", "--offline", "--json", cwd=project, env={"PYTHONPATH": str(tmp_path / "site")})
    report = json.loads(result.stdout)
    assert [f["code"] for f in report["findings"] if f["code"].startswith("sdk.")] == ["sdk.outdated"]
    assert result.returncode == 1


# --- 0.x calls in code ---------------------------------------------------------------------

EXPECTED_LEGACY_CALLS = [
    (5, OLD + "error", "from openai import APIError, RateLimitError, ..."),
    (7, OLD + "api_key", "client = OpenAI()  # reads OPENAI_API_KEY"),
    (8, OLD + "api_base", "OpenAI(base_url=...) / OPENAI_BASE_URL"),
    (14, OLD + "ChatCompletion.create", "client.chat.completions.create(model=..., messages=[...])"),
    (15, OLD + "error.InvalidRequestError", "openai.BadRequestError"),
    (17, OLD + "error.RateLimitError", "openai.RateLimitError"),
    (22, OLD + "Embedding.create", "client.embeddings.create(model=..., input=...)"),
    (23, OLD + "Image.create_edit", "client.images.edit(...)"),
]


@pytest.fixture
def legacy_app(tmp_path):
    shutil.copy(DATA / "legacy_app.py.txt", tmp_path / "app.py")
    return tmp_path / "app.py"


def test_every_0x_call_is_reported_with_its_line_and_replacement(make_settings, legacy_app):
    outcome = legacy_probe(make_settings)
    got = sorted((f.evidence["line"], f.evidence["call"], f.message.en.rsplit(" ", 1)[0]) for f in outcome.findings)
    assert [(line, call) for line, call, _ in got] == [(line, call) for line, call, _ in EXPECTED_LEGACY_CALLS]
    for finding, (line, call, replacement) in zip(
        sorted(outcome.findings, key=lambda f: f.evidence["line"]), EXPECTED_LEGACY_CALLS
    ):
        assert f"app.py:{line}" in finding.message.en and replacement in finding.message.en
    assert outcome.evidence["calls_found"] == len(EXPECTED_LEGACY_CALLS)


def test_removed_calls_are_errors_but_setting_the_module_key_is_only_info(make_settings, legacy_app):
    severities = {f.evidence["call"]: f.severity for f in legacy_probe(make_settings).findings}
    assert severities[OLD + "api_key"] is Severity.INFO
    assert severities[OLD + "ChatCompletion.create"] is Severity.ERROR


def test_with_the_0x_sdk_installed_old_calls_still_run_so_they_are_warnings(make_settings, legacy_app, monkeypatch):
    fake_versions(monkeypatch, openai="0.28.1")
    severities = {f.evidence["call"]: f.severity for f in legacy_probe(make_settings).findings}
    assert severities[OLD + "ChatCompletion.create"] is Severity.WARNING


def test_notebooks_are_scanned_but_prose_is_not(make_settings, tmp_path):
    cell = {"cell_type": "code", "source": ["import openai\n", f"r = {OLD}Completion.create(prompt='hi')\n"]}
    (tmp_path / "demo.ipynb").write_text(json.dumps({"cells": [cell]}, indent=1))
    (tmp_path / "README.md").write_text(f"Old style: {OLD}ChatCompletion.create(...)\n")
    [finding] = legacy_probe(make_settings).findings
    assert finding.evidence["file"] == "demo.ipynb" and "client.completions.create" in finding.message.en


def test_legacy_calls_inside_virtualenvs_are_not_the_users_code(make_settings, tmp_path):
    site = tmp_path / "venv" / "lib" / "site-packages" / "oldlib"
    site.mkdir(parents=True)
    (site / "x.py").write_text(f"{OLD}ChatCompletion.create()\n")
    assert legacy_probe(make_settings).findings == []


def test_a_non_utf8_python_file_is_scanned_without_crashing(make_settings, tmp_path):
    (tmp_path / "old.py").write_bytes("# café\n".encode("latin-1") + f"{OLD}Embedding.create(input='x')\n".encode())
    [finding] = legacy_probe(make_settings).findings
    assert finding.evidence["line"] == 2


def test_current_sdk_code_is_not_reported(make_settings, tmp_path):
    (tmp_path / "app.py").write_text(
        "import openai\nfrom openai import OpenAI\n\nclient = OpenAI()\n"
        "client.chat.completions.create(model='gpt-4o-mini', messages=[])\n"
        "try:\n    openai.models.list()\nexcept openai.APIError:\n    pass\n"
    )
    assert legacy_probe(make_settings).findings == []


def test_legacy_usage_end_to_end_in_chinese(tmp_path, legacy_app):
    result = run_cli("check", "--offline", "--lang", "zh", cwd=tmp_path)
    assert f"app.py:14 使用了 openai 1.0 已移除的 {OLD}ChatCompletion.create" in result.stdout
    assert result.returncode == 1


def test_many_calls_are_listed_up_to_a_limit_and_the_rest_counted(make_settings, tmp_path):
    (tmp_path / "many.py").write_text("".join(f"{OLD}Embedding.create(input='{n}')\n" for n in range(12)))
    outcome = legacy_probe(make_settings)
    assert [f.evidence.get("line") for f in outcome.findings] == [*range(1, 11), None]
    assert "2 more openai 0.x call(s) in many.py" in outcome.findings[-1].message.en
    assert outcome.evidence["calls_found"] == 12
