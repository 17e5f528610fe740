"""Messages the probe worker posts to the Checks screen (thread-safe, tagged with their run)."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from doctor.findings import CheckResult


@dataclass
class CheckStarted(Message):
    """A probe of run ``run`` started."""

    run: int
    probe_id: str


@dataclass
class CheckFinished(Message):
    """A probe of run ``run`` finished (or was skipped) with ``result``."""

    run: int
    result: CheckResult


@dataclass
class RunFinished(Message):
    """Run ``run`` is over; ``error`` says why it could not start, if it could not."""

    run: int
    error: str | None = None
