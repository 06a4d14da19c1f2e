"""The HTTP layer: one ThreadingHTTPServer per site whose handler asks the market for faults, control
actions and the skin's answer."""

from __future__ import annotations

import socket
import struct
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlsplit

from . import faults
from .skins.base import Request, Response

if TYPE_CHECKING:
    from .market import SandboxMarket


class SiteServer(ThreadingHTTPServer):
    """A threading HTTP server bound to one site of a market."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], market: SandboxMarket, site: str):
        self.market = market
        self.site = site
        super().__init__(address, SiteHandler)


class SiteHandler(BaseHTTPRequestHandler):
    """Answers one request for the server's site."""

    server: SiteServer
    server_version = "SandboxMarket/1.0"
    # Keep-alive, as real shops do: a new TCP connection per page was ~10 % of a benchmark crawl.
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802
        self.dispatch()

    def do_HEAD(self) -> None:  # noqa: N802
        self.dispatch(head=True)

    def do_POST(self) -> None:  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.dispatch()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass

    def dispatch(self, head: bool = False) -> None:
        market, site = self.server.market, self.server.site
        split = urlsplit(self.path)
        port = self.server.server_address[1]
        host = self.headers.get("Host") or f"127.0.0.1:{port}"
        req = Request(self.command, split.path, dict(parse_qsl(split.query)), f"http://{host}")
        if split.path.startswith("/_sandbox/"):
            self.send(market.control(site, req), head)
            return
        fault = market.fault_for(site, self.path)
        resp = faults.before(fault, req, self.path, port) if fault else None
        if resp is faults.RESET:
            self.reset()
            return
        if resp is None:
            resp = market.skins[site].handle(req)
            if fault:
                resp = faults.after(fault, resp)
        self.send(resp, head)

    def send(self, resp: Response, head: bool = False) -> None:
        self.send_response(resp.status)
        if resp.content_type:
            self.send_header("Content-Type", resp.content_type)
        # A fault that sets its own Content-Length (a truncated body) must close, or the client waits.
        faulty_length = any(k.lower() == "content-length" for k, _ in resp.headers)
        if not faulty_length:
            self.send_header("Content-Length", str(len(resp.body)))
        for key, value in resp.headers:
            self.send_header(key, value)
        if faulty_length:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            try:
                self.wfile.write(resp.body)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True

    def reset(self) -> None:
        """Drop the connection with a TCP RST and no bytes written."""
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True
        self.connection.close()
