"""The rate-limit gauge: remaining requests and tokens of the current minute, from the rate-limit check."""

from __future__ import annotations

from typing import Any, Iterable, Mapping

from rich.cells import cell_len
from textual.content import Content
from textual.widgets import Static

from doctor.findings import CheckResult
from doctor.i18n import ui
from doctor.tui.widgets.gauge import meter

BAR_WIDTH = 16
LABEL_CELLS = 9


def rate_limits(results: Iterable[CheckResult]) -> Mapping[str, Any] | None:
    """``{"requests": {...}, "tokens": {...}}`` from the check that read the rate-limit headers, if one did."""
    for result in results:
        limits = result.evidence.get("rate_limits")
        if isinstance(limits, Mapping) and any(isinstance(limits.get(k), Mapping) for k in ("requests", "tokens")):
            return limits
    return None


def _reset(seconds: Any) -> str:
    if not isinstance(seconds, (int, float)):
        return "?"
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 120:
        return f"{seconds:.0f}s"
    return f"{seconds / 60:.0f}m"


def _line(name: str, budget: Mapping[str, Any], lang: str) -> Content:
    label = Content.styled(name, "bold").pad_right(max(1, LABEL_CELLS - cell_len(name)))
    limit, remaining = budget.get("limit"), budget.get("remaining")
    if not isinstance(limit, (int, float)) or not isinstance(remaining, (int, float)) or limit <= 0:
        return Content.assemble(label, (ui("tui_rate_unknown_value", lang), "$text-muted"))
    numbers = ui("tui_rate_remaining", lang, remaining=f"{remaining:,.0f}", limit=f"{limit:,.0f}", reset=_reset(budget.get("reset_seconds")))
    return Content.assemble(label, meter(remaining / limit, BAR_WIDTH, full_is_good=True), " ", numbers)


class RateGauge(Static):
    """Remaining requests and tokens with when they reset; a hint until the check has run."""

    def show(self, results: Iterable[CheckResult], lang: str) -> None:
        title = Content.styled(ui("tui_rate_limits", lang), "bold $accent")
        limits = rate_limits(results)
        if limits is None:
            self.update(Content("\n").join([title, Content.styled(ui("tui_rate_unknown", lang), "$text-muted")]))
            return
        lines = [
            title,
            _line(ui("tui_requests", lang), limits.get("requests") or {}, lang),
            _line(ui("tui_tokens", lang), limits.get("tokens") or {}, lang),
        ]
        self.update(Content("\n").join(lines))
