"""The `check` command's contract through the real CLI: formats, --output, --fail-level, --ignore, --lang, exit codes, colour."""

from __future__ import annotations

import json
import os
import pty
import re
import shlex
import subprocess
import sys

import pytest
import yaml
from junitparser import Failure, JUnitXml

from doctor import cli, runner
from doctor.exitcodes import ExitCode
from doctor.render import FORMATS
from tests.conftest import PROJECT_KEY, ROOT, subprocess_env

PLACEHOLDER = {"OPENAI_API_KEY": "sk-proj-your-api-key-here"}
# A well-formed project key of an unusual length (100): key.malformed as a warning, nothing worse.
UNUSUAL_LENGTH = {"OPENAI_API_KEY": "sk-proj-" + "A" * 40 + "T3BlbkFJ" + "b" * 44}
ENGLISH = {"LC_ALL": "", "LC_MESSAGES": "", "LANGUAGE": "", "LANG": "en_US.UTF-8"}
CA_VARIABLES = {"SSL_CERT_FILE", "SSL_CERT_DIR", "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"}


def isolated_env(env: dict[str, str]) -> dict[str, str]:
    """The subprocess environment without the developer's proxy and CA settings, which other checks judge."""
    full = subprocess_env({**ENGLISH, **env})
    return {k: v for k, v in full.items() if k in env or not (k.upper().endswith("_PROXY") or k.upper() in CA_VARIABLES)}


def check(tmp_path, *args: str, env: dict[str, str] | None = None):
    """`openai-doctor check --offline` on an empty project folder, in English unless env says otherwise."""
    command = [sys.executable, "-m", "doctor", "check", "--offline", "--project-dir", str(tmp_path), *args]
    return subprocess.run(command, capture_output=True, text=True, env=isolated_env(env or {}), cwd=tmp_path, timeout=60)


def json_codes(stdout: str) -> list[str]:
    return [f["code"] for f in json.loads(stdout)["findings"]]


def assert_usage_error(result, *words: str):
    assert result.returncode == ExitCode.USAGE, result.stderr
    assert result.stdout == ""
    (line,) = result.stderr.splitlines()
    assert line.startswith("openai-doctor: error: ")
    for word in words:
        assert word in line


# --- every format carries the finding ----------------------------------------------------


def _text_ok(out: str) -> bool:
    return bool(re.search(r"^\[✗\] .*\n +✗ .*\[key\.placeholder\]$", out, re.M))


def _json_ok(out: str) -> bool:
    data = json.loads(out)
    return "key.placeholder" in json_codes(out) and data["exit_code"] == 1


def _junit_ok(out: str) -> bool:
    cases = [case for suite in JUnitXml.fromstring(out.encode()) for case in suite]
    return any(isinstance(r, Failure) and r.type == "key.placeholder" for case in cases for r in case.result)


def _github_ok(out: str) -> bool:
    return any(line.startswith("::error title=key.placeholder::") for line in out.splitlines())


def _markdown_ok(out: str) -> bool:
    return out.startswith("## openai-doctor report") and "- ✗ `key.placeholder` " in out


# Each format and how to recognise a key.placeholder error in it; a new format fails here until it has one.
FORMAT_CHECKS = {"text": _text_ok, "json": _json_ok, "junit": _junit_ok, "github": _github_ok, "markdown": _markdown_ok}


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_reports_the_finding(tmp_path, fmt):
    result = check(tmp_path, "--format", fmt, env=PLACEHOLDER)
    assert result.returncode == 1, result.stderr
    assert FORMAT_CHECKS[fmt](result.stdout), result.stdout


def test_json_flag_is_format_json(tmp_path):
    result = check(tmp_path, "--json", env=PLACEHOLDER)
    assert json.loads(result.stdout)["schema_version"] == 1


