"""Importers for real recall formats: SafetyKorea (KATS), EU Safety Gate and US CPSC.

Each ``parse_<format>(record)`` turns one source record into a :class:`RecallNotice` or raises
:class:`SkipRecord` with a plain reason; :func:`load_file` reads a whole file, so one malformed
record is counted and skipped instead of failing the import. Recall ids are ``source:native id``.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from crawler import normalize
from crawler.items import RecallNotice

FORMATS = ("safetykorea", "eu-safety-gate", "cpsc")
EU_ALERT_URL = "https://ec.europa.eu/safety-gate-alerts/screen/webReport/alertDetail/"


class SkipRecord(ValueError):
    """A record that cannot become a RecallNotice; the message is the reason shown to the user."""


@dataclass
class ImportResult:
    """Notices parsed from one file and the records skipped, as (position, reason)."""

    notices: list[RecallNotice] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


# --- shared cleaning -----------------------------------------------------------------------------

_LABEL = re.compile(
    r"[\(\[]\s*(?:품번|품명|제품명|상품명|모델명|온라인|제품표시|제품표기|포장표시|인증표시|제품포장지|제품|임의|"
    r"사업자문의|style\s*no\.?|style)\s*[\)\]]",
    re.IGNORECASE,
)
_MODEL_PREFIX = re.compile(
    r"^\s*(?:item\s*n[oº°]?\.?|art(?:icle)?\.?|ref(?:erence)?\.?|index|models?|types?|model\s*n[oº°]\.?)"
    r"\s*[:.]?\s+",
    re.IGNORECASE,
)
_CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Za-z][0-9A-Za-z\-_.]*[0-9A-Za-z](?![0-9A-Za-z])")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_CERT_MODEL = re.compile(r"\(\s*인증모델\s*:\s*([^)]*)\)")
_COMPANY = re.compile(
    r"\(주\)|㈜|주식회사|\(유\)|유한회사|co\.?,?\s*ltd\.?|inc\.?|corp\.?|limited", re.IGNORECASE
)


def clean(value: Any) -> str | None:
    """Visible text of a source value (entities decoded, tags and extra spaces removed) or None."""
    if value is None:
        return None
    value = re.sub(r"<[^>]+>", " ", html.unescape(str(value)))
    value = " ".join(value.split())
    return None if normalize.is_placeholder(value) else value


def strip_labels(value: str | None) -> str | None:
    """Drop field labels such as ``(품명)``/``(상품명)``/``(온라인)`` that SafetyKorea writes into names."""
    if not value:
        return None
    return clean(_LABEL.sub(" ", value))


def _is_code(token: str) -> bool:
    bare = re.sub(r"[\-_.]", "", token)
    # Inside a name a code needs letters and digits (HNK-7500) or a long number; "1.78" is a size and
    # a round number ("10000알", "보조배터리10000") is a quantity or a capacity.
    if len(bare) < 3 or not re.search(r"\d", bare):
        return False
    return bool(re.search(r"[A-Za-z]", bare)) or (len(bare) >= 5 and not bare.endswith("000"))


def model_candidates(value: str | None) -> list[str]:
    """Model numbers in a source field: comma/newline lists split, labels dropped, names skipped.

    A part without Hangul and of at most three words is taken whole (``YUT-001``, ``AB 240``); in
    a part with Hangul only code-like tokens count (``HNK-7500 골드Q`` -> ``HNK-7500``), so product
    names never become model numbers that a listing's model could conflict with.
    """
    found: list[str] = []
    for part in re.split(r"[,\n;、，]+|<br\s*/?>", html.unescape(value or ""), flags=re.IGNORECASE):
        part = strip_labels(_MODEL_PREFIX.sub("", part.strip()))
        if part and not _HANGUL.search(part):
            # "NK8ABS102G(PINK)": a colour or size in brackets is not part of the model number.
            part = re.sub(r"\s*[\(\[][^\)\]]*[\)\]]\s*$", "", part) or part
        if not part:
            continue
        if _HANGUL.search(part) or len(part.split()) > 3:
            found += [t for t in _CODE.findall(part) if _is_code(t)]
        elif len(normalize.model_key(part) or "") >= 3:
            found.append(part)
    unique: dict[str, str] = {}
    for model in found:
        unique.setdefault(normalize.model_key(model) or "", model)
    unique.pop("", None)
    return list(unique.values())


def company_key(value: str | None) -> str:
    """Brand/company comparison key without legal-form words (``(주)``, ``주식회사``, ``Co., Ltd``)."""
    return normalize.key(_COMPANY.sub(" ", value or ""))


_HAZARD_WORDS = {
    "chemical": ("프탈레이트", "가소제", "납", "카드뮴", "니켈", "폼알데하이드", "포름알데히드", "붕소",
                 "cmit", "유해물질", "크롬", "바륨", "수은", "비소", "pahs", "phthalate", "lead", "cadmium"),
    "choking": ("질식", "삼킴", "작은 부품", "소형부품", "부품 탈락", "choking", "small parts"),
    "ingestion": ("섭취", "삼킬", "swallow", "ingestion", "obstruction"),
    "strangulation": ("조임끈", "끈 길이", "strangulation"),
    "fire": ("화재", "발화", "폭발", "과열", "fire"),
    "electric_shock": ("감전", "절연", "electric shock"),
    "injuries": ("부상", "베임", "끼임", "날카로운", "추락", "injur"),
    "burns": ("화상", "burn"),
}


def hazard_types(description: str | None) -> list[str]:
    """Hazard types named in a Korean/English defect description (phthalates -> chemical …)."""
    folded = normalize.text(description)
    return [kind for kind, words in _HAZARD_WORDS.items() if any(w in folded for w in words)]


def _notice(**values: Any) -> RecallNotice:
    try:
        return RecallNotice(**values)
    except ValidationError as exc:
        raise SkipRecord(f"invalid value: {exc.errors()[0]['loc'][0]}") from exc


# --- SafetyKorea (KATS Open API 국내리콜) ----------------------------------------------------------

def parse_safetykorea(record: dict[str, Any]) -> RecallNotice:
    """One SafetyKorea recall record (``recallUid``, ``recallModelName`` …) as a RecallNotice.

    ``recallProductName`` is a category, not the product: the product name or model numbers are
    in ``recallModelName``. ``makerName`` is empty since 2022, so ``recallCmpnyName`` comes first.
    """
    uid = record.get("recallUid")
    if uid is None or not str(uid).strip().isdigit():
        raise SkipRecord("missing or non-numeric recallUid")
    raw_name = record.get("recallModelName")
    category = clean(record.get("recallProductName")) or clean(record.get("categoryName"))
    title = strip_labels(raw_name) or category
    if not title:
        raise SkipRecord("no product name (recallModelName and recallProductName empty)")
    cert_raw = record.get("certNum") or ""
    models = model_candidates(raw_name)
    for certified in _CERT_MODEL.findall(html.unescape(re.sub(r"<[^>]+>", " ", cert_raw))):
        models += [m for m in model_candidates(certified) if m not in models]
    country = (clean(record.get("makingCntryName")) or "").split(">")[-1].strip()
    harm = clean(record.get("harmDscr"))
    return _notice(
        recall_id=f"safetykorea:{int(str(uid).strip())}",
        source="safetykorea",
        title=title,
        brand=clean(record.get("recallBrandName")),
        model=models[0] if models else None,
        models=models,
        gtins=normalize.gtins(record.get("barcodeNum")),
        kc_certs=normalize.kc_certs(cert_raw),
        maker=clean(record.get("recallCmpnyName")) or clean(record.get("makerName")),
        category=category,
        hazard=harm,
        hazard_types=hazard_types(harm),
        country=None if normalize.is_placeholder(country) else country,
        published=_date(record.get("publishDate")),
        url=None,
        raw=record,
    )


def _date(value: Any) -> str | None:
    digits = re.sub(r"\D", "", str(value or ""))[:8]
    if len(digits) != 8:
        return None
    return f"{digits[:4]}-{digits[4:6]}-{digits[6:]}"


# --- EU Safety Gate ---------------------------------------------------------------------------------

_EU_SKIP_MODEL = re.compile(r"^\s*(?:-|type[- ]approval|model (?:year|series)|all |e\d+\s*\*)", re.IGNORECASE)


def parse_eu_safety_gate(record: dict[str, Any]) -> RecallNotice:
    """One EU Safety Gate alert (as normalised from the public API) as a RecallNotice."""
    reference = clean(record.get("reference"))
    if not reference:
        raise SkipRecord("missing reference (alert number)")
    name = clean(record.get("product_name"))
    specific = clean(record.get("product_name_specific"))
    title = " ".join(p for p in (specific, name) if p) if specific != name else name
    if not title:
        raise SkipRecord("no product_name")
    brands = [b for b in (clean(x) for x in record.get("brands") or []) if b]
    model_fields = [
        m for m in record.get("model_types") or [] if isinstance(m, str) and not _EU_SKIP_MODEL.match(m)
    ]
    models = model_candidates("\n".join(model_fields))
    risk = clean(record.get("risk_description"))
    alert_id = record.get("id")
    return _notice(
        recall_id=f"eu-safety-gate:{reference}",
        source="eu-safety-gate",
        title=title,
        brand=brands[0] if brands else None,
        model=models[0] if models else None,
        models=models,
        gtins=normalize.gtins(" ".join(model_fields)),
        kc_certs=[],
        maker=None,
        category=clean(record.get("product_category")),
        hazard=risk,
        hazard_types=sorted({str(t).lower() for t in record.get("risk_types") or []}),
        country=clean(record.get("country_of_origin")),
        published=(clean(record.get("publication_date")) or "")[:10] or None,
        url=f"{EU_ALERT_URL}{alert_id}" if alert_id else None,
        raw=record,
    )


# --- US CPSC (saferproducts.gov Recall JSON) ------------------------------------------------------

def _names(record: dict[str, Any], key: str, field_name: str = "Name") -> list[str]:
    values = record.get(key) or []
    if not isinstance(values, list):
        raise SkipRecord(f"{key} is not a list")
    return [v for v in (clean(item.get(field_name)) for item in values if isinstance(item, dict)) if v]


def parse_cpsc(record: dict[str, Any]) -> RecallNotice:
    """One CPSC recall (``RecallNumber``, ``Title``, ``Products`` …) as a RecallNotice."""
    number = clean(record.get("RecallNumber"))
    if not number:
        raise SkipRecord("missing RecallNumber")
    products = [p for p in record.get("Products") or [] if isinstance(p, dict)]
    product_names = list(dict.fromkeys(_names(record, "Products")))
    # The Title is a press headline ("… Recalled Due to …"); the product name is what shops list.
    title = " / ".join(product_names) or clean(record.get("Title"))
    if not title:
        raise SkipRecord("no Title and no product name")
    models = model_candidates("\n".join(str(p.get("Model") or "") for p in products))
    upcs = " ".join(_names(record, "ProductUPCs", "UPC"))
    makers = _names(record, "Manufacturers") or _names(record, "Importers") or _names(record, "Distributors")
    hazards = _names(record, "Hazards")
    types = [t for t in (clean(p.get("Type")) for p in products) if t]
    countries = _names(record, "ManufacturerCountries", "Country")
    return _notice(
        recall_id=f"cpsc:{number}",
        source="cpsc",
        title=title,
        brand=None,
        model=models[0] if models else None,
        models=models,
        gtins=normalize.gtins(upcs),
        kc_certs=[],
        maker=makers[0] if makers else None,
        category=types[0] if types else None,
        hazard="; ".join(hazards) or clean(record.get("Description")),
        hazard_types=hazard_types(" ".join([*hazards, clean(record.get("Title")) or ""])),
        country=countries[0] if countries else None,
        published=(clean(record.get("RecallDate")) or "")[:10] or None,
        url=clean(record.get("URL")),
        raw=record,
    )


PARSERS: dict[str, Callable[[dict[str, Any]], RecallNotice]] = {
    "safetykorea": parse_safetykorea,
    "eu-safety-gate": parse_eu_safety_gate,
    "cpsc": parse_cpsc,
}


# --- files ----------------------------------------------------------------------------------------

def _records(path: Path) -> Iterator[tuple[str, Any]]:
    """(position, record) from JSON Lines, a JSON array, or an object wrapping one (``items`` …)."""
    body = path.read_text(encoding="utf-8-sig")
    stripped = body.lstrip()
    if stripped.startswith("["):
        for i, record in enumerate(json.loads(stripped), 1):
            yield f"record {i}", record
        return
    if stripped.startswith("{") and "\n{" not in stripped.strip():
        document = json.loads(stripped)
        for key in ("items", "results", "data", "recalls", "resultList"):
            if isinstance(document.get(key), list):
                for i, record in enumerate(document[key], 1):
                    yield f"record {i}", record
                return
        yield "record 1", document
        return
    for number, line in enumerate(body.splitlines(), 1):
        if line.strip():
            try:
                yield f"line {number}", json.loads(line)
            except json.JSONDecodeError as exc:
                yield f"line {number}", SkipRecord(f"not JSON ({exc.msg})")


def load_file(path: str | Path, fmt: str) -> ImportResult:
    """Parse every record of a recall file; malformed records land in ``skipped`` with a reason.

    Raises ValueError for an unknown format and OSError/json.JSONDecodeError for an unreadable
    file (a whole-file problem, unlike one bad record).
    """
    if fmt not in PARSERS:
        raise ValueError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    parse = PARSERS[fmt]
    result = ImportResult()
    seen: dict[str, int] = {}
    for where, record in _records(Path(path)):
        try:
            if isinstance(record, SkipRecord):
                raise record
            if not isinstance(record, dict):
                raise SkipRecord("not a JSON object")
            notice = parse(record)
        except SkipRecord as exc:
            result.skipped.append((where, str(exc)))
            continue
        if notice.recall_id in seen:
            # The later record of the same id wins, like a re-import would.
            result.notices[seen[notice.recall_id]] = notice
            result.skipped.append((where, f"duplicate {notice.recall_id} in file (later record kept)"))
            continue
        seen[notice.recall_id] = len(result.notices)
        result.notices.append(notice)
    return result
