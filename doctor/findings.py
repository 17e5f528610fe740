"""The data every part of the doctor speaks: Finding, CheckResult, Report, and their enums."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any, Mapping, NamedTuple

from doctor.secrets import redact


class Severity(str, enum.Enum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "error": 2}[self.value]


class Status(str, enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    SKIP = "skip"
    CRASH = "crash"


class Text(NamedTuple):
    """One piece of user-facing prose in every language the doctor speaks."""

    en: str
    zh: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en


@dataclass(frozen=True)
class Finding:
    """One problem (or fact) a probe found, fully resolved from the catalog.

    Built with ``doctor.catalog.issue(code, ...)``, never by hand, so that every
    code, message and fix step comes from the catalog and is documented.
    """

    code: str
    severity: Severity
    message: Text
    fix: tuple[Text, ...]
    docs: str
    evidence: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity.value,
            "message": self.message.get(lang),
            "fix": [step.get(lang) for step in self.fix],
            "docs": self.docs,
            "evidence": redact(dict(self.evidence)),
        }


@dataclass(frozen=True)
class CheckResult:
    """What one probe concluded: its status, timing, findings and evidence."""

    id: str
    title: Text
    group: str
    status: Status
    duration_ms: float
    findings: tuple[Finding, ...] = ()
    evidence: Mapping[str, Any] = field(default_factory=dict)
    skip_reason: Text | None = None

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        out: dict[str, Any] = {
            "id": self.id,
            "title": self.title.get(lang),
            "group": self.group,
            "status": self.status.value,
            "duration_ms": round(self.duration_ms, 1),
            "findings": [f.to_dict(lang) for f in self.findings],
        }
        if self.evidence:
            out["evidence"] = redact(dict(self.evidence))
        if self.skip_reason:
            out["skip_reason"] = self.skip_reason.get(lang)
        return out


def status_from_findings(findings: tuple[Finding, ...] | list[Finding]) -> Status:
    """A check fails on any error, warns on any warning, and passes otherwise."""
    worst = max((f.severity.rank for f in findings), default=0)
    return {2: Status.FAIL, 1: Status.WARN}.get(worst, Status.PASS)


@dataclass(frozen=True)
class Report:
    """The outcome of one run: every check, the resolved configuration, and the verdict.

    ``ignored`` codes are dropped from ``checks`` when the report is built (see
    ``Report.build``) and only counted, so renderers never need to filter.
    """

    checks: tuple[CheckResult, ...]
    config: Mapping[str, Mapping[str, Any]]
    fail_level: Severity = Severity.ERROR
    ignored_count: int = 0
    offline: bool = False
    spent: bool = False

    @classmethod
    def build(
        cls,
        checks: list[CheckResult] | tuple[CheckResult, ...],
        config: Mapping[str, Mapping[str, Any]],
        *,
        fail_level: Severity = Severity.ERROR,
        ignore: frozenset[str] = frozenset(),
        offline: bool = False,
        spent: bool = False,
    ) -> Report:
        kept: list[CheckResult] = []
        ignored = 0
        for check in checks:
            findings = tuple(f for f in check.findings if f.code not in ignore)
            ignored += len(check.findings) - len(findings)
            status = check.status
            if status in (Status.PASS, Status.WARN, Status.FAIL):
                status = status_from_findings(findings)
            kept.append(
                CheckResult(
                    id=check.id,
                    title=check.title,
                    group=check.group,
                    status=status,
                    duration_ms=check.duration_ms,
                    findings=findings,
                    evidence=check.evidence,
                    skip_reason=check.skip_reason,
                )
            )
        return cls(tuple(kept), config, fail_level, ignored, offline, spent)

    @property
    def findings(self) -> list[Finding]:
        return [f for check in self.checks for f in check.findings]

    @property
    def problems(self) -> list[Finding]:
        """Findings that are errors or warnings (infos are facts, not problems)."""
        return [f for f in self.findings if f.severity is not Severity.INFO]

    @property
    def status(self) -> Status:
        if any(c.status in (Status.FAIL, Status.CRASH) for c in self.checks):
            return Status.FAIL
        if any(c.status is Status.WARN for c in self.checks):
            return Status.WARN
        return Status.PASS

    @property
    def exit_code(self) -> int:
        from doctor.exitcodes import ExitCode

        failing = any(
            f.severity.rank >= self.fail_level.rank and f.code != "doctor.crash" for f in self.findings
        )
        if failing:
            return ExitCode.FINDINGS
        if any(c.status is Status.CRASH for c in self.checks):
            return ExitCode.INTERNAL
        return ExitCode.OK

    def to_dict(self, lang: str = "en") -> dict[str, Any]:
        from doctor import __version__

        return {
            "schema_version": 1,
            "doctor_version": __version__,
            "status": self.status.value,
            "exit_code": int(self.exit_code),
            "offline": self.offline,
            "spent": self.spent,
            "ignored": self.ignored_count,
            "config": redact({k: dict(v) for k, v in self.config.items()}),
            "checks": [c.to_dict(lang) for c in self.checks],
            "findings": [f.to_dict(lang) for f in self.findings],
        }
