"""Renderers on hand-built reports: JUnit read by junitparser, GitHub commands, Markdown tables, text marks, the JSON schema."""

from __future__ import annotations

import json
import platform
import re
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest
from junitparser import Error, Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt

from doctor.catalog import entry, issue
from doctor.exitcodes import UsageError
from doctor.findings import CheckResult, Report, Severity, Status, Text
from doctor.render import render
from doctor.render.github_format import escape_data, escape_property, write_step_summary
from doctor.secrets import mask_key
from tests.conftest import PROJECT_KEY, ROOT

OUTPUT_DOC = ROOT / "docs" / "output.md"
CONFIG = {
    "api_key": {"value": mask_key(PROJECT_KEY), "source": "env OPENAI_API_KEY"},
    "base_url": {"value": "https://api.openai.com/v1", "source": "default"},
    "organization": {"value": None, "source": "unset"},
}
TRACEBACK_LINE = 'File "doctor/probes/boom.py", line 3, in check_boom'


def placeholder():
    return issue("key.placeholder", shown="sk-proj-…here", source="env OPENAI_API_KEY", evidence={"source": "env OPENAI_API_KEY"})


def unusual_length(**evidence):
    return issue("key.malformed", "unusual_length", severity="warning", length=100, evidence=evidence)


def key_type():
    return issue("key.type", "project", shown=mask_key(PROJECT_KEY), source="env OPENAI_API_KEY")


def crash_check() -> CheckResult:
    evidence = {"exception": "RuntimeError: boom", "traceback": f"Traceback (most recent call last):\n  {TRACEBACK_LINE}\nRuntimeError: boom"}
    finding = issue("doctor.crash", probe="boom", exception="RuntimeError", evidence=evidence)
    return CheckResult("boom", Text("Boom", "爆炸"), "doctor", Status.CRASH, 4.0, (finding,), evidence)


def mixed_report(fail_level: Severity = Severity.ERROR, ignore=frozenset()) -> Report:
    """One check of every status: fail (error), warn (warning with file/line), pass (info), skip, crash."""
    checks = [
        CheckResult("key", Text("API key", "API 密钥"), "key", Status.FAIL, 2.0, (placeholder(),)),
        CheckResult("sdk.usage", Text("SDK usage", "SDK 用法"), "sdk", Status.WARN, 3.0, (unusual_length(file="app.py", line=12),)),
        CheckResult("key.kind", Text("Key kind", "密钥类型"), "key", Status.PASS, 1.0, (key_type(),)),
        CheckResult("tokenizer", Text("Tokenizer", "分词器"), "tokenizer", Status.SKIP, 0.0, skip_reason=Text("offline mode", "离线模式")),
        crash_check(),
    ]
    return Report.build(checks, CONFIG, fail_level=fail_level, ignore=ignore, offline=True)


def clean_report() -> Report:
    return Report.build([CheckResult("key", Text("API key", "API 密钥"), "key", Status.PASS, 1.0, (key_type(),))], CONFIG)


# --- JUnit -------------------------------------------------------------------------------


def junit_suite(report: Report, **options):
    xml = JUnitXml.fromstring(render("junit", report, **options))
    (suite,) = list(xml)
    return suite


def test_junit_counts_testcases_by_outcome():
    suite = junit_suite(mixed_report())
    assert (suite.tests, suite.failures, suite.errors, suite.skipped) == (5, 1, 1, 1)
    assert suite.time == pytest.approx(0.010)


def test_junit_one_testcase_per_check_named_by_group_and_id():
    suite = junit_suite(mixed_report())
    assert [(case.classname, case.name) for case in suite] == [
        ("key", "key"), ("sdk", "sdk.usage"), ("key", "key.kind"), ("tokenizer", "tokenizer"), ("doctor", "boom"),
    ]
    assert next(case for case in suite if case.name == "sdk.usage").time == pytest.approx(0.003)


def test_junit_failure_names_the_code_and_carries_the_fix():
    suite = junit_suite(mixed_report())
    failing = [case for case in suite if any(isinstance(r, Failure) for r in case.result)]
    assert [case.name for case in failing] == ["key"]
    (failure,) = failing[0].result
    assert failure.type == "key.placeholder"
    assert failure.message.startswith("key.placeholder: ")
    assert "key.placeholder" in failure.text
    assert entry("key.placeholder").fix[0].en in failure.text


def test_junit_warnings_pass_at_the_default_level_and_fail_at_warning_level():
    by_name = {case.name: case for case in junit_suite(mixed_report())}
    assert by_name["sdk.usage"].is_passed
    assert "key.malformed" in by_name["sdk.usage"].system_out

    suite = junit_suite(mixed_report(fail_level=Severity.WARNING))
    assert suite.failures == 2
    warned = next(case for case in suite if case.name == "sdk.usage")
    assert [r.type for r in warned.result] == ["key.malformed"]


def test_junit_skip_and_crash():
    by_name = {case.name: case for case in junit_suite(mixed_report())}
    (skipped,) = by_name["tokenizer"].result
    assert isinstance(skipped, Skipped) and skipped.message == "offline mode"
    (error,) = by_name["boom"].result
    assert isinstance(error, Error) and error.type == "doctor.crash"
    assert TRACEBACK_LINE in error.text


