"""The real `openai-doctor` program in a pseudo-terminal: it opens the TUI, paints the checks, and quits on q."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from tests.conftest import CANARY_KEY, subprocess_env

pexpect = pytest.importorskip("pexpect")

PROGRAM = Path(sys.executable).parent / "openai-doctor"
ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b[()][0-9A-B]|\x1b[>=]|\x1b\][^\x07]*\x07")

pytestmark = pytest.mark.skipif(not PROGRAM.exists(), reason="the openai-doctor console script is not installed")


def spawn(*args: str, env: dict[str, str] | None = None, cwd: Path | None = None):
    environ = subprocess_env({"TERM": "xterm-256color", "LANG": "en_US.UTF-8", "LC_ALL": "", **(env or {})})
    environ.pop("CI", None)
    return Terminal(pexpect.spawn(str(PROGRAM), list(args), env=environ, cwd=cwd, dimensions=(36, 120), encoding="utf-8", timeout=30))


class Terminal:
    """The program in a pseudo-terminal, and everything it painted so far (escape sequences removed)."""

    def __init__(self, child):
        self.child = child
        self.painted = ""

    def wait_for(self, text: str) -> None:
        self.child.expect_exact(text)
        self.painted += ANSI.sub("", self.child.before + self.child.after)

    def quit(self) -> int:
        self.child.send("q")
        self.child.expect(pexpect.EOF)
        self.painted += ANSI.sub("", self.child.before or "")
        self.child.close()
        return self.child.exitstatus


def test_demo_opens_the_checks_screen_and_quits_on_q(tmp_path):
    terminal = spawn("--demo", "insufficient-quota", cwd=tmp_path)
    terminal.wait_for("F2 Checks")
    terminal.wait_for("DEMO")
    terminal.wait_for("quota.insufficient")  # the run finished and the screen landed on the failure
    assert terminal.quit() == 0
    assert "“insufficient-quota”" in terminal.painted and "sk-proj-…demo" in terminal.painted
    assert "127.0.0.1" not in terminal.painted


def test_no_argument_on_a_terminal_opens_the_tui_and_never_paints_the_key(tmp_path):
    terminal = spawn(env={"OPENAI_API_KEY": CANARY_KEY}, cwd=tmp_path)  # the network checks meet the test guard
    terminal.wait_for("Re-run all")
    terminal.wait_for("problem(s) found")  # the run is over
    assert terminal.quit() == 0
    assert "sk-proj-…" + CANARY_KEY[-4:] in terminal.painted
    assert "CANARYcanary" not in terminal.painted and "leakLEAK" not in terminal.painted


def test_an_unknown_demo_scenario_is_a_usage_error_before_the_screen_changes(tmp_path):
    child = spawn("--demo", "no-such-scenario", cwd=tmp_path).child
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 2
    assert "unknown scenario" in child.before and "\x1b[?1049h" not in child.before  # never entered the full screen
