"""SDK probes: is the openai package installed and recent enough, and does the code still call the 0.x API?

Versions come from the dist-info folders (doctor.packages): importing openai would cost 0.6 s.
"""

from __future__ import annotations

import re
import sys
from typing import NamedTuple

from doctor.catalog import issue
from doctor.findings import Finding
from doctor.packages import installed_version
from doctor.probes.source_files import MAX_LISTED, SourceWalk, file_list
from doctor.runner import Context, Outcome, probe
from doctor.settings import Settings, SourceKind

REPORTED_PACKAGES = ("openai", "httpx", "httpx2", "tiktoken", "python-dotenv")


def version_tuple(version: str) -> tuple[int, ...]:
    """``"1.55.3"`` → ``(1, 55, 3)``; pre-release and local tags are dropped."""
    match = re.match(r"\d+(\.\d+)*", version)
    return tuple(int(part) for part in match.group(0).split(".")) if match else ()


class KnownBreakage(NamedTuple):
    """openai below ``fixed_in`` fails together with ``package`` from ``package_from`` on."""

    fixed_in: str
    package: str
    package_from: str
    symptom: str  # what the user sees, verbatim


KNOWN_BREAKAGES = (
    # httpx 0.28 removed the `proxies` argument that openai < 1.55.3 passes (openai-python #1902).
    KnownBreakage(
        "1.55.3", "httpx", "0.28", "TypeError: Client.__init__() got an unexpected keyword argument 'proxies'"
    ),
)


class VariableSupport(NamedTuple):
    """An environment variable the SDK reads only from version ``since`` on."""

    variable: str
    since: str
    setting: str


# Reference sheet §2.1: when each variable was first read.
VARIABLES_SINCE = (
    VariableSupport("OPENAI_BASE_URL", "1.3.0", "base_url"),
    VariableSupport("OPENAI_PROJECT_ID", "1.20.0", "project"),
    VariableSupport("OPENAI_ADMIN_KEY", "2.34.0", "admin_key"),
)


def outdated_findings(openai_version: str, versions: dict[str, str | None], settings: Settings) -> list[Finding]:
    current = version_tuple(openai_version)
    python = sys.executable
    if current < (1,):
        return [issue("sdk.outdated", version=openai_version, python=python, evidence={"openai": openai_version})]
    findings = []
    for known in KNOWN_BREAKAGES:
        other = versions.get(known.package)
        if (
            current < version_tuple(known.fixed_in)
            and other
            and version_tuple(other) >= version_tuple(known.package_from)
        ):
            evidence = {"openai": openai_version, known.package: other, "symptom": known.symptom}
            findings.append(
                issue(
                    "sdk.outdated",
                    "known_breakage",
                    version=openai_version,
                    package=known.package,
                    package_version=other,
                    symptom=known.symptom,
                    fixed_in=known.fixed_in,
                    python=python,
                    evidence=evidence,
                )
            )
    for support in VARIABLES_SINCE:
        setting = settings[support.setting]
        if setting.kind in (SourceKind.ENV, SourceKind.DOTENV) and current < version_tuple(support.since):
            findings.append(
                issue(
                    "sdk.outdated",
                    "ignores_variable",
                    version=openai_version,
                    variable=support.variable,
                    since=support.since,
                    python=python,
                    evidence={"openai": openai_version, "variable": support.variable, "source": setting.source},
                )
            )
    return findings


@probe("sdk.version", title=("openai package", "openai 软件包"), group="sdk")
def check_sdk_version(ctx: Context) -> Outcome:
    versions = {name: installed_version(name) for name in REPORTED_PACKAGES}
    evidence = {"python": sys.executable, "versions": {name: v for name, v in versions.items() if v}}
    openai_version = versions["openai"]
    if openai_version is None:
        return Outcome([issue("sdk.missing", python=sys.executable, evidence={"python": sys.executable})], evidence)
    return Outcome(outdated_findings(openai_version, versions, ctx.settings), evidence)


class LegacyCall(NamedTuple):
    """A 0.x API that openai>=1 removed (``pattern`` follows "openai."), and what to write instead."""

    pattern: str
    replacement: str  # may use {error_name}
    variant: str = "default"


