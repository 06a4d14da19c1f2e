"""The recall match index: which recalls does a listing look like, how strongly, and why.

Evidence, strongest first: GTIN, KC certificate number, brand + model number, brand + the words
of the recall's name, then fuzzy title similarity. Conflicting identifiers (another KC number,
another model of the same series, another brand) subtract. Cost grows with candidates, not
listings x recalls: recalls are blocked by identifier and brand dictionaries and by the character
trigrams their title keys share with the listing title (ranked by shared share), and only those
candidates are scored with rapidfuzz.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from crawler import normalize
from crawler.items import Listing, RecallNotice
from crawler.recalls.importers import company_key, model_candidates

DEFAULT_MIN_SCORE = 70.0
#: A title-only match on a generic name (``원목체스``) never reaches the default threshold.
GENERIC_TITLE_CAP = 60.0
#: A title-only match (no identifier, no brand agreement) below WEAK_TITLE_BELOW is a near-miss in
#: wording ("아동 판초 레인코트 우비" inside any kids' poncho listing): it scores at most WEAK_TITLE_CAP,
#: under the recall rule's threshold, so it is shown by `rules explain` but never flags a listing.
WEAK_TITLE_BELOW = 90.0
WEAK_TITLE_CAP = 75.0
#: Candidates kept per listing after blocking, ranked by the share of their trigrams the title shares.
MAX_CANDIDATES = 400
#: A trigram found in more than this share of recall titles (and at least MIN_COMMON_DF) makes a
#: title generic (see _mark_generic).
COMMON_SHARE = 0.02
MIN_COMMON_DF = 50
#: Trigrams found in more than this share of recall titles are not used for blocking (1.0: all are).
#: Lowering it skips long postings (faster) but loses pairs that share only common trigrams
#: (tuning figures in bench/matching/README.md).
BLOCKING_COMMON_SHARE = 1.0
#: A candidate must share at least this share of its title trigrams with the listing title.
#: 0.1 finds 99.3-99.6 % of brute-force title pairs >= 70 (bench/matching/README.md); 0.3 found 91-93 %.
MIN_GRAM_SHARE = 0.1
#: Shorter recall names count only as a whole-title match, never as a part of a longer title.
MIN_PARTIAL_KEY = 6
#: With the brand agreeing, a listing title holding this share (0..100) of the recall name's words
#: is that product even when the words are reordered or respaced ("경찰특공대 세트 전자총").
BRAND_NAME_COVERAGE = 80.0
#: ... but a generic recall name (``키링``, ``기차놀이``) found with its brand scores at most this.
BRAND_GENERIC_NAME_SCORE = 80.0
#: A declared model number found in a recall's text (not split out as a model) must be this long.
MIN_MODEL_IN_TEXT = 5

_PREFIX = re.compile(r"^[A-Z]{2,}")
_CODE_TITLE = re.compile(r"(?=.*\d)[0-9a-z\-_./]+")


@dataclass(frozen=True)
class RecallMatch:
    """One recall a listing matched: the id, a 0..100 score and the evidence behind the score."""

    recall_id: str
    score: float
    evidence: dict[str, Any] = field(default_factory=dict)


def grams(key: str) -> set[str]:
    """Character trigrams of a title key (the key itself when shorter)."""
    if len(key) < 3:
        return {key} if key else set()
    return {key[i:i + 3] for i in range(len(key) - 2)}


def is_code_title(title: str) -> bool:
    """A title that is only a model number (``YUT-001``): near-equal codes are other models."""
    folded = normalize.text(title)
    if _CODE_TITLE.fullmatch(folded):
        return True
    key = normalize.key(folded)
    return len(key) <= 12 and bool(_CODE_TITLE.fullmatch(key))


def title_similarity(recall_keys: Any, listing_keys: Any, partial: Any, plain: Any, codes: Any = False) -> Any:
    """Title score from rapidfuzz ``partial_ratio`` and ``ratio`` on title keys (scalars or arrays).

    A recall name found inside a longer listing title scores its partial ratio; a listing title
    shorter than the recall name cannot be "inside", so it is scaled down by the length ratio and
    never beats the plain ratio by much. Recalls titled only by a model number (``codes``) get no
    fuzzy title score at all: that evidence is the exact model match. The brute-force benchmark
    applies this same function to every pair.
    """
    rlen = np.asarray(recall_keys, dtype=float)
    llen = np.asarray(listing_keys, dtype=float)
    cover = np.minimum(1.0, llen / np.maximum(rlen, 1.0))
    # A name of a few characters aligns somewhere in almost any title ("a101" in "va111…"): only
    # names of MIN_PARTIAL_KEY characters or more may match as a part of a longer title.
    cover = np.where(rlen >= MIN_PARTIAL_KEY, cover, 0.0)
    score = np.maximum(np.asarray(plain, dtype=float), np.asarray(partial, dtype=float) * cover)
    return np.where(np.asarray(codes, dtype=bool), 0.0, score)


@dataclass
class _Prepared:
    notice: RecallNotice
    key: str
    gtins: frozenset[str]
    kcs: frozenset[str]
    models: frozenset[str]
    brands: frozenset[str]
    generic: bool
    #: Spelling-folded word keys of the name; empty when the name is only the category or a code.
    words: tuple[str, ...]
    #: Title and model numbers as written (NFKC, upper case), where a declared model is looked up.
    model_text: _ModelText


class RecallIndex:
    """Match listings against a set of recall notices; build once, call :meth:`match` per listing.

    Example::

        index = RecallIndex(notices)
        for hit in index.match(listing, min_score=70):
            print(hit.recall_id, hit.score, hit.evidence["matched"])
    """

    def __init__(self, notices: Iterable[RecallNotice]):
        self.recalls: list[_Prepared] = [self._prepare(n) for n in notices]
        self._by_gtin: dict[str, list[int]] = {}
        self._by_kc: dict[str, list[int]] = {}
        self._by_model: dict[str, list[int]] = {}
        self._by_brand: dict[str, list[int]] = {}
        postings: dict[str, list[int]] = {}
        for i, recall in enumerate(self.recalls):
            for value in recall.gtins:
                self._by_gtin.setdefault(value, []).append(i)
            for value in recall.kcs:
                self._by_kc.setdefault(value, []).append(i)
            for value in recall.models:
                self._by_model.setdefault(value, []).append(i)
            for value in recall.brands:
                self._by_brand.setdefault(value, []).append(i)
            for gram in grams(recall.key):
                postings.setdefault(gram, []).append(i)
        common = max(MIN_COMMON_DF, int(BLOCKING_COMMON_SHARE * len(self.recalls)))
        self._gram_posting = {
            g: np.asarray(ids, dtype=np.int32) for g, ids in postings.items() if len(ids) <= common
        }
        self._gram_count = np.asarray([max(1, len(grams(r.key))) for r in self.recalls], dtype=np.float32)
        self._keys = [r.key for r in self.recalls]
        self._key_len = np.asarray([len(k) for k in self._keys], dtype=np.float32)
        self._code = np.asarray([is_code_title(r.notice.title) for r in self.recalls], dtype=bool)
        self._mark_generic(postings)

    def __len__(self) -> int:
        return len(self.recalls)

    @classmethod
    def from_store(cls, store: Any) -> RecallIndex:
        """An index over every recall in a :class:`crawler.store.Store`."""
        return cls(store.iter_recalls())

    @staticmethod
    def _prepare(notice: RecallNotice) -> _Prepared:
        models = {normalize.model_key(m) for m in [notice.model, *notice.models] if m}
        brands = set()
        for name in (notice.brand, notice.maker):
            if name and not normalize.is_placeholder(name):
                # "몰티(molti)": the Korean and the Latin spelling are both the brand.
                for part in re.split(r"[()\[\]/]", name):
                    part_key = company_key(part)
                    if len(part_key) >= 2:
                        brands.add(part_key)
        named = not is_code_title(notice.title) and (
            not notice.category or normalize.key(notice.title) != normalize.key(notice.category))
        words = tuple(k for t in normalize.tokens(normalize.spelling(notice.title)) if (k := normalize.key(t)))
        return _Prepared(
            notice=notice,
            key=normalize.spelling_key(notice.title),
            gtins=frozenset(g for g in notice.gtins if g),
            kcs=frozenset(k.upper() for k in notice.kc_certs if k),
            models=frozenset(m for m in models if m and len(m) >= 3),
            brands=frozenset(brands),
            generic=False,
            words=words if named else (),
            model_text=_ModelText(unicodedata.normalize("NFKC", " / ".join([notice.title, *notice.models])).upper()),
        )

    def _mark_generic(self, postings: dict[str, list[int]]) -> None:
        """A title is generic when it is short or made only of trigrams many recalls share."""
        size = max(1, len(self.recalls))
        for recall in self.recalls:
            recall_grams = grams(recall.key)
            rarest = min((len(postings.get(g, ())) for g in recall_grams), default=size)
            recall.generic = len(recall.key) <= 6 or (size >= 200 and rarest / size > COMMON_SHARE)

    # --- matching ------------------------------------------------------------------------------

    def candidates(self, listing: Listing) -> tuple[set[int], set[int]]:
        """(identifier candidates, title candidates) of a listing, by recall position."""
        return self._candidates(_ListingContext(listing))

    def _candidates(self, ctx: _ListingContext) -> tuple[set[int], set[int]]:
        by_id: set[int] = set()
        if ctx.gtin:
            by_id.update(self._by_gtin.get(ctx.gtin, ()))
        if ctx.kc:
            by_id.update(self._by_kc.get(ctx.kc, ()))
        for model in ctx.models:
            by_id.update(self._by_model.get(model, ()))
        for brand in _listing_brand_keys(ctx.listing):
            by_id.update(self._by_brand.get(brand, ()))
        arrays = [self._gram_posting[g] for g in grams(ctx.title_key) if g in self._gram_posting]
        if not arrays:
            return by_id, set()
        ids, counts = np.unique(np.concatenate(arrays), return_counts=True)
        share = counts / self._gram_count[ids]
        keep = share >= MIN_GRAM_SHARE
        ids, share = ids[keep], share[keep]
        if len(ids) > MAX_CANDIDATES:
            ids = ids[np.argsort(-share, kind="stable")[:MAX_CANDIDATES]]
        return by_id, set(ids.tolist())

    def match(self, listing: Listing, min_score: float = DEFAULT_MIN_SCORE) -> list[RecallMatch]:
        """Recalls this listing matches with a score of at least ``min_score``, best first."""
        context = _ListingContext(listing)
        by_id, by_title = self._candidates(context)
        positions = sorted(by_id | by_title)
        if not positions:
            return []
        lkey = context.title_key
        choices = [self._keys[i] for i in positions]
        partial = process.cdist([lkey], choices, scorer=fuzz.partial_ratio, processor=None)[0]
        plain = process.cdist([lkey], choices, scorer=fuzz.ratio, processor=None)[0]
        titles = title_similarity(self._key_len[positions], len(lkey), partial, plain, self._code[positions])
        found = []
        for position, title_score in zip(positions, titles.tolist(), strict=True):
            recall = self.recalls[position]
            # Without identifier, brand or model evidence a candidate scores at most its title
            # score: skip the detailed scoring of those that cannot reach min_score.
            if (title_score < min_score and position not in by_id and not _brand_agreement(recall, context)
                    and not _model_hit_possible(recall, context)):
                continue
            match = self._score(recall, context, title_score)
            if match.score >= min_score:
                found.append(match)
        found.sort(key=lambda m: (-m.score, m.recall_id))
        return found

    def _score(self, recall: _Prepared, ctx: _ListingContext, title_score: float) -> RecallMatch:
        matched: list[str] = []
        conflicts: list[str] = []
        evidence: dict[str, Any] = {"title_score": round(title_score, 1)}
        id_score = 0.0
        brand = _brand_agreement(recall, ctx)
        if ctx.gtin and ctx.gtin in recall.gtins:
            matched.append("gtin")
            evidence["gtin"] = ctx.gtin
            id_score = 100.0
        elif ctx.gtin and recall.gtins:
            conflicts.append("gtin")
        if ctx.kc and ctx.kc in recall.kcs:
            matched.append("kc_cert")
            evidence["kc_cert"] = ctx.kc
            id_score = max(id_score, 95.0)
        elif ctx.kc and recall.kcs:
            conflicts.append("kc_cert")
        model_hit = sorted(ctx.models & recall.models)
        if not model_hit and ctx.searchable_model and recall.model_text.contains(ctx.searchable_model):
            # The recall writes the model inside its name ("NOI RT7001 C5/FREE") or beside a label.
            model_hit = [ctx.declared_model]
            evidence["model_in_recall_text"] = True
        if model_hit:
            matched.append("model")
            evidence["model"] = model_hit[0]
            id_score = max(id_score, {True: 95.0, None: 85.0, False: 60.0}[brand])
        elif _model_conflict(ctx, recall):
            conflicts.append("model")
        if brand:
            matched.append("brand")
        elif brand is False:
            conflicts.append("brand")
        text_score = title_score
        named = 0.0
        if brand:
            text_score = min(100.0, text_score + 10.0)
            named = name_coverage(recall.words, ctx.title_key)
        if named >= BRAND_NAME_COVERAGE:
            evidence["name_coverage"] = round(named, 1)
            text_score = max(text_score, min(named, BRAND_GENERIC_NAME_SCORE) if recall.generic else named)
        elif recall.generic and not id_score:
            text_score = min(text_score, GENERIC_TITLE_CAP)
            evidence["generic_title"] = True
        elif not id_score and not brand and title_score < WEAK_TITLE_BELOW:
            text_score = min(text_score, WEAK_TITLE_CAP)
            evidence["weak_title"] = True
        if title_score >= 80:
            matched.append("title")
        score = max(id_score, text_score)
        if id_score and title_score >= 80:
            score = min(100.0, score + 5.0)
        penalty = {"gtin": 30.0, "kc_cert": 40.0, "model": 40.0, "brand": 20.0}
        score -= sum(penalty[c] for c in conflicts if not (c == "brand" and id_score >= 95))
        evidence["matched"] = matched
        evidence["conflicts"] = conflicts
        return RecallMatch(recall.notice.recall_id, round(max(0.0, min(100.0, score)), 1), evidence)


class _ListingContext:
    """The listing's comparison values, computed once per match call (blocking and scoring share them)."""

    def __init__(self, listing: Listing):
        self.listing = listing
        self.gtin = listing.gtin
        self.kc = listing.kc_cert.upper() if listing.kc_cert else None
        self.declared_model = normalize.model_key(listing.model) if listing.model else None
        self.searchable_model = self.declared_model if _searchable_model(self.declared_model) else None
        self.models = _listing_models(listing)
        known = listing.brand and not normalize.is_placeholder(listing.brand)
        self.brand = company_key(listing.brand) if known else ""
        self.title_key = normalize.spelling_key(listing.title)


