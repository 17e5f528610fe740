"""A tiny HTTP proxy on 127.0.0.1 for the proxy checks: it refuses, demands credentials, or tunnels.

Modes: ``refuse_connect`` (403 to CONNECT and to forwarded requests), ``auth_required`` (407
with a Proxy-Authenticate challenge), ``ok`` (CONNECT tunnels and plain forwarding, to
loopback targets only, so a test can never reach the outside world through it).
"""

from __future__ import annotations

import asyncio
from urllib.parse import urlsplit

from doctor.sim.server import HOST, LoopServer, response_head

MODES = ("refuse_connect", "auth_required", "ok")
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_HEADER_LINES = 100


class RunningProxy(LoopServer):
    """The proxy serving one mode; ``requests`` lists (method, target) of what clients asked for."""

    def __init__(self, mode: str, port: int = 0):
        if mode not in MODES:
            raise ValueError(f"unknown proxy mode {mode!r}; known: {', '.join(MODES)}")
        self.mode = mode
        self.requests: list[tuple[str, str]] = []
        super().__init__(port)
        self.url = f"http://{HOST}:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        line = await reader.readline()
        if not line.strip():
            return
        try:
            method, target, version = line.decode("latin-1").split()
        except ValueError:
            return await _answer(writer, 400, [], b"not an HTTP request\n")
        headers = []
        for _ in range(MAX_HEADER_LINES):
            header = await reader.readline()
            if header in (b"\r\n", b"\n", b""):
                break
            headers.append(header)
        self.requests.append((method.upper(), target))
        if self.mode == "refuse_connect":
            return await _answer(writer, 403, [], b"CONNECT and forwarding are not allowed by this proxy\n")
        if self.mode == "auth_required":
            return await _answer(writer, 407, [("proxy-authenticate", 'Basic realm="openai-doctor simulator"')],
                                 b"Proxy authentication required\n")
        if method.upper() == "CONNECT":
            host, _, port = target.rpartition(":")
            if host not in LOOPBACK:
                return await _answer(writer, 403, [], b"this test proxy only tunnels to loopback\n")
            upstream = await _open(writer, host.strip("[]"), port)
            if upstream is None:
                return
            upstream_reader, upstream_writer = upstream
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
        else:
            parts = urlsplit(target)
            if parts.hostname not in LOOPBACK:
                return await _answer(writer, 403, [], b"this test proxy only forwards to loopback\n")
            upstream = await _open(writer, parts.hostname, parts.port or 80)
            if upstream is None:
                return
            upstream_reader, upstream_writer = upstream
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
            kept = [h for h in headers if not h.lower().startswith((b"proxy-", b"connection:"))]
            # One request per upstream connection: the client reconnects for the next one.
            upstream_writer.write(f"{method} {path} {version}\r\n".encode("latin-1") + b"".join(kept)
                                  + b"Connection: close\r\n\r\n")
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


async def _open(writer: asyncio.StreamWriter, host: str, port) -> tuple | None:
    """A connection to the target, or None after answering 502 as real proxies do when it is unreachable."""
    try:
        return await asyncio.open_connection(host, int(port))
    except (OSError, ValueError):
        await _answer(writer, 502, [], b"the proxy cannot reach the target\n")
        return None


async def _answer(writer: asyncio.StreamWriter, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
    writer.write(response_head(status, headers + [("content-length", str(len(body))), ("connection", "close")]) + body)
    await writer.drain()


async def _pipe(source: asyncio.StreamReader, target: asyncio.StreamWriter) -> None:
    try:
        while chunk := await source.read(65536):
            target.write(chunk)
            await target.drain()
    finally:
        if target.can_write_eof():
            try:
                target.write_eof()
            except OSError:
                pass


def start_proxy(mode: str, port: int = 0) -> RunningProxy:
    """Start the proxy on 127.0.0.1 (port 0: a free one); use it as a context manager to stop it."""
    return RunningProxy(mode, port)
