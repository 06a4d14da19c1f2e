"""Typed records that flow through hazards: a shop Listing and a RecallNotice.

Spiders yield plain dicts of raw values as the page shows them (``"12,900원"``, ``"만 3세 이상"``,
``"공급자적합성"``); :meth:`Listing.from_raw` turns them into one normalised, validated record. Every
later step (detection, storage, rescans) works on Listings only.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from crawler import normalize

Availability = Literal["in_stock", "sold_out"]
Status = Literal["live", "removed", "blocked"]

_SOLD_OUT = ("soldout", "sold_out", "outofstock", "품절", "일시품절", "판매중지", "suspension", "discontinued")
_IN_STOCK = ("instock", "in_stock", "sale", "판매중", "onsale", "available", "limitedavailability")
#: The words above as normalize.key() compares them, keyed once instead of for every listing.
_SOLD_OUT_KEYS = tuple(normalize.key(word) for word in _SOLD_OUT)
_IN_STOCK_KEYS = frozenset(normalize.key(word) for word in _IN_STOCK)

#: Fields whose change between two crawls is recorded in ``listing_versions``.
TRACKED_FIELDS = ("title", "price_krw", "availability", "status", "kc_cert", "seller", "description")


class Option(BaseModel):
    """One purchasable option of a listing (colour, size) with its own price."""

    model_config = ConfigDict(extra="forbid")
    name: str
    price_krw: int | None = None


class Listing(BaseModel):
    """One product listing on one site, normalised."""

    model_config = ConfigDict(extra="forbid")

    site: str
    listing_id: str
    url: str
    title: str
    brand: str | None = None
    model: str | None = None
    gtin: str | None = None
    kc_cert: str | None = None
    kc_cert_raw: str | None = None
    price_krw: int | None = None
    original_price_krw: int | None = None
    currency: str | None = None
    seller: str | None = None
    category: str | None = None
    age_min_months: int | None = None
    age_max_months: int | None = None
    age_raw: str | None = None
    description: str | None = None
    image_url: str | None = None
    availability: Availability | None = None
    status: Status = "live"
    purchase_agent: bool | None = None
    specs: dict[str, str] = Field(default_factory=dict)
    options: list[Option] = Field(default_factory=list)
    #: Notices and badges the page shows (purchase-agent notice, age warnings, "해외직구" badges).
    notices: list[str] = Field(default_factory=list)

    @field_validator("site", "listing_id", "url", "title")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value or not value.strip():
            raise ValueError("must not be empty")
        return value.strip()

    @classmethod
    def from_raw(cls, raw: dict[str, Any]) -> Listing:
        """Normalise a spider's raw dict into a Listing (raises pydantic.ValidationError)."""
        raw = dict(raw)
        specs = {str(k).strip(): _clean(v) for k, v in (raw.pop("specs", None) or {}).items() if _clean(v)}
        kc_raw = _clean(raw.pop("kc_cert", None))
        gtin_raw = raw.pop("gtin", None)
        age_raw = _clean(raw.pop("age", None))
        age_min, age_max = normalize.age_range(age_raw)
        description = _clean(raw.pop("description", None))
        notices = list(dict.fromkeys(n for n in map(_clean, raw.pop("notices", None) or []) if n))
        options = [
            Option(name=_clean(o.get("name")) or "", price_krw=normalize.price_krw(o.get("price")))
            for o in raw.pop("options", None) or []
            if _clean(o.get("name"))
        ]
        return cls(
            site=raw.pop("site"),
            listing_id=str(raw.pop("listing_id")),
            url=raw.pop("url"),
            title=_clean(raw.pop("title", None)) or "",
            brand=_value(raw.pop("brand", None)),
            model=_value(raw.pop("model", None)),
            gtin=normalize.gtin(gtin_raw) or next(iter(normalize.gtins(_clean(gtin_raw))), None),
            kc_cert=normalize.kc_cert(kc_raw),
            kc_cert_raw=kc_raw,
            price_krw=normalize.price_krw(raw.pop("price", None)),
            original_price_krw=normalize.price_krw(raw.pop("original_price", None)),
            currency=_clean(raw.pop("currency", None)) or "KRW",
            seller=_clean(raw.pop("seller", None)),
            category=_clean(raw.pop("category", None)),
            age_min_months=age_min,
            age_max_months=age_max,
            age_raw=age_raw,
            description=description,
            image_url=_clean(raw.pop("image_url", None)),
            availability=_availability(raw.pop("availability", None)),
            status=raw.pop("status", None) or "live",
            purchase_agent=raw.pop("purchase_agent", None),
            specs=specs,
            options=options,
            notices=notices,
            **raw,
        )

    def searchable_text(self) -> str:
        """The text rules read: title, category, description, spec values and option names."""
        parts = [self.title, self.category, self.brand, self.model, self.age_raw, self.description]
        parts += [f"{k} {v}" for k, v in self.specs.items()]
        parts += [o.name for o in self.options]
        parts += self.notices
        return "\n".join(p for p in parts if p)

    def content_hash(self, dumped: dict[str, Any] | None = None) -> str:
        """Hash of the listing's content (``dumped``: its ``model_dump(mode="json")`` if already made)."""
        payload = json.dumps(dumped or self.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
        return hashlib.sha1(payload.encode("utf-8")).hexdigest()


class RecallNotice(BaseModel):
    """A recall notice from any source, with its identifiers split and normalised for matching."""

    model_config = ConfigDict(extra="forbid")

    recall_id: str
    source: str
    title: str
    brand: str | None = None
    model: str | None = None
    models: list[str] = Field(default_factory=list)
    gtins: list[str] = Field(default_factory=list)
    kc_certs: list[str] = Field(default_factory=list)
    maker: str | None = None
    category: str | None = None
    hazard: str | None = None
    hazard_types: list[str] = Field(default_factory=list)
    country: str | None = None
    published: str | None = None
    url: str | None = None
    raw: dict[str, Any] = Field(default_factory=dict)


def _clean(value: Any) -> str | None:
    if value is None:
        return None
    value = " ".join(str(value).split())
    return value or None


def _value(value: Any) -> str | None:
    value = _clean(value)
    return None if normalize.is_placeholder(value) else value


def _availability(value: Any) -> Availability | None:
    if value is None or isinstance(value, bool):
        return None if value is None else ("in_stock" if value else "sold_out")
    folded = normalize.key(str(value).rsplit("/", 1)[-1])
    if any(word in folded for word in _SOLD_OUT_KEYS):
        return "sold_out"
    if folded in _IN_STOCK_KEYS:
        return "in_stock"
    return None
