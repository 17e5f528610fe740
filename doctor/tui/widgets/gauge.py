"""A one-line text meter shared by the rate-limit and context-window gauges."""

from __future__ import annotations

from textual.content import Content


def meter(fraction: float, width: int, *, full_is_good: bool) -> Content:
    """A bar ``width`` cells wide, filled to ``fraction`` (0..1).

    ``full_is_good`` picks the colours: a rate-limit budget is healthy when full, a context
    window when empty.
    """
    fraction = min(max(fraction, 0.0), 1.0)
    filled = round(fraction * width)
    health = fraction if full_is_good else 1.0 - fraction
    style = "$success" if health > 0.5 else "$warning" if health > 0.1 else "$error"
    return Content.assemble(("█" * filled, style), ("░" * (width - filled), "$text-muted"))
