"""Extraction helpers shared by every spider: selectors, spec tables, schema.org Product data."""

from __future__ import annotations

from typing import Any

from scrapy.http import Response

from crawler import normalize

_LABELS = {
    "kc_cert": ("KC 인증번호", "KC인증번호", "KC 인증정보", "KC 인증", "KC인증", "인증번호", "KC 안전인증",
                "안전확인번호", "안전인증번호", "KC 인증 번호", "KC 인증필 유무", "KC certification", "KC No"),
    "model": ("모델명", "품번", "모델", "모델번호", "model", "model no", "model number", "型号"),
    "brand": ("브랜드", "brand", "品牌"),
    "maker": ("제조자", "제조사", "제조자/수입자", "제조원", "제조자(수입자)", "manufacturer", "制造商"),
    "age": ("사용연령", "사용 연령", "권장연령", "권장 연령", "대상연령", "사용연령(권장연령)", "age", "适用年龄"),
    "gtin": ("바코드", "GTIN", "EAN", "barcode", "UPC"),
    "seller": ("판매자", "판매처", "상호", "seller", "store"),
}
#: normalize.key(label) -> Listing field, for labelled spec tables.
SPEC_LABELS = {normalize.key(label): field for field, labels in _LABELS.items() for label in labels}
SPEC_LABELS = {k: ("brand" if v == "maker" else v) for k, v in SPEC_LABELS.items()}

_SPEC_ROWS = "//table//tr[th and td]"
_SPEC_DL = "//dl[dt and dd]"


def select(response: Response, query: str | None, many: bool = False) -> Any:
    """Run a CSS selector (XPath when it starts with '/' or '('); join text nodes unless ``many``."""
    if not query:
        return [] if many else None
    selection = response.xpath(query) if query.lstrip().startswith(("/", "(")) else response.css(query)
    values = [v.strip() for v in selection.getall() if v and v.strip()]
    if many:
        return values
    return " ".join(values) or None


def spec_pairs(response: Response, rows: tuple[str, str, str] | None = None) -> dict[str, str]:
    """Label -> value pairs from spec tables (th/td rows), definition lists (dt/dd) and, when given,
    a site's own rows: ``(row XPath, label XPath, value XPath)``."""
    pairs: dict[str, str] = {}
    if rows:
        row_query, label_query, value_query = rows
        for row in response.xpath(row_query):
            _add(pairs, row.xpath(label_query).xpath("string()").get(), row.xpath(value_query).xpath("string()").get())
    for row in response.xpath(_SPEC_ROWS):
        labels = row.xpath("./th")
        cells = row.xpath("./td")
        for label, cell in zip(labels, cells, strict=False):
            _add(pairs, label.xpath("string()").get(), cell.xpath("string()").get())
    for dl in response.xpath(_SPEC_DL):
        for term in dl.xpath("./dt"):
            _add(pairs, term.xpath("string()").get(), term.xpath("following-sibling::dd[1]").xpath("string()").get())
    return pairs


def _add(pairs: dict[str, str], label: str | None, value: str | None) -> None:
    label = " ".join((label or "").split()).rstrip(":")
    value = " ".join((value or "").split())
    if label and value and label not in pairs:
        pairs[label] = value


def dig(data: Any, path: str) -> Any:
    """Value at a dotted path in nested dicts/lists (``a.b.0.c``); ``a.x|b.y`` tries each path in turn."""
    if "|" in path:
        for choice in path.split("|"):
            value = dig(data, choice.strip())
            if value not in (None, ""):
                return value
        return None
    for part in path.split(".") if path else []:
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def _first(value: Any) -> Any:
    while isinstance(value, list):
        value = value[0] if value else None
    return value


def _name(value: Any) -> str | None:
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id")
    return str(value).strip() if value not in (None, "") else None


def _products(node: Any) -> list[dict]:
    found = []
    if isinstance(node, list):
        for entry in node:
            found += _products(entry)
    elif isinstance(node, dict):
        kind = node.get("@type")
        kinds = kind if isinstance(kind, list) else [kind]
        if any(str(k).rsplit("/", 1)[-1] in ("Product", "ProductGroup", "IndividualProduct") for k in kinds):
            found.append(node)
        for key in ("@graph", "mainEntity", "itemListElement", "item"):
            if key in node:
                found += _products(node[key])
    return found


def product_from_structured(data: dict[str, Any]) -> dict[str, Any]:
    """Raw listing fields from extruct's uniform output (JSON-LD, then microdata, then OpenGraph)."""
    item: dict[str, Any] = {}
    for syntax in ("json-ld", "microdata"):
        for product in _products(data.get(syntax, [])):
            _merge(item, _product_fields(product))
    for og in data.get("opengraph", []):
        _merge(item, {
            "title": og.get("og:title"),
            "image_url": og.get("og:image"),
            "description": og.get("og:description"),
            "price": og.get("product:price:amount") or og.get("og:price:amount"),
            "currency": og.get("product:price:currency") or og.get("og:price:currency"),
            "brand": og.get("product:brand"),
            "availability": og.get("product:availability") or og.get("og:availability"),
        })
    return item


def _product_fields(product: dict[str, Any]) -> dict[str, Any]:
    offers = _first(product.get("offers")) or {}
    if isinstance(offers, dict) and offers.get("@type") == "AggregateOffer":
        offers = {**offers, "price": offers.get("lowPrice") or offers.get("price")}
    specs = {}
    for prop in product.get("additionalProperty") or []:
        if isinstance(prop, dict) and prop.get("name") and prop.get("value") not in (None, ""):
            specs[str(prop["name"]).strip()] = str(_first(prop["value"])).strip()
    gtin = next((product.get(k) for k in ("gtin13", "gtin", "gtin14", "gtin12", "gtin8") if product.get(k)), None)
    image = _first(product.get("image"))
    if isinstance(image, dict):
        image = image.get("url") or image.get("contentUrl")
    fields = {
        "title": _name(product.get("name")),
        "brand": _name(product.get("brand")) or _name(product.get("manufacturer")),
        "model": _name(product.get("model")) or product.get("mpn"),
        "gtin": _first(gtin),
        "description": product.get("description"),
        "image_url": image,
        "category": _name(product.get("category")),
        "price": offers.get("price") if isinstance(offers, dict) else None,
        "currency": offers.get("priceCurrency") if isinstance(offers, dict) else None,
        "availability": offers.get("availability") if isinstance(offers, dict) else None,
        "seller": _name(offers.get("seller")) if isinstance(offers, dict) else None,
        "sku": product.get("sku") or product.get("productID"),
    }
    if specs:
        fields["specs"] = specs
        for label, value in specs.items():
            field = SPEC_LABELS.get(normalize.key(label))
            if field and not fields.get(field):
                fields[field] = value
    return fields


def _merge(item: dict[str, Any], values: dict[str, Any]) -> None:
    for field, value in values.items():
        if value not in (None, "", [], {}) and item.get(field) in (None, "", [], {}):
            item[field] = value
