"""Write the README's screenshots of the TUI (SVG, exported by Textual) to docs/screenshots/.

Every screen runs against the built-in simulator or offline, so the pictures need no key and no
network and never show a real one:

    python scripts/screenshots.py                 # all of them
    python scripts/screenshots.py checks-failing  # just one
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
SIZE = (120, 36)

QUOTA_ERROR = """Traceback (most recent call last):
  File "app.py", line 12, in <module>
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=messages)
openai.RateLimitError: Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan and billing details. For more information on this error, read the docs: https://platform.openai.com/docs/guides/error-codes/api-errors.', 'type': 'insufficient_quota', 'param': None, 'code': 'insufficient_quota'}}"""

TOKENS_TEXT = """You are a helpful assistant for a bookshop. Answer in the customer's language.
顾客：请问《三体》还有货吗？我想买两本送朋友。
Customer: Do you ship to Lisbon, and how long does it take? Order #A-20931."""


@dataclass(frozen=True)
class Shot:
    """One screenshot: how to open the app, and the keys or text that lead to the screen."""

    demo: str | None = None
    language: str = "en"
    keys: tuple[str, ...] = ()
    paste: str | None = None
    tokens_text: str | None = None
    options: dict = field(default_factory=dict)


SHOTS = {
    "checks-healthy": Shot(demo="ok"),
    "checks-failing": Shot(demo="insufficient-quota"),
    "checks-rate-limits-zh": Shot(demo="ratelimit-low", language="zh"),
    "checks-tls": Shot(demo="tls-self-signed"),
    "settings": Shot(demo="ok", keys=("e",)),
    "explain": Shot(keys=("f3",), paste=QUOTA_ERROR, options={"offline": True}),
    "tokens": Shot(keys=("f4",), tokens_text=TOKENS_TEXT, options={"offline": True, "model": "gpt-4o-mini"}),
    "help": Shot(keys=("f1",), options={"offline": True}),
}


async def take(name: str, shot: Shot, project: Path) -> Path:
    from textual import events

    from doctor.tui.app import DoctorApp
    from doctor.tui.session import CheckOptions, Session

    session = Session(CheckOptions(project_dir=project, **shot.options), demo=shot.demo)
    app = DoctorApp(session, language=shot.language)
    try:
        async with app.run_test(size=SIZE) as pilot:
            checks = app.screen
            while checks.check_list.busy:
                await pilot.pause(0.1)
            await pilot.pause(0.3)
            for key in shot.keys:
                await pilot.press(key)
                await pilot.pause(0.3)
            if shot.paste is not None:
                app.post_message(events.Paste(shot.paste))
                await pilot.pause(1.0)
            if shot.tokens_text is not None:
                await app.workers.wait_for_complete()
                app.screen.query_one("#tokens-input").load_text(shot.tokens_text)
                await pilot.pause(1.0)
            for widget in app.screen.query("TextArea, Input"):
                widget.cursor_blink = False
            await pilot.pause(0.2)
            path = OUT / f"{name}.svg"
            path.write_text(app.export_screenshot(title=f"openai-doctor · {name}"), encoding="utf-8")
            return path
    finally:
        session.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"which ones (default: all): {', '.join(SHOTS)}")
    options = parser.parse_args(argv)
    if unknown := set(options.names) - set(SHOTS):
        parser.error(f"unknown screenshot(s): {', '.join(sorted(unknown))}")
    OUT.mkdir(parents=True, exist_ok=True)
    for name in {"OPENAI_API_KEY", "OPENAI_BASE_URL"} & set(os.environ):
        del os.environ[name]  # offline shots show "no key", never the key of whoever runs this
    with tempfile.TemporaryDirectory(prefix="openai-doctor-shots-") as folder:
        for name in options.names or SHOTS:
            path = asyncio.run(take(name, SHOTS[name], Path(folder)))
            print(path.relative_to(ROOT), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
