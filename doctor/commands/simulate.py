"""`openai-doctor simulate`: serve a local stand-in for the OpenAI API, one scenario, until Ctrl-C."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading

from doctor.exitcodes import ExitCode, UsageError

NAME = "simulate"
HELP = "serve a local OpenAI API simulator (a healthy API or one failure scenario) on 127.0.0.1"
ORDER = 50

EXAMPLE_KEY = "sk-test-simulator"


def _port(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= value <= 65535:
        raise argparse.ArgumentTypeError("must be between 0 and 65535 (0: any free port)")
    return value


def _latency(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of milliseconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", default="ok", metavar="NAME", help="what the server does (default: ok; see --list)")
    parser.add_argument("--port", type=_port, default=8787, help="port on 127.0.0.1 (default: 8787; 0: any free port)")
    parser.add_argument("--latency-ms", type=_latency, default=0, metavar="N", help="extra delay before every response")
    parser.add_argument("--list", action="store_true", help="list the scenarios, one line each, and exit")


def run(args: argparse.Namespace) -> int:
    from doctor.sim import SCENARIOS, start

    if args.list:
        width = max(map(len, SCENARIOS))
        for name, scenario in SCENARIOS.items():
            sys.stdout.write(f"{name:<{width}}  {scenario.summary}\n")
        return ExitCode.OK
    if args.scenario not in SCENARIOS:
        raise UsageError(f"unknown scenario {args.scenario!r}; run 'openai-doctor simulate --list' to see them")
    try:
        sim = start(args.scenario, latency_ms=args.latency_ms, port=args.port)
    except OSError as exc:
        raise UsageError(f"--port {args.port}: cannot listen on 127.0.0.1 ({os.strerror(exc.errno).lower() if exc.errno else exc}); "
                         "try another port or --port 0") from None
    stop = threading.Event()
    if threading.current_thread() is threading.main_thread():  # signal handlers can only be set there
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with sim:
        _print_banner(sim, args.scenario)
        try:
            while not stop.wait(0.5):  # a timed wait, so Ctrl-C is seen promptly on every platform
                pass
        except KeyboardInterrupt:
            sys.stdout.write("\nstopped\n")
            return ExitCode.INTERRUPTED
    return ExitCode.OK


def _print_banner(sim, scenario: str) -> None:
    lines = [
        f"openai-doctor simulator: scenario {scenario!r} on {sim.base_url}",
        "",
        "Point your app or the doctor at it:",
    ]
    trust = f" SSL_CERT_FILE={sim.ca_file}" if sim.ca_file else ""
    lines += [
        f"  OPENAI_BASE_URL={sim.base_url} OPENAI_API_KEY={EXAMPLE_KEY}{trust} python app.py",
        f"  openai-doctor check --base-url {sim.base_url}",
    ]
    if sim.ca_file:
        lines += ["", f"The server's CA certificate: {sim.ca_file} (leave SSL_CERT_FILE out to see the TLS failure)"]
    lines += ["", "Press Ctrl-C to stop."]
    sys.stdout.write("\n".join(lines) + "\n")
    sys.stdout.flush()
