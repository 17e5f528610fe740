"""The loopback HTTP/1.1 server behind the simulator and its proxy: asyncio in a background thread.

One thread with its own event loop serves every connection, so a test starts and stops a
server in milliseconds, concurrent probes are answered concurrently, and latency is an
``asyncio.sleep`` rather than a blocked thread.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import socket
import ssl
import struct
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from doctor.secrets import mask_key
from doctor.sim import api
from doctor.sim.scenarios import SCENARIOS, Scenario

HOST = "127.0.0.1"
MAX_HEADER_LINES = 100
MAX_BODY = 32 * 1024 * 1024
SECRET_HEADERS = ("authorization", "api-key", "x-api-key", "proxy-authorization")

log = logging.getLogger("doctor.sim")


class BadRequest(Exception):
    """The bytes received are not an HTTP/1.1 request this server can read."""


@dataclass
class RecordedRequest:
    """A request the simulator received (secrets masked) and what it answered."""
    method: str
    path: str
    query: str
    headers: dict[str, str]
    json: Any
    status: int | None = None  # None until answered (never, for blackhole)
    response_headers: dict[str, str] = field(default_factory=dict)


class LoopServer:
    """An asyncio server on 127.0.0.1 running in a daemon thread; a context manager that stops it."""

    def __init__(self, port: int = 0, ssl_context: ssl.SSLContext | None = None):
        self._ssl = ssl_context
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._tasks: set[asyncio.Task] = set()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self.port = port
        self._thread = threading.Thread(target=self._run, name=f"{type(self).__name__}:{port}", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._error is not None:
            self._thread.join()
            raise self._error

    def _run(self) -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loop.set_exception_handler(_quiet_exception_handler)
        self._loop = loop
        try:
            self._server = loop.run_until_complete(
                asyncio.start_server(self._connection, HOST, self.port, ssl=self._ssl, reuse_address=True))
        except Exception as exc:  # handed to the starting thread, which raises it
            self._error = exc
            self._ready.set()
            loop.close()
            return
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        loop.run_forever()
        pending = list(self._tasks)
        for task in pending:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        loop.close()

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        try:
            await self.handle(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError, ssl.SSLError, BadRequest, TimeoutError):
            pass
        finally:
            self._tasks.discard(task)
            writer.close()

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError

    def _stop_serving(self) -> None:
        self._server.close()
        self._loop.stop()

    def close(self) -> None:
        if self._thread.is_alive():
            self._loop.call_soon_threadsafe(self._stop_serving)
            self._thread.join(timeout=5)

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()


def _quiet_exception_handler(loop: asyncio.AbstractEventLoop, context: dict) -> None:
    """Failed TLS handshakes and dropped clients are what the fault scenarios are for: not worth a traceback."""
    exc = context.get("exception")
    if isinstance(exc, (ssl.SSLError, ConnectionError, OSError)):
        return
    log.debug("simulator: %s", context.get("message"), exc_info=exc)


async def read_request(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> api.Request | None:
    """One HTTP/1.1 request, or None when the client closed the connection between requests."""
    line = await reader.readline()
    if not line.strip():
        return None
    try:
        method, target, _version = line.decode("latin-1").split()
    except ValueError:
        raise BadRequest(line) from None
    headers: dict[str, str] = {}
    for _ in range(MAX_HEADER_LINES):
        header = await reader.readline()
        if header in (b"\r\n", b"\n", b""):
            break
        name, _, value = header.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    else:
        raise BadRequest("too many header lines")
    if headers.get("expect", "").lower() == "100-continue":  # curl asks before sending a large body
        writer.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = await _read_chunked(reader)
    else:
        try:
            length = int(headers.get("content-length", "0"))
        except ValueError:
            raise BadRequest("bad content-length") from None
        if not 0 <= length <= MAX_BODY:
            raise BadRequest("body too large")
        body = await reader.readexactly(length)
    path, _, query = target.partition("?")
    client_ip = (writer.get_extra_info("peername") or (HOST,))[0]
    return api.Request(method.upper(), path, query, headers, body, client_ip)


async def _read_chunked(reader: asyncio.StreamReader) -> bytes:
    body = bytearray()
    while True:
        size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
        if size == 0:
            await reader.readline()
            return bytes(body)
        body += await reader.readexactly(size)
        await reader.readline()
        if len(body) > MAX_BODY:
            raise BadRequest("body too large")


def response_head(status: int, headers: list[tuple[str, str]]) -> bytes:
    lines = [f"HTTP/1.1 {status} {api.reason(status)}"] + [f"{name}: {value}" for name, value in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def _masked_headers(headers: dict[str, str]) -> dict[str, str]:
    masked = dict(headers)
    for name in SECRET_HEADERS:
        if name in masked:
            scheme, _, secret = masked[name].partition(" ")
            masked[name] = f"{scheme} {mask_key(secret)}" if secret else mask_key(scheme)
    return masked


def _json_or_none(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None


class RunningSim(LoopServer):
    """The simulated OpenAI API serving one scenario on 127.0.0.1."""

    def __init__(self, scenario: Scenario, latency_ms: int = 0, port: int = 0, tls: bool = False):
        self.scenario = scenario
        self.latency_ms = scenario.latency_ms + latency_ms
        self.requests: list[RecordedRequest] = []
        self.ca_file: str | None = None
        self._tempdir: str | None = None
        self._api = api.SimulatedApi(scenario, processing_ms=self.latency_ms)
        flavour = scenario.tls or ("self-signed" if tls else None)
        context = None
        if flavour is not None:
            from doctor.sim.tls import make_server_context

            self._tempdir = tempfile.mkdtemp(prefix="openai-doctor-sim-")
            context, ca_path = make_server_context(Path(self._tempdir), flavour)
            self.ca_file = str(ca_path)
        try:
            super().__init__(port, context)
        except OSError:
            self._remove_tempdir()
            raise
        scheme = "https" if context is not None else "http"
        self.base_url = f"{scheme}://{HOST}:{self.port}/v1"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while True:
            request = await read_request(reader, writer)
            if request is None:
                return
            record = RecordedRequest(request.method, request.path, request.query, _masked_headers(request.headers),
                                     _json_or_none(request.body))
            self.requests.append(record)
            if self.scenario.fault == "blackhole":
                await asyncio.Event().wait()  # cancelled when the simulator stops
            started = time.monotonic()
            reply = self._api.respond(request)
            if self.latency_ms:
                await asyncio.sleep(max(self.latency_ms / 1000 - (time.monotonic() - started), 0))
            record.status, record.response_headers = reply.status, {k.lower(): v for k, v in reply.headers}
            if self.scenario.fault == "reset":
                await _send_half_and_reset(writer, reply)
                return
            await _send(writer, reply)
            if request.headers.get("connection", "").lower() == "close":
                return

    def close(self) -> None:
        super().close()
        self._remove_tempdir()

    def _remove_tempdir(self) -> None:
        if self._tempdir is not None:
            shutil.rmtree(self._tempdir, ignore_errors=True)
            self._tempdir = None


async def _send(writer: asyncio.StreamWriter, reply: api.Reply) -> None:
    headers = [("date", _http_date())] + ([] if reply.header("server") else [("server", api.SERVER_NAME)]) + reply.headers
    if reply.events is None:
        writer.write(response_head(reply.status, headers + [("content-length", str(len(reply.body)))]) + reply.body)
    else:
        writer.write(response_head(reply.status, headers + [("transfer-encoding", "chunked")]))
        for event in reply.events:
            writer.write(b"%x\r\n%s\r\n" % (len(event), event))
            await writer.drain()
        writer.write(b"0\r\n\r\n")
    await writer.drain()


async def _send_half_and_reset(writer: asyncio.StreamWriter, reply: api.Reply) -> None:
    """The head and half the body, then a TCP reset (SO_LINGER 0) instead of the rest."""
    body = reply.body or b"".join(reply.events or [])
    head = response_head(reply.status, reply.headers + [("content-length", str(len(body)))])
    writer.write(head + body[: len(body) // 2])
    await writer.drain()
    sock = writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


def _http_date() -> str:
    return time.strftime("%a, %d %b %Y %H:%M:%S GMT", time.gmtime())


def start(scenario: str | Scenario = "ok", latency_ms: int = 0, port: int = 0, tls: bool = False) -> RunningSim:
    """Start the simulator on 127.0.0.1 (port 0: a free one); use it as a context manager to stop it.

    Raises ValueError for an unknown scenario name and OSError when the port is busy.
    """
    if isinstance(scenario, str):
        if scenario not in SCENARIOS:
            raise ValueError(f"unknown scenario {scenario!r}; known: {', '.join(SCENARIOS)}")
        scenario = SCENARIOS[scenario]
    if latency_ms < 0:
        raise ValueError("latency_ms must not be negative")
    return RunningSim(scenario, latency_ms=latency_ms, port=port, tls=tls)