def _listing_models(listing: Listing) -> frozenset[str]:
    models = {normalize.model_key(listing.model)} if listing.model else set()
    models.update(normalize.model_key(m) for m in model_candidates(listing.title))
    return frozenset(m for m in models if m and len(m) >= 3)


def _listing_brand_keys(listing: Listing) -> set[str]:
    """Brand blocking keys of a listing: its brand (and bracketed spellings) and its title words."""
    names = [listing.brand] if listing.brand and not normalize.is_placeholder(listing.brand) else []
    parts = [p for name in names for p in re.split(r"[()\[\]/]", name)]
    keys = {company_key(p) for p in [*names, *parts, *normalize.tokens(listing.title)]}
    return {k for k in keys if len(k) >= 2}


def name_coverage(words: tuple[str, ...], listing_key: str) -> float:
    """Share (0..100) of a recall name's characters whose words the listing title contains.

    Words are compared in any order and spacing (``경찰특공대`` in ``…경찰특공대세트…``); words of
    three or more characters may match partially (``무전기가`` ~ ``무전기``), shorter ones only whole.
    """
    total = sum(len(w) for w in words)
    if not total or not listing_key:
        return 0.0
    found = 0.0
    for word in words:
        if word in listing_key:
            found += len(word)
        elif len(word) >= 3:
            found += len(word) * fuzz.partial_ratio(word, listing_key) / 100.0
    return 100.0 * found / total