def test_junit_in_chinese():
    suite = junit_suite(mixed_report(), lang="zh")
    (failure,) = next(case for case in suite if case.name == "key").result
    assert "占位符" in failure.message and "解决方法" in failure.text


def test_junit_survives_control_characters_xml_cannot_carry():
    finding = issue("key.placeholder", shown="\x1b[31mkey\x00", source="env\x0bX", evidence={"raw": "\x07bell"})
    report = Report.build([CheckResult("key", Text("API key", "API 密钥"), "key", Status.FAIL, 1.0, (finding,))], CONFIG)
    suite = junit_suite(report, verbose=True)
    (failure,) = next(iter(suite)).result
    assert "key.placeholder" in failure.text and "\ufffd[31mkey" in failure.text


def test_junit_properties_hold_masked_config():
    suite = junit_suite(mixed_report())
    properties = {p.name: p.value for p in suite.properties()}
    assert properties["config.api_key"] == f"{mask_key(PROJECT_KEY)} (env OPENAI_API_KEY)"
    assert "config.organization" not in properties
    assert properties["fail_level"] == "error"


# --- GitHub ------------------------------------------------------------------------------


def unescape(text: str) -> str:
    return text.replace("%0A", "\n").replace("%0D", "\r").replace("%3A", ":").replace("%2C", ",").replace("%25", "%")


def test_github_escaping_follows_actions_core():
    assert escape_data("100%\r\n::x") == "100%25%0D%0A::x"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_github_one_command_per_problem_with_its_severity():
    lines = render("github", mixed_report()).splitlines()
    commands = [line for line in lines if line.startswith("::")]
    assert [line.split("::")[1] for line in commands] == [
        "error title=key.placeholder",
        "warning title=key.malformed,file=app.py,line=12",
        "error title=doctor.crash",
    ]
    assert lines[-1] == "openai-doctor: 3 problem(s) found (2 error(s), 1 warning(s))."


def test_github_infos_are_notices_only_when_verbose():
    assert "::notice" not in render("github", mixed_report())
    assert "::notice title=key.type::" in render("github", mixed_report(), verbose=True)


def test_github_message_cannot_break_out_of_its_line():
    finding = issue("key.placeholder", shown="x\n::add-mask::y 50%", source="env\rOPENAI_API_KEY")
    report = Report.build([CheckResult("key", Text("API key", "API 密钥"), "key", Status.FAIL, 1.0, (finding,))], CONFIG)
    (command, verdict) = render("github", report).splitlines()
    message = unescape(command.split("::", 2)[2])
    assert message.splitlines()[0] == finding.message.en.splitlines()[0]
    assert message.startswith(finding.message.en)
    assert entry("key.placeholder").fix[0].en in message


def test_github_file_property_is_relative_to_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finding = unusual_length(file=str(tmp_path / "src" / "a,b.py"), line=7)
    report = Report.build([CheckResult("sdk", Text("SDK", "SDK"), "sdk", Status.WARN, 1.0, (finding,))], CONFIG)
    assert render("github", report).startswith("::warning title=key.malformed,file=src/a%2Cb.py,line=7::")


