"""The key probe: every key.* code, triggered by the kind of value a user really ends up with."""

from __future__ import annotations

import pytest

from doctor.probes.key import check_key
from doctor.runner import Context
from tests.conftest import PROJECT_KEY, codes

SVCACCT_KEY = "sk-svcacct-" + "a" * 74 + "T3BlbkFJ" + "b" * 74
ADMIN_KEY = "sk-admin-" + "c" * 58 + "T3BlbkFJ" + "d" * 58
LEGACY_KEY = "sk-" + "e" * 20 + "T3BlbkFJ" + "f" * 20


def run(make_settings, env=None, **kw):
    return check_key(Context(settings=make_settings(env or {}, **kw)))


def variants(findings, code):
    return [f for f in findings if f.code == code]


def test_missing_key(make_settings):
    assert codes(run(make_settings)) == ["key.missing"]


def test_empty_key_counts_as_missing(make_settings):
    [finding] = run(make_settings, {"OPENAI_API_KEY": ""})
    assert finding.code == "key.missing" and "empty" in finding.message.en


def test_only_an_admin_key_is_set(make_settings):
    [finding] = run(make_settings, {"OPENAI_ADMIN_KEY": ADMIN_KEY})
    assert finding.code == "key.missing" and "OPENAI_ADMIN_KEY" in finding.message.en


@pytest.mark.parametrize(
    "value",
    ["sk-proj-your-api-key-here", "sk-...", "sk-proj-...", "your-api-key", "<key>", "YOUR_API_KEY", "sk-xxxxxxxx", "${OPENAI_API_KEY}", "your_openai_api_key_here"],
)
def test_placeholders_from_tutorials(make_settings, value):
    assert codes(run(make_settings, {"OPENAI_API_KEY": value})) == ["key.placeholder"]


@pytest.mark.parametrize(
    "raw, variant_words",
    [
        (PROJECT_KEY + "\n", "newline"),
        ("  " + PROJECT_KEY, "spaces"),
        ('"' + PROJECT_KEY + '"', "quote"),
        ("Bearer " + PROJECT_KEY, "Bearer"),
        ("\u201c" + PROJECT_KEY + "\u201d", "non-ASCII"),
        (PROJECT_KEY[:80] + "\u200b" + PROJECT_KEY[80:], "non-ASCII"),
        (PROJECT_KEY[:80] + " " + PROJECT_KEY[80:], "whitespace inside"),
    ],
)
def test_stray_characters_around_the_key(make_settings, raw, variant_words):
    findings = run(make_settings, {"OPENAI_API_KEY": raw})
    messages = [f.message.en for f in variants(findings, "key.whitespace")]
    assert any(variant_words in m for m in messages), messages


def test_a_clean_key_with_stray_quotes_is_otherwise_judged_on_its_content(make_settings):
    findings = run(make_settings, {"OPENAI_API_KEY": "'" + PROJECT_KEY + "'"})
    assert "key.malformed" not in codes(findings)
    assert "key.type" in codes(findings)


@pytest.mark.parametrize(
    "key, expected",
    [
        (PROJECT_KEY[:60], "shorter"),
        (PROJECT_KEY + PROJECT_KEY[8:], "longer"),
        (PROJECT_KEY[:100] + "$" + PROJECT_KEY[101:], "characters"),
        ("pk-" + "a" * 60, "no OpenAI prefix"),
        ("sk-proj-" + "a" * 156, "T3BlbkFJ"),
    ],
)
def test_malformed_keys(make_settings, key, expected):
    [finding] = variants(run(make_settings, {"OPENAI_API_KEY": key}), "key.malformed")
    assert expected in finding.message.en


def test_unusual_length_is_only_a_warning(make_settings):
    key = "sk-proj-" + "a" * 60 + "T3BlbkFJ" + "b" * 60  # 136: between known lengths
    [finding] = variants(run(make_settings, {"OPENAI_API_KEY": key}), "key.malformed")
    assert finding.severity.value == "warning"


@pytest.mark.parametrize(
    "key, provider",
    [
        ("sk-ant-api03-" + "A" * 93 + "AA", "Anthropic"),
        ("sk-or-v1-" + "0" * 64, "OpenRouter"),
        ("gsk_" + "a" * 52, "Groq"),
        ("AIza" + "B" * 35, "Google Gemini"),
        ("0123456789abcdef0123456789abcdef", "Azure"),
        ("sk-" + "a1b2c3d4" * 4, "DeepSeek"),
        ("xai-" + "Z" * 80, "xAI"),
    ],
)
def test_another_providers_key_with_the_openai_base_url(make_settings, key, provider):
    [finding] = variants(run(make_settings, {"OPENAI_API_KEY": key}), "key.wrong_provider")
    assert provider in finding.message.en
    assert key not in repr(finding.to_dict())


def test_another_providers_key_is_fine_with_that_providers_base_url(make_settings):
    env = {"OPENAI_API_KEY": "gsk_" + "a" * 52, "OPENAI_BASE_URL": "https://api.groq.com/openai/v1"}
    findings = run(make_settings, env)
    assert codes(findings) == ["key.type"] and "Groq" in findings[0].message.en


@pytest.mark.parametrize(
    "key, kind",
    [(PROJECT_KEY, "Project key"), (SVCACCT_KEY, "Service-account key"), (LEGACY_KEY, "Legacy user key")],
)
def test_key_type_is_reported_as_info(make_settings, key, kind):
    findings = run(make_settings, {"OPENAI_API_KEY": key})
    assert codes(findings) == ["key.type"]
    assert findings[0].severity.value == "info" and findings[0].message.en.startswith(kind)


def test_admin_key_used_for_inference(make_settings):
    findings = run(make_settings, {"OPENAI_API_KEY": ADMIN_KEY})
    assert codes(findings) == ["key.admin_key", "key.type"]


def test_key_from_dotenv_names_file_and_line(make_settings, tmp_path):
    findings = run(make_settings, {}, dotenv="\n\nOPENAI_API_KEY=sk-proj-your-api-key-here\n")
    [finding] = findings
    assert f"{tmp_path / '.env'}:3" in finding.fix[1].en


def test_no_finding_shows_the_full_key(make_settings):
    for raw in (PROJECT_KEY, PROJECT_KEY + "\n", '"' + PROJECT_KEY + '"', PROJECT_KEY[:60]):
        for finding in run(make_settings, {"OPENAI_API_KEY": raw}):
            text = repr(finding.to_dict("en")) + repr(finding.to_dict("zh"))
            assert PROJECT_KEY[:60] not in text
