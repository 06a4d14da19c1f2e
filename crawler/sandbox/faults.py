"""Fault injection for reliability tests: what a faulty site does instead of, or on top of, a normal answer."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlencode

from .skins.base import Request, Response, redirect

FAULT_MODES = (
    "5xx",
    "slow",
    "reset",
    "truncated",
    "charset",
    "huge",
    "redirect_loop",
    "offsite_redirect",
    "markup_changed",
    "bad_jsonld",
    "robots_disallow",
    "captcha",
)
RESET = object()
"""Returned by `before` when the connection must be closed without any response."""

SCRIPT_RE = re.compile(r"<script\b[^>]*>.*?</script>", re.DOTALL | re.IGNORECASE)
TABLE_RE = re.compile(r"<table\b.*?</table>", re.DOTALL | re.IGNORECASE)
ATTR_RE = re.compile(r'(?<![\w-])(class|id)="([^"]*)"')
JSONLD_RE = re.compile(r'(<script type="application/ld\+json">)(.*?)(</script>)', re.DOTALL)
META_CHARSET_RE = re.compile(r"<meta[^>]*charset=[^>]*>", re.IGNORECASE)


@dataclass
class Fault:
    """One armed fault: its mode, the request-path prefix it applies to ('' = every path), options, and
    how many requests it has hit so far."""

    mode: str
    path_prefix: str = ""
    opts: dict = field(default_factory=dict)
    hits: int = 0

    def __post_init__(self):
        if self.mode not in FAULT_MODES:
            raise ValueError(f"unknown fault mode {self.mode!r}; use one of {', '.join(FAULT_MODES)}")

    def matches(self, raw_path: str) -> bool:
        """Whether this fault applies to a request path (with its query string); ``robots_disallow``
        applies to /robots.txt, adding ``Disallow: <path_prefix>``."""
        if self.mode == "robots_disallow":
            return raw_path == "/robots.txt"
        return raw_path.startswith(self.path_prefix or "/")


def before(fault: Fault, req: Request, raw_path: str, port: int) -> Response | object | None:
    """Answer instead of the site (a Response or RESET), or None to let the site answer; may sleep."""
    fault.hits += 1
    mode = fault.mode
    if mode == "5xx":
        if fault.hits <= int(fault.opts.get("count", 3)):
            status = int(fault.opts.get("status", 503))
            return Response(status, f"<html><body><h1>{status} Service Unavailable</h1></body></html>".encode())
        return None
    if mode == "slow":
        time.sleep(float(fault.opts.get("delay", 2.0)))
        return None
    if mode == "reset":
        return RESET
    if mode == "captcha":
        # Shops answer bots with a 200 challenge page, not an error status.
        body = ("<html><head><title>보안 확인</title></head><body><h1>로봇이 아닙니다</h1>"
                "<p>계속하려면 보안문자(captcha)를 입력하세요.</p></body></html>")
        return Response(200, body.encode("utf-8"), "text/html; charset=utf-8")
    if mode == "huge":
        return huge_page(float(fault.opts.get("size_mb", 20)))
    if mode == "redirect_loop":
        query = dict(parse_qsl(raw_path.partition("?")[2]))
        if "_loop" in query:
            query.pop("_loop")
        else:
            query["_loop"] = "1"
        return redirect(req.path + ("?" + urlencode(query) if query else ""))
    if mode == "offsite_redirect":
        return redirect(f"http://localhost:{port}{raw_path}")
    return None


def after(fault: Fault, resp: Response) -> Response:
    """Spoil a normal answer (truncated body, wrong charset, changed markup, broken JSON-LD, robots.txt)."""
    mode = fault.mode
    if mode == "truncated":
        missing = int(fault.opts.get("missing", max(1024, len(resp.body) // 2)))
        resp.headers.append(("Content-Length", str(len(resp.body) + missing)))
    elif mode == "charset":
        resp = spoil_charset(resp, fault.opts.get("how", "wrong"))
    elif mode == "markup_changed" and is_html(resp):
        resp.body = change_markup(resp.body.decode("utf-8", "replace")).encode("utf-8")
        resp.content_type = "text/html; charset=utf-8"
    elif mode == "robots_disallow":
        resp.body = resp.body.rstrip(b"\n") + f"\nDisallow: {fault.path_prefix or '/'}\n".encode()
    elif mode == "bad_jsonld" and is_html(resp):
        text = resp.body.decode("utf-8", "replace")
        resp.body = JSONLD_RE.sub(lambda m: m.group(1) + break_json(m.group(2)) + m.group(3), text).encode("utf-8")
    return resp


def is_html(resp: Response) -> bool:
    """Whether the response is an HTML page."""
    return (resp.content_type or "text/html").startswith("text/html")


def huge_page(size_mb: float) -> Response:
    """A valid but very large HTML page (default ~20 MB)."""
    row = ('<p class="filler">' + "가나다라마바사 " * 60 + "</p>\n").encode("utf-8")
    rows = row * max(1, int(size_mb * 1024 * 1024 / len(row)))
    return Response(200, b'<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>' + rows + b"</body></html>")


def spoil_charset(resp: Response, how: str) -> Response:
    """'wrong': the header names another charset than the bytes; 'missing': no charset anywhere."""
    ctype = (resp.content_type or "").lower()
    if how == "missing":
        resp.content_type = "text/html"
        resp.body = META_CHARSET_RE.sub("", resp.body.decode("latin-1")).encode("latin-1")
    elif "utf-8" in ctype:
        resp.content_type = "text/html; charset=euc-kr"
    else:
        resp.content_type = "text/html; charset=utf-8"
    return resp


def change_markup(text: str) -> str:
    """A redesign: embedded data (scripts, tables) gone, every class and id renamed."""
    text = SCRIPT_RE.sub("", text)
    text = TABLE_RE.sub('<div class="specs-lazy"></div>', text)
    return ATTR_RE.sub(lambda m: f'{m.group(1)}="v2-{"-".join(m.group(2).split())}"', text)


def break_json(payload: str) -> str:
    """Malformed JSON-LD as shops ship it: a raw line break inside a string and a trailing comma."""
    broken = payload.replace('", "', '",\n\t"', 1).replace('"name": "', '"name": "\n', 1)
    return broken.rstrip()[:-1] + ",}" if broken.rstrip().endswith("}") else broken + ","