def _searchable_model(model: str | None) -> bool:
    """Whether a declared model is distinctive enough to look for inside a recall's text."""
    return bool(model) and len(model) >= MIN_MODEL_IN_TEXT and (any(c.isdigit() for c in model) or len(model) >= 8)


_ALNUM = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_MODEL_SEPARATORS = frozenset("-_./·:")


class _ModelText:
    """A recall's title and model numbers, searchable for a model key written with free separators.

    ``RT7001C5`` is found in ``NOI RT 7001-C5/FREE``: separators are squeezed out once per recall (a
    regex per listing model cost more than the rest of the matching) and a hit must not touch another
    letter or digit on either side in the original text.
    """

    __slots__ = ("text", "compact", "origin")

    def __init__(self, text: str):
        kept = [(i, ch) for i, ch in enumerate(text) if not (ch.isspace() or ch in _MODEL_SEPARATORS)]
        self.text = text
        self.compact = "".join(ch for _, ch in kept)
        self.origin = [i for i, _ in kept]

    def contains(self, model: str) -> bool:
        """Whether ``model`` (a model key: upper case, no separators) stands in the text."""
        start = self.compact.find(model)
        while start != -1:
            first, last = self.origin[start], self.origin[start + len(model) - 1] + 1
            if (first == 0 or self.text[first - 1] not in _ALNUM) and (
                last == len(self.text) or self.text[last] not in _ALNUM
            ):
                return True
            start = self.compact.find(model, start + 1)
        return False


def _model_hit_possible(recall: _Prepared, ctx: _ListingContext) -> bool:
    """Whether the listing's model numbers could match this recall (the model evidence of _score)."""
    if ctx.models & recall.models:
        return True
    return bool(ctx.searchable_model and recall.model_text.contains(ctx.searchable_model))


def _brand_agreement(recall: _Prepared, ctx: _ListingContext) -> bool | None:
    """True when the brands agree, False when both are known and differ, None when unknown."""
    if not recall.brands:
        return None
    for brand in recall.brands:
        if ctx.brand and (brand in ctx.brand or ctx.brand in brand):
            return True
        if len(brand) >= 2 and brand in ctx.title_key:
            return True
    return False if ctx.brand else None


def _model_conflict(ctx: _ListingContext, recall: _Prepared) -> bool:
    """Another model number: the listing declares a different one, or names a sibling of the series."""
    if not recall.models:
        return False
    if ctx.declared_model and len(ctx.declared_model) >= 3 and ctx.declared_model not in recall.models:
        return True
    prefixes = {p.group(0) for m in recall.models if (p := _PREFIX.match(m))}
    return any((p := _PREFIX.match(m)) and p.group(0) in prefixes for m in ctx.models)

