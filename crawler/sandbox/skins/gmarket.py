"""G마켓-like skin: old table layout in EUC-KR; even goodscodes name the charset in the HTTP header, odd ones
only in a <meta http-equiv> tag."""

from __future__ import annotations

from ..catalog import scramble, serial, stable_hash
from .base import Request, Response, Skin, esc, int_arg, krw_sign

META = '<meta http-equiv="Content-Type" content="text/html; charset=euc-kr">'


def euc_kr(text: str, status: int = 200, header_charset: bool = True) -> Response:
    """Encode a page as EUC-KR; characters outside it become numeric character references."""
    ctype = "text/html; charset=euc-kr" if header_charset else "text/html"
    return Response(status, text.encode("euc-kr", errors="xmlcharrefreplace"), ctype)


class GmarketSkin(Skin):
    """Products at /item?goodscode=<id>; lists at /list?category=<code>&page=N."""

    name = "gmarket"
    per_page = 12
    removal_default = "redirect"
    robots_disallow = ("/cart", "/search", "/n/search", "/challenge/")

    def listing_id(self, entry: dict) -> str:
        return str(2_000_000_000 + scramble(serial(entry["id"]), self.name))

    def category_code(self, slug: str) -> str:
        return f"{200000000 + stable_hash(self.name, slug) % 800000:09d}"

    def product_path(self, entry: dict) -> str:
        return f"/item?goodscode={self.listing_id(entry)}"

    def route(self, req: Request) -> Response | None:
        if req.path == "/":
            links = "".join(
                f'<tr><td><a href="/list?category={self.category_code(s)}">{esc(self.category_name(s))}</a></td></tr>'
                for s in self.slugs
            )
            return euc_kr(self.shell("G마켓", f'<table class="cate_list" width="200">{links}</table>'))
        if req.path == "/list":
            slug = self.by_code.get(req.query.get("category", ""))
            return self.category(slug, req.query["category"], int_arg(req.query, "page")) if slug else None
        if req.path == "/item":
            return self.product(req.query.get("goodscode", ""), req)
        return None

    def not_found(self) -> Response:
        return euc_kr(self.shell("G마켓", "<p>상품이 존재하지 않습니다.</p>"), 404)

    def shell(self, title: str, body: str) -> str:
        return (
            '<!DOCTYPE HTML PUBLIC "-//W3C//DTD HTML 4.01 Transitional//EN">\n'
            f"<html><head>{META}<title>{esc(title)}</title></head>"
            '<body bgcolor="#ffffff"><table width="980" border="0" cellpadding="0" cellspacing="0" align="center">'
            '<tr><td class="top"><a href="/"><b>G마켓</b></a></td></tr>'
            f"<tr><td>{body}</td></tr></table></body></html>"
        )

    def category(self, slug: str, code: str, page: int) -> Response:
        items, pages = self.paginate(self.live(slug), max(page, 1))
        rows = "".join(
            f'<tr class="item_row"><td class="item_name"><a href="/item?goodscode={lid}">{esc(e["title"])}</a></td>'
            f'<td class="item_price" align="right">{krw_sign(e["price"])}</td></tr>'
            for lid, e in items
        )
        nav = f"<b>{page}</b> / {pages}"
        if page < pages:
            nav += f' <a href="/list?category={code}&amp;page={page + 1}" class="next">다음</a>'
        body = (
            f'<h3>{esc(self.category_name(slug))}</h3><table class="list_tbl" width="100%" border="1">{rows}</table>'
            f'<table><tr><td class="paging">{nav}</td></tr></table>'
        )
        return euc_kr(self.shell(self.category_name(slug), body))

    def render_product(self, e: dict, lid: str, req: Request, sold_out: bool) -> Response:
        spec = [
            ("상품번호", lid),
            ("브랜드", e.get("brand") or ""),
            ("모델명", e.get("model") or ""),
            ("KC인증", e.get("kc_cert") if e.get("kc_cert") is not None else ""),
            ("사용연령", e.get("age") or ""),
            ("판매자", e.get("seller") or ""),
        ]
        cells = "".join(
            f'<tr><td class="th" bgcolor="#f4f4f4">{esc(k)}</td><td class="td">{esc(v)}</td></tr>' for k, v in spec
        )
        opts = "".join(
            f'<option value="{i}">{esc(o["name"])} / {krw_sign(o["price"])}</option>'
            for i, o in enumerate(e.get("options") or [])
        )
        select = f'<select name="opt" class="opt_select"><option>옵션선택</option>{opts}</select>' if opts else ""
        strike = (
            f'<strike class="price_org">{krw_sign(e["original_price"])}</strike> ' if e.get("original_price") else ""
        )
        status = (
            '<font color="red" class="soldout">일시품절</font>' if sold_out else '<a href="/cart?add=1">구매하기</a>'
        )
        agent = '<b class="global">[해외배송]</b> ' if e.get("purchase_agent") else ""
        notice = (
            '<tr><td colspan="2" class="notice">이 제품은 구매대행을 통하여 유통되는 제품임</td></tr>'
            if e.get("purchase_agent_notice")
            else ""
        )
        body = (
            f'<table class="item_topinfo" width="100%"><tr>'
            f'<td rowspan="4" width="300"><img src="{esc(self.image_url(req, lid))}" width="300"></td>'
            f'<td class="itemtit"><h1 class="itemtit">{agent}{esc(e["title"])}</h1></td></tr>'
            f'<tr><td class="price">{strike}<strong class="price_real">{krw_sign(e["price"])}</strong></td></tr>'
            f"<tr><td>{select}</td></tr><tr><td>{status}</td></tr></table>"
            f'<table class="item_info" width="100%" border="1">{cells}{notice}</table>'
            f'<table width="100%"><tr><td class="item_desc">{esc(e.get("description"))}</td></tr></table>'
        )
        return euc_kr(self.shell(f"G마켓 - {e['title']}", body), header_charset=int(lid) % 2 == 0)