# At one position the first matching entry wins, so specific names come before general ones.
LEGACY_CALLS = (
    LegacyCall(r"ChatCompletion\.a?create\b", "client.chat.completions.create(model=..., messages=[...])"),
    LegacyCall(r"Completion\.a?create\b", "client.completions.create(model=..., prompt=...)"),
    LegacyCall(r"Edit\.a?create\b", "client.chat.completions.create(model=..., messages=[...])"),
    LegacyCall(r"Embedding\.a?create\b", "client.embeddings.create(model=..., input=...)"),
    LegacyCall(r"Image\.a?create_edit\b", "client.images.edit(...)"),
    LegacyCall(r"Image\.a?create_variation\b", "client.images.create_variation(...)"),
    LegacyCall(r"Image\.a?create\b", "client.images.generate(model=..., prompt=...)"),
    LegacyCall(r"Moderation\.a?create\b", "client.moderations.create(input=...)"),
    LegacyCall(r"Audio\.a?transcribe\b", "client.audio.transcriptions.create(model=..., file=...)"),
    LegacyCall(r"Audio\.a?translate\b", "client.audio.translations.create(model=..., file=...)"),
    LegacyCall(r"(?:Model|Engine)\.a?\w+", "client.models.list() / client.models.retrieve(...)"),
    LegacyCall(r"File\.a?\w+", "client.files.create(...) / .list() / .retrieve(...) / .delete(...)"),
    LegacyCall(r"(?:FineTune|FineTuningJob)\.a?\w+", "client.fine_tuning.jobs.create(...)"),
    LegacyCall(r"(?:error\.)?InvalidRequestError\b", "openai.BadRequestError"),
    LegacyCall(r"error\.Timeout\b", "openai.APITimeoutError"),
    LegacyCall(r"error\.(?:ServiceUnavailableError|TryAgain)\b", "openai.InternalServerError"),
    LegacyCall(r"error\.PermissionError\b", "openai.PermissionDeniedError"),
    LegacyCall(r"error\.(?P<error_name>\w+)", "openai.{error_name}"),
    LegacyCall(r"error\b", "from openai import APIError, RateLimitError, ..."),
    LegacyCall(r"api_base\s*=(?!=)", "OpenAI(base_url=...) / OPENAI_BASE_URL"),
    LegacyCall(r"api_key\s*=(?!=)", "client = OpenAI()  # reads OPENAI_API_KEY", "module_api_key"),
)
# One alternation, so a file is searched once. It starts with the literal "openai" (the
# lookbehind comes after it) because a leading lookbehind makes re try every position: 25x slower.
LEGACY_PATTERN = re.compile(
    r"openai(?<![\w.]openai)\.(?:"
    + "|".join(f"(?P<call{n}>{call.pattern})" for n, call in enumerate(LEGACY_CALLS))
    + ")"
)
PYTHON_SUFFIXES = frozenset({".py", ".ipynb"})


def _legacy_call(match: re.Match[str]) -> tuple[str, str]:
    """The message variant and the replacement for one match of LEGACY_PATTERN."""
    call = next(call for n, call in enumerate(LEGACY_CALLS) if match.group(f"call{n}") is not None)
    return call.variant, call.replacement.format_map(match.groupdict())


def _in_comment(text: str, start: int) -> bool:
    line_start = text.rfind("\n", 0, start) + 1
    return "#" in text[line_start:start]


@probe("sdk.legacy_usage", title=("openai 0.x calls in code", "代码中的 openai 0.x 调用"), group="sdk")
def scan_for_legacy_calls(ctx: Context) -> Outcome:
    openai_version = installed_version("openai")
    # With openai 0.x installed the old calls still run (sdk.outdated says why that must change).
    removed_severity = "warning" if openai_version and version_tuple(openai_version) < (1,) else None
    walk = SourceWalk(ctx.settings.project_dir, needle=b"openai", suffixes=PYTHON_SUFFIXES)
    hits = [
        (source.relative, line, match.group(0).rstrip(" ="), *_legacy_call(match))
        for source in walk
        for line, match in source.matches(LEGACY_PATTERN)
        if not _in_comment(source.text, match.start())
    ]
    findings = []
    for file, line, call, variant, replacement in hits[:MAX_LISTED]:
        where = {"file": file, "line": line, "call": call}
        severity = "info" if variant == "module_api_key" else removed_severity
        findings.append(
            issue("sdk.legacy_usage", variant, severity=severity, replacement=replacement, evidence=where, **where)
        )
    if rest := hits[MAX_LISTED:]:
        files = file_list(hit[0] for hit in rest)
        findings.append(
            issue(
                "sdk.legacy_usage",
                "more",
                severity=removed_severity,
                count=len(rest),
                files=files,
                evidence={"files": files},
            )
        )
    return Outcome(findings, {**walk.evidence(), "calls_found": len(hits)})
