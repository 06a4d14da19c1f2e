"""Recall-portal skin in the style of Korea's product safety portal (제품안전정보센터), from real records."""

from __future__ import annotations

import re

from ..recalls import newest_first
from .base import Request, Response, Skin, esc, int_arg, page_response

BR_RE = re.compile(r"&lt;br\s*/?&gt;", re.IGNORECASE)

DETAIL_ROWS = (
    ("제품명", "recallProductName"),
    ("품목", "categoryName"),
    ("모델명", "recallModelName"),
    ("브랜드", "recallBrandName"),
    ("바코드", "barcodeNum"),
    ("인증번호", "certNum"),
    ("업체명", "recallCmpnyName"),
    ("제조업체", "makerName"),
    ("제조국", "makingCntryName"),
    ("결함내용", "harmDscr"),
    ("리콜유형", "recallTypeName"),
    ("리콜방법", "recallMeans"),
    ("조치내용", "publishActionDscr"),
    ("공표일", "publishDate"),
)


def cell(value: object) -> str:
    """A value as the portal prints it: escaped, but its own <br> tags and line breaks kept as breaks."""
    text = BR_RE.sub("<br>", esc(value))
    return text.replace("\r\n", "<br>").replace("\n", "<br>")


def pub_date(value: str | None) -> str:
    """'20260723' -> '2026-07-23' (other values unchanged)."""
    return f"{value[:4]}-{value[4:6]}-{value[6:]}" if value and len(value) == 8 and value.isdigit() else value or ""


class RecallsKrSkin(Skin):
    """Notices at /recall/list?page=N (20 per page, newest first) and /recall/detail?recallUid=<uid>."""

    name = "recalls_kr"
    per_page = 20
    removal_default = "404"
    robots_disallow = ("/search", "/admin/", "/cart")

    def __init__(self, recalls: list[dict], removed: dict[str, str] | None = None):
        self.records = newest_first(recalls)
        super().__init__([{"id": str(r["recallUid"]), "sites": [self.name], "_r": r} for r in self.records], removed)

    def listing_id(self, entry: dict) -> str:
        return entry["id"]

    def product_path(self, entry: dict) -> str:
        return f"/recall/detail?recallUid={entry['id']}"

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            return page_response(
                self.shell(
                    "제품안전정보센터", '<ul class="menu"><li><a href="/recall/list">리콜제품 목록</a></li></ul>'
                )
            )
        if req.path == "/recall/list":
            return self.listing(int_arg(req.query, "page"))
        if req.path == "/recall/detail":
            return self.product(req.query.get("recallUid", ""), req)
        return None

    def shell(self, title: str, body: str) -> str:
        return (
            '<!DOCTYPE html><html lang="ko"><head><meta charset="utf-8">'
            f"<title>{esc(title)} | 제품안전정보센터</title>"
            f'</head><body><div id="header"><a href="/">제품안전정보센터</a></div>'
            f'<div id="content">{body}</div></body></html>'
        )

    def listing(self, page: int) -> Response:
        live = [(lid, e["_r"]) for lid, e in self.by_id.items() if lid not in self.removed]
        items, pages = self.paginate(live, max(page, 1))
        rows = "".join(
            f'<tr><td class="no">{r["recallUid"]}</td>'
            f'<td class="subject"><a href="/recall/detail?recallUid={r["recallUid"]}">'
            f"{cell(r.get('recallProductName'))}</a>"
            f"</td>"
            f"<td>{cell(r.get('recallModelName'))}</td><td>{cell(r.get('recallCmpnyName'))}</td>"
            f"<td>{pub_date(r.get('publishDate'))}</td></tr>"
            for _, r in items
        )
        nav = f'<strong class="on">{page}</strong>'
        if page > 1:
            nav = f'<a class="prev" href="/recall/list?page={page - 1}">이전</a>' + nav
        if page < pages:
            nav += f'<a class="next" href="/recall/list?page={page + 1}">다음</a>'
        body = (
            f'<h2>리콜제품 목록</h2><p class="total">총 <em>{len(live)}</em>건</p>'
            '<table class="tbl_list"><thead><tr><th>리콜번호</th><th>제품명</th><th>모델명</th><th>업체명</th>'
            f'<th>공표일</th></tr></thead><tbody>{rows}</tbody></table><div class="paging">{nav}</div>'
        )
        return page_response(self.shell("리콜제품 목록", body))

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        r = e["_r"]
        rows = "".join(
            f'<tr><th scope="row">{label}</th>'
            f"<td>{pub_date(r.get(key)) if key == 'publishDate' else cell(r.get(key))}</td></tr>"
            for label, key in DETAIL_ROWS
        )
        body = (
            f'<h2>리콜제품 상세</h2><table class="tbl_view" data-recall-uid="{r["recallUid"]}">{rows}</table>'
            '<a class="btn_list" href="/recall/list">목록</a>'
        )
        return page_response(self.shell(f"리콜제품 상세 {r['recallUid']}", body))
