"""The canary: a key planted everywhere a user puts one must never come out of any command, in any format.

Each scenario plants tests.conftest.CANARY_KEY somewhere (the environment, a .env file, the
organization variable, a source file, a damaged copy with quotes and a newline); each command
line runs through the real CLI; stdout, stderr, the --output file and the GitHub step summary
are searched for the key and for pieces of its body. To cover a new command, add one line to
COMMANDS; a new format in doctor.render.FORMATS is covered without any change here.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from doctor.render import FORMATS
from tests.conftest import CANARY_KEY, run_cli

OUTPUT = "{output}"  # replaced by a file path; that file is searched too
LEAKS = (CANARY_KEY, CANARY_KEY.removeprefix("sk-proj-"), "CANARYcanary", "leakLEAK", "T3BlbkFJleak")

COMMANDS: list[tuple[str, ...]] = [
    *[("check", "--offline", "--format", fmt) for fmt in FORMATS],
    *[("check", "--offline", "-v", "--format", fmt, "--output", OUTPUT) for fmt in FORMATS],
    ("codes",),
    ("codes", "key.placeholder"),
    ("tokens", "--file", ".env", "--json"),
]

HARDCODED_SOURCE = f'from openai import OpenAI\n\nclient = OpenAI(api_key="{CANARY_KEY}")\n'

# name -> (environment, files written into the project folder)
SCENARIOS: dict[str, tuple[dict[str, str], dict[str, str]]] = {
    "everywhere": (
        {"OPENAI_API_KEY": CANARY_KEY, "OPENAI_ORG_ID": CANARY_KEY},
        {".env": f"OPENAI_API_KEY={CANARY_KEY}\nOPENAI_PROJECT_ID={CANARY_KEY}\n", "app.py": HARDCODED_SOURCE},
    ),
    "dotenv_only": ({}, {".env": f'export OPENAI_API_KEY="{CANARY_KEY}"\n', "src/client.py": HARDCODED_SOURCE}),
    "damaged": (
        {"OPENAI_API_KEY": f'"{CANARY_KEY}"\n', "OPENAI_ORG_ID": f" {CANARY_KEY}"},
        {".env": f"OPENAI_API_KEY='{CANARY_KEY}\n"},  # unterminated quote
    ),
}


def plant(project: Path, scenario: str) -> dict[str, str]:
    env, files = SCENARIOS[scenario]
    for name, text in files.items():
        path = project / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return {"LANG": "en_US.UTF-8", "LC_ALL": "", **env}


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_key_never_comes_out(tmp_path, scenario, command):
    project = tmp_path / "project"
    project.mkdir()
    env = plant(project, scenario)
    output = tmp_path / "report.out"
    summary = tmp_path / "step-summary.md"
    args = [str(output) if arg == OUTPUT else arg for arg in command]
    if args[0] == "check":
        args += ["--project-dir", str(project)]
    result = run_cli(*args, env={**env, "GITHUB_STEP_SUMMARY": str(summary)}, cwd=project)

    assert result.returncode in (0, 1), result.stderr
    written = {"stdout": result.stdout, "stderr": result.stderr}
    for path in (output, summary):
        if path.exists():
            written[path.name] = path.read_text(encoding="utf-8")
    if OUTPUT in command:
        assert result.stdout == "" and written["report.out"]
    for where, text in written.items():
        for leak in LEAKS:
            assert leak not in text, f"{leak[:12]}… leaked to {where}"


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_the_canary_reaches_the_doctor(tmp_path, scenario):
    """Guards the test above against passing vacuously: the planted key is read, and shown masked."""
    env = plant(tmp_path, scenario)
    result = run_cli("check", "--offline", "--json", "--project-dir", str(tmp_path), env=env, cwd=tmp_path)
    assert "Kzz" in result.stdout  # the last characters of the canary, as mask_key shows them