def test_github_file_of_a_scanned_subfolder_is_relative_to_the_checkout(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    finding = unusual_length(file="src/app.py", line=3)
    scanned = {"folder": str(tmp_path / "backend")}
    report = Report.build([CheckResult("sdk", Text("SDK", "SDK"), "sdk", Status.WARN, 1.0, (finding,), scanned)], CONFIG)
    assert render("github", report).startswith("::warning title=key.malformed,file=backend/src/app.py,line=3::")


def test_github_step_summary_is_appended(tmp_path):
    target = tmp_path / "summary.md"
    target.write_text("# earlier step\n", encoding="utf-8")
    write_step_summary(mixed_report(), lang="en", verbose=False, environ={"GITHUB_STEP_SUMMARY": str(target)})
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# earlier step\n")
    assert "| ✗ | API key (`key`) | failed |" in text
    assert entry("key.placeholder").fix[0].en in text


def test_github_step_summary_needs_the_variable_and_a_writable_file(tmp_path):
    write_step_summary(mixed_report(), lang="en", verbose=False, environ={})
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(UsageError, match="GITHUB_STEP_SUMMARY"):
        write_step_summary(mixed_report(), lang="en", verbose=False, environ={"GITHUB_STEP_SUMMARY": str(tmp_path / "no" / "dir")})


# --- Markdown ----------------------------------------------------------------------------


def table_rows(markdown: str) -> list[list[str]]:
    """Every table body row as its cells' text, parsed as GitHub does (tables enabled)."""
    tokens = MarkdownIt("commonmark").enable("table").parse(markdown)
    rows, row, in_body = [], None, False
    for token in tokens:
        if token.type in ("tbody_open", "tbody_close"):
            in_body = token.type == "tbody_open"
        elif in_body and token.type == "tr_open":
            row = []
        elif in_body and token.type == "tr_close":
            rows.append(row)
        elif in_body and token.type == "inline":
            row.append("".join(child.content for child in token.children))
    return rows


def test_markdown_has_versions_config_checks_and_fixes():
    text = render("markdown", mixed_report())
    rows = table_rows(text)
    assert ["Python", f"{platform.python_version()} (CPython)"] in rows
    assert ["openai", metadata.version("openai")] in rows
    assert ["api_key", mask_key(PROJECT_KEY), "env OPENAI_API_KEY"] in rows
    assert ["skip", "Tokenizer (tokenizer)", "skipped: offline mode", ""] in rows
    assert ["crash", "Boom (boom)", "crashed", "4 ms"] in rows
    assert "Not set: organization" in text
    for step in placeholder().fix:
        assert step.en in text
    assert placeholder().docs in text
    assert TRACEBACK_LINE in text


def test_markdown_table_cells_survive_pipes_and_newlines():
    config = {"base_url": {"value": "http://a|b\nc", "source": "flag | --base-url"}}
    rows = table_rows(render("markdown", Report.build([], config)))
    assert ["base_url", "http://a|b c", "flag | --base-url"] in rows


def test_markdown_hides_the_home_folder():
    home = str(Path.home())
    config = {"api_key": {"value": "sk-proj-…here", "source": f".env {home}/proj/.env:3 (OPENAI_API_KEY)"}}
    text = render("markdown", Report.build([], config))
    assert home + "/" not in text
    assert ".env ~/proj/.env:3" in text


def test_markdown_in_chinese():
    text = render("markdown", mixed_report(), lang="zh")
    assert "### 版本" in text and "### 配置" in text and "解决方法" in text
    assert entry("key.placeholder").fix[0].zh in text


# --- text --------------------------------------------------------------------------------


def test_text_marks_each_status():
    lines = render("text", mixed_report()).splitlines()
    heads = {line.split(" ", 1)[1]: line.split(" ", 1)[0] for line in lines if line.startswith("[")}
    assert heads["API key"] == "[✗]"
    assert heads["SDK usage"] == "[!]"
    assert heads["Key kind"] == "[✓]"
    assert heads["Tokenizer  (skipped: offline mode)"] == "[skip]"
    assert heads["Boom"] == "[crash]"


def test_text_colour_only_when_asked():
    coloured = render("text", mixed_report(), color=True)
    assert "\x1b[31m[✗]\x1b[0m API key" in coloured
    assert "\x1b[33m[!]\x1b[0m SDK usage" in coloured
    assert "\x1b[32m[✓]\x1b[0m Key kind" in coloured
    assert "\x1b" not in render("text", mixed_report(), color=False)


def test_text_closing_line():
    assert render("text", mixed_report()).splitlines()[-1] == "3 problem(s) found (2 error(s), 1 warning(s))."
    assert render("text", clean_report()).splitlines()[-1] == "No problems found."
    assert render("text", clean_report(), lang="zh").splitlines()[-1] == "未发现问题。"


def test_text_verbose_shows_timings_and_evidence():
    text = render("text", mixed_report(), verbose=True)
    assert "[!] SDK usage  (3 ms)" in text
    assert '"file": "app.py"' in text


# --- JSON and its documented schema -------------------------------------------------------


def doc_json_block(after_heading: str) -> dict:
    """The first ```json block after ``after_heading`` in docs/output.md."""
    text = OUTPUT_DOC.read_text(encoding="utf-8")
    start = text.index(f"\n{after_heading}\n")
    match = re.compile(r"```json\n(.*?)\n```", re.S).search(text, start)
    return json.loads(match.group(1))


def test_json_reports_match_the_documented_schema():
    schema = doc_json_block("### JSON Schema")
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    for report in (mixed_report(), clean_report(), mixed_report(ignore=frozenset({"key.placeholder"}))):
        validator.validate(json.loads(render("json", report)))
    validator.validate(doc_json_block("### Example"))


def test_json_schema_rejects_an_undocumented_field():
    schema = doc_json_block("### JSON Schema")
    data = json.loads(render("json", clean_report()))
    data["checks"][0]["surprise"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(data, schema)


def test_json_counts_ignored_findings_and_drops_them():
    data = json.loads(render("json", mixed_report(ignore=frozenset({"key.placeholder"}))))
    assert data["ignored"] == 1
    assert "key.placeholder" not in [f["code"] for f in data["findings"]]
    assert data["checks"][0]["status"] == "pass"


def test_text_prints_identical_fix_steps_once_per_check():
    from doctor.catalog import issue
    from doctor.findings import CheckResult, Report, Status, Text
    from doctor.render import render

    twice = (issue("key.missing"), issue("key.missing", "empty", source="env OPENAI_API_KEY"))
    report = Report.build([CheckResult("key", Text("API key", "API 密钥"), "key", Status.FAIL, 1.0, twice)], {})
    text = render("text", report)
    assert text.count(twice[0].fix[0].en) == 1
    assert twice[0].message.en in text and twice[1].message.en in text