def test_output_writes_the_file_and_nothing_on_stdout(tmp_path):
    target = tmp_path / "report.xml"
    result = check(tmp_path, "--format", "junit", "--output", str(target), env=PLACEHOLDER)
    assert result.returncode == 1
    assert result.stdout == ""
    assert _junit_ok(target.read_text(encoding="utf-8"))


@pytest.mark.parametrize("where", ["missing_dir/report.json", "."])
def test_unwritable_output_is_a_usage_error(tmp_path, where):
    assert_usage_error(check(tmp_path, "--json", "--output", str(tmp_path / where), env=PLACEHOLDER), "--output")


def test_github_format_appends_the_step_summary(tmp_path):
    summary = tmp_path / "summary.md"
    result = check(tmp_path, "--format", "github", env={**PLACEHOLDER, "GITHUB_STEP_SUMMARY": str(summary)})
    assert result.returncode == 1
    assert "`key.placeholder`" in summary.read_text(encoding="utf-8")
    check(tmp_path, "--format", "markdown", env={**PLACEHOLDER, "GITHUB_STEP_SUMMARY": str(tmp_path / "other.md")})
    assert not (tmp_path / "other.md").exists()


# --- exit codes, --fail-level, --ignore --------------------------------------------------


def test_warnings_fail_only_at_fail_level_warning(tmp_path):
    default = check(tmp_path, "--json", env=UNUSUAL_LENGTH)
    assert "key.malformed" in json_codes(default.stdout)
    assert default.returncode == 0, json_codes(default.stdout)
    strict = check(tmp_path, "--json", "--fail-level", "warning", env=UNUSUAL_LENGTH)
    assert strict.returncode == 1
    assert json.loads(strict.stdout)["exit_code"] == 1


def test_ignore_drops_findings_and_their_exit_code(tmp_path):
    result = check(tmp_path, "--ignore", "key.placeholder", "--ignore", "key.type", env=PLACEHOLDER)
    assert result.returncode == 0, result.stdout
    assert "key.placeholder" not in result.stdout
    assert "1 finding(s) ignored by --ignore." in result.stdout


def test_unknown_ignore_code_is_a_usage_error(tmp_path):
    assert_usage_error(check(tmp_path, "--ignore", "key.nope", env=PLACEHOLDER), "key.nope", "unknown")


@pytest.mark.parametrize(
    "args, words",
    [
        (("--format", "yaml"), ("--format",)),
        (("--fail-level", "info"), ("--fail-level",)),
        (("--timeout", "0"), ("--timeout",)),
        (("--env-file", "no-such.env"), ("--env-file", "no-such.env")),
        (("--no-such-flag",), ("--no-such-flag",)),
    ],
)
def test_bad_input_is_a_usage_error(tmp_path, args, words):
    assert_usage_error(check(tmp_path, *args, env=PLACEHOLDER), *words)


def isolated_registry(monkeypatch) -> dict:
    """An empty probe registry for this test; the real probe modules are imported first so they stay out."""
    import doctor.probes
    import doctor.runner

    doctor.probes.load_probes()
    registry: dict = {}
    monkeypatch.setattr(doctor.runner, "REGISTRY", registry)
    monkeypatch.setattr(doctor.probes, "REGISTRY", registry)
    return registry


def test_a_crashing_probe_exits_3(tmp_path, clean_env, monkeypatch, capsys):
    """Registered in-process (the subprocess could not see it): the run goes on, the exit code is 3."""
    isolated_registry(monkeypatch)
    clean_env.setenv("OPENAI_API_KEY", PROJECT_KEY)

    @runner.probe("test.boom", title=("Boom", "爆炸"), group="doctor")
    def boom(ctx):
        raise RuntimeError("probe exploded")

    @runner.probe("test.fine", title=("Fine", "正常"), group="doctor")
    def fine(ctx):
        return []

    assert cli.main(["check", "--offline", "--project-dir", str(tmp_path), "--json"]) == ExitCode.INTERNAL
    data = json.loads(capsys.readouterr().out)
    assert [(c["id"], c["status"]) for c in data["checks"]] == [("test.boom", "crash"), ("test.fine", "pass")]
    assert data["checks"][0]["evidence"]["exception"] == "RuntimeError: probe exploded"

    assert cli.main(["check", "--offline", "--project-dir", str(tmp_path), "-v", "--lang", "en"]) == ExitCode.INTERNAL
    out = capsys.readouterr().out
    assert "[crash] Boom" in out and "RuntimeError: probe exploded" in out


