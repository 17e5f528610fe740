"""`openai-doctor tokens`: count the tokens of a text, file or chat request and estimate its cost."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from doctor.exitcodes import ExitCode, UsageError

if TYPE_CHECKING:
    from decimal import Decimal

NAME = "tokens"
HELP = "count tokens of a text, file or chat request, and estimate cost and context fit"
ORDER = 30
DEFAULT_MODEL = "gpt-4o-mini"
MAX_JSON_BYTES = 64 * 1024 * 1024


def _whole_number(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be {minimum} or more, got {value}")
        return value

    return parse


def configure(parser: argparse.ArgumentParser) -> None:
    from doctor.i18n import LANGUAGES
    from doctor.tokens import TIERS

    parser.add_argument("text", nargs="?", help="the text to count, or - to read standard input")
    parser.add_argument("--file", type=Path, help="count a text file (any size, read in chunks)")
    parser.add_argument("--messages", metavar="FILE", help="count a chat request: a JSON list of messages, or an object with 'messages' and optional 'tools' (- for stdin)")
    parser.add_argument("--model", help=f"model to count and price for (default: the request's model, else {DEFAULT_MODEL})")
    parser.add_argument("--output-tokens", type=_whole_number(0), default=0, metavar="N", help="expected output tokens, for cost and context fit")
    parser.add_argument("--cached-tokens", type=_whole_number(0), default=0, metavar="N", help="how many of the input tokens are cached (part of the input, not extra)")
    parser.add_argument("--tier", choices=TIERS, default="standard", help="service tier to price (default: standard)")
    parser.add_argument("--calls", type=_whole_number(1), default=1, metavar="N", help="project the cost of N such calls")
    parser.add_argument("--prices", type=Path, metavar="FILE", help="price file (TOML) with your own rates; default: prices.toml in the user config folder if present")
    parser.add_argument("--json", action="store_true", help="print JSON")
    parser.add_argument("--lang", choices=LANGUAGES, help="language of the labels (default: from LANG)")
    parser.add_argument("--prefetch", action="store_true", help="download and verify the tiktoken encodings, for a machine without internet")
    parser.add_argument("--cache-dir", type=Path, metavar="DIR", help="with --prefetch: where to save them (default: where tiktoken looks)")


def _read_bytes(source: str) -> bytes:
    if source == "-":
        return sys.stdin.buffer.read(MAX_JSON_BYTES + 1)
    try:
        with open(source, "rb") as handle:
            return handle.read(MAX_JSON_BYTES + 1)
    except OSError as exc:
        raise UsageError(f"--messages {source}: {exc.strerror or exc}") from None


def _load_request(source: str) -> Any:
    raw = _read_bytes(source)
    where = f"--messages {source}"
    if len(raw) > MAX_JSON_BYTES:
        raise UsageError(f"{where}: larger than {MAX_JSON_BYTES // 2**20} MiB")
    if b"\0" in raw:
        raise UsageError(f"{where}: binary data, not JSON")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{where}: not UTF-8 text (invalid byte at offset {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: invalid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})") from None


def _overrides(args: argparse.Namespace):
    from doctor.tokens.prices import PriceFileError, default_prices_path, load_overrides

    path = args.prices
    if path is None:
        path = default_prices_path()
        if not path.is_file():
            return {}
    try:
        return load_overrides(path)
    except PriceFileError as exc:
        raise UsageError(f"--prices {exc}" if args.prices else f"price file {exc}") from None


def _count(args: argparse.Namespace) -> tuple[str, dict[str, Any]]:
    """The model and the counts of whichever input was given."""
    from doctor.tokens import BinaryInput, InvalidMessages, count_messages, count_stream, count_text, encoding_for, split_request
    from doctor.tokens.messages import single_message_overhead

    given = [name for name, value in (("TEXT", args.text), ("--file", args.file), ("--messages", args.messages)) if value is not None]
    if len(given) != 1:
        raise UsageError(
            "give one input: TEXT, - (standard input), --file FILE or --messages FILE"
            if not given
            else f"give only one input, not {' and '.join(given)}"
        )
    if args.messages is not None:
        request = _load_request(args.messages)
        try:
            messages, tools, request_model = split_request(request)
            model = args.model or request_model or DEFAULT_MODEL
            counted = count_messages(messages, model, tools)
        except InvalidMessages as exc:
            raise UsageError(f"--messages {args.messages}: {exc}") from None
        return model, {"input_tokens": counted.input_tokens, "image_tokens": counted.image_tokens, "notes": counted.notes}
    model = args.model or DEFAULT_MODEL
    choice = encoding_for(model)
    notes = [choice.note] if choice.note else []
    if args.text is not None and args.text != "-":
        tokens = count_text(args.text, model)
    else:
        where = "standard input" if args.file is None else f"--file {args.file}"
        try:
            if args.file is None:
                counted = count_stream(sys.stdin.buffer, model)
            else:
                with open(args.file, "rb") as handle:
                    counted = count_stream(handle, model)
        except OSError as exc:
            raise UsageError(f"{where}: {exc.strerror or exc}") from None
        except BinaryInput as exc:
            raise UsageError(f"{where}: {exc}") from None
        tokens = counted.tokens
        notes += counted.notes
    notes.append(
        f"counted as plain text; sent as one chat message it is {tokens + single_message_overhead(model)} "
        "tokens (use --messages to count a whole request)"
    )
    return model, {"input_tokens": tokens, "notes": notes}


def _money(amount: Decimal) -> str:
    from decimal import Decimal

    if amount >= 1:
        return f"${amount.quantize(Decimal('0.01')):,}"
    return f"${format(amount.normalize(), 'f')}"


def _text_report(result: dict[str, Any], cost, lang: str) -> str:
    import unicodedata

    from doctor.i18n import ui

    def row(label: str, text: str) -> str:
        name = ui("tokens_" + label, lang)
        width = sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in name)  # 模型 takes 4 columns
        return name + " " * (10 - width) + text

    lines = [row("model", f"{result['model']} ({result['encoding']})")]
    extra = []
    if result["cached_tokens"]:
        extra.append(ui("tokens_cached", lang, count=f"{result['cached_tokens']:,}"))
    if result.get("image_tokens") is not None:
        extra.append(ui("tokens_images", lang, count=f"{result['image_tokens']:,}"))
    count = ui("tokens_count_one" if result["input_tokens"] == 1 else "tokens_count", lang, count=f"{result['input_tokens']:,}")
    lines.append(row("input", count + (f" ({', '.join(extra)})" if extra else "")))
    lines.append(row("output", ui("tokens_expected", lang, count=f"{result['output_tokens']:,}")))
    numbers = {"used": f"{result['input_tokens'] + result['output_tokens']:,}", "window": f"{cost.context_window or 0:,}"}
    if cost.context_window is None:
        lines.append(row("context", ui("tokens_window_unknown", lang)))
    elif cost.fits:
        lines.append(row("context", ui("tokens_fits", lang, left=f"{cost.room_left:,}", **numbers)))
    else:
        lines.append(row("context", ui("tokens_does_not_fit", lang, over=f"{-cost.room_left:,}", **numbers)))
    if cost.total_usd is None:
        lines.append(row("cost", ui("tokens_no_price", lang)))
    else:
        calls = cost.calls
        money = {
            "total": _money(cost.total_usd / calls),
            "input": _money(cost.input_usd / calls),
            "output": _money(cost.output_usd / calls),
        }
        lines.append(row("cost", ui("tokens_per_call", lang, **money)))
        if calls > 1:
            lines.append(" " * 10 + ui("tokens_for_calls", lang, total=_money(cost.total_usd), calls=f"{calls:,}"))
    as_of = ui("tokens_as_of", lang, date=cost.prices_as_of) if cost.prices_as_of else ui("tokens_undated", lang)
    lines.append(row("prices", f"{cost.price_source}, {as_of}, {ui('tokens_tier', lang, tier=cost.tier)}"))
    lines += [row("note", note) for note in [*result["notes"], *([cost.note] if cost.note else [])]]
    return "\n".join(lines) + "\n"


def _prefetch(args: argparse.Namespace) -> int:
    from doctor.tokens.encodings import cache_dir, prefetch

    folder = args.cache_dir
    if folder is None:
        folder, _ = cache_dir()
        if folder is None:
            raise UsageError("TIKTOKEN_CACHE_DIR is empty, which turns tiktoken's cache off: give --cache-dir DIR")
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"--cache-dir {folder}: not a folder")
    results = prefetch(folder)
    for item in results:
        sys.stdout.write(f"{item.status:<10}  {item.file.label:<18}  {item.path}" + (f"  ({item.detail})" if item.detail else "") + "\n")
    failed = [r for r in results if r.status == "failed"]
    if failed:
        print(f"openai-doctor: error: {len(failed)} file(s) could not be fetched; see above", file=sys.stderr)
        return ExitCode.FINDINGS
    sys.stdout.write(f"\nOn the machine that counts tokens, set TIKTOKEN_CACHE_DIR={folder.resolve()} (copy the folder there first).\n")
    return ExitCode.OK


def run(args: argparse.Namespace) -> int:
    from doctor.cli import error
    from doctor.secrets import redact, redact_text
    from doctor.tokens import TokenizerUnavailable, encoding_for, estimate_cost, usd

    if args.prefetch:
        if any(v is not None for v in (args.text, args.file, args.messages)):
            raise UsageError("--prefetch takes no input to count")
        return _prefetch(args)
    if args.cache_dir is not None:
        raise UsageError("--cache-dir only goes with --prefetch")
    overrides = _overrides(args)
    try:
        model, counted = _count(args)
    except TokenizerUnavailable as exc:
        error(str(exc))
        return ExitCode.FINDINGS
    try:
        cost = estimate_cost(
            model, counted["input_tokens"], args.output_tokens, args.cached_tokens, args.tier, args.calls, overrides
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    result = {
        "model": model,
        "encoding": encoding_for(model).encoding_name,
        "input_tokens": counted["input_tokens"],
        "output_tokens": args.output_tokens,
        "cached_tokens": args.cached_tokens,
        "context_window": cost.context_window,
        "fits": cost.fits,
        "room_left": cost.room_left,
        "tier": cost.tier,
        "calls": cost.calls,
        "cost": {
            "input_usd": usd(cost.input_usd),
            "output_usd": usd(cost.output_usd),
            "total_usd": usd(cost.total_usd),
            "prices_as_of": cost.prices_as_of,
            "price_source": cost.price_source,
            "note": cost.note,
        },
        "notes": counted["notes"],
    }
    if "image_tokens" in counted:
        result["image_tokens"] = counted["image_tokens"]
    if args.json:
        sys.stdout.write(json.dumps(redact(result), indent=2, ensure_ascii=False) + "\n")
    else:
        from doctor.i18n import detect_language

        sys.stdout.write(redact_text(_text_report(result, cost, args.lang or detect_language())))
    return ExitCode.OK
