"""The text as the model sees it: one background colour per token, like OpenAI's web tokenizer.

Drawn with Textual's line API: the text is wrapped once per update and only the visible lines
are turned into strips, so a long text costs the same to scroll or redraw as a short one.
"""

from __future__ import annotations

from textual.content import Content, Span
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

TOKEN_COLORS = ("on #4b3a8c", "on #2f6b3e", "on #7a5a1c", "on #7a3034", "on #22607a")


def colored(text: str, spans: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> Content:
    """``text`` with a background colour per token span, rotating through ``TOKEN_COLORS``."""
    return Content(text, [Span(start, end, TOKEN_COLORS[n % len(TOKEN_COLORS)]) for n, (start, end) in enumerate(spans)])


class TokenView(ScrollView):
    """Scrollable, wrapped, token-coloured text."""

    def __init__(self, *, id: str | None = None):
        super().__init__(id=id)
        self.content = Content("")
        self._lines: list[Content] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_at = 0

    def show(self, content: Content) -> None:
        self.content = content
        self._wrapped_at = 0
        self._wrap()

    def on_resize(self) -> None:
        self._wrap()

    def _wrap(self) -> None:
        width = self.scrollable_content_region.width
        if width <= 0 or width == self._wrapped_at:
            return
        self._lines = self.content.wrap(width)
        self._strips.clear()
        self._wrapped_at = width
        self.virtual_size = Size(width, len(self._lines))
        self.refresh()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = self.scroll_offset.y + y
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None:
            strip = Strip(self._lines[index].render_segments()).apply_style(self.rich_style)
            strip = self._strips[index] = strip.extend_cell_length(width, self.rich_style)
        return strip.crop(0, width)