def test_findings_outrank_a_crash(tmp_path, clean_env, monkeypatch, capsys):
    from doctor.catalog import issue

    isolated_registry(monkeypatch)
    runner.probe("test.boom", title=("Boom", "爆炸"), group="doctor")(lambda ctx: 1 / 0)
    runner.probe("test.bad", title=("Bad", "坏"), group="doctor")(lambda ctx: [issue("key.missing", source="unset")])
    assert cli.main(["check", "--offline", "--project-dir", str(tmp_path), "--json"]) == ExitCode.FINDINGS


# --- language ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args, env, chinese",
    [
        ((), {"LANG": "zh_CN.UTF-8"}, True),
        ((), {"LC_ALL": "zh_TW.UTF-8", "LANG": "en_US.UTF-8"}, True),
        ((), {"LC_ALL": "en_US.UTF-8", "LANG": "zh_CN.UTF-8"}, False),
        (("--lang", "en"), {"LANG": "zh_CN.UTF-8"}, False),
        (("--lang", "zh"), {}, True),
    ],
)
def test_language_from_flag_or_locale(tmp_path, args, env, chinese):
    result = check(tmp_path, *args, env={**PLACEHOLDER, **env})
    assert ("是占位符" in result.stdout) is chinese
    assert ("is a placeholder" in result.stdout) is (not chinese)


# --- text output: colour and marks -------------------------------------------------------


def run_on_terminal(tmp_path, env: dict[str, str]) -> str:
    """Run check with stdout on a pseudo-terminal and return what the terminal received."""
    primary, secondary = pty.openpty()
    command = [sys.executable, "-m", "doctor", "check", "--offline", "--project-dir", str(tmp_path)]
    process = subprocess.Popen(command, stdout=secondary, stderr=subprocess.PIPE, env=isolated_env(env), cwd=tmp_path)
    os.close(secondary)
    chunks = []
    while True:
        try:
            chunk = os.read(primary, 4096)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(primary)
    assert process.wait(timeout=60) == 1, process.stderr.read()
    return b"".join(chunks).decode("utf-8")


def test_text_has_no_escape_codes_when_piped(tmp_path):
    result = check(tmp_path, env=PLACEHOLDER)
    assert "\x1b" not in result.stdout
    assert result.stdout.splitlines()[-1].endswith("problem(s) found (1 error(s), 0 warning(s)).")


def test_text_is_coloured_on_a_terminal_unless_no_color(tmp_path):
    assert "\x1b[31m" in run_on_terminal(tmp_path, {**PLACEHOLDER, "NO_COLOR": ""})
    assert "\x1b" not in run_on_terminal(tmp_path, {**PLACEHOLDER, "NO_COLOR": "1"})


# --- the commands documented for CI still parse -------------------------------------------


def documented_ci_commands() -> list[list[str]]:
    text = (ROOT / "docs" / "ci.md").read_text(encoding="utf-8")
    commands = []
    for block in re.findall(r"```yaml\n(.*?)```", text, re.S):
        yaml.safe_load(block)
        for line in block.splitlines():
            line = line.strip().removeprefix("- ").removeprefix("run: ")
            if line.startswith("openai-doctor "):
                commands.append(shlex.split(line.split("||")[0])[1:])
    return commands


def test_ci_docs_show_valid_yaml_and_commands():
    commands = documented_ci_commands()
    assert {"github", "junit"} <= {c[c.index("--format") + 1] for c in commands if "--format" in c}
    parser = cli.build_parser()
    for command in commands:
        parser.parse_args(command)
