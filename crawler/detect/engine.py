"""The detection engine: compiled rules evaluated against one Listing at a time.

Everything a rule needs is prepared once at load (word keys, regexes, watchlist keys); a
:class:`Context` normalises each listing's text once per field set and shares it between rules.
Detection is a pure function of (listing, rules, recall index).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

from crawler import normalize
from crawler.detect import audience as audience_mod
from crawler.detect.models import PATTERN_TIMEOUT, Attribute, Condition, Rule, When, check_pattern
from crawler.items import Listing

#: Latin words this short (after removing spaces) only match as whole words: "pvc" not in "upvc".
SHORT_LATIN = 5
#: Points a watchlist score loses when the item names a brand the listing does not mention.
BRAND_PENALTY = 15
#: Fields that stand for "all searchable text" in evidence, searched in this order to say where a word was.
_EVIDENCE_FIELDS = ("title", "description", "category", "specs", "options", "brand", "model", "age")
_RAW_FIELDS = {"kc_cert": "kc_cert_raw", "age_min_months": "age_raw", "age_max_months": "age_raw"}
_LATIN = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class Hit:
    """One rule (and, for recall rules, one recall) matching one listing."""

    rule_id: str
    recall_id: str
    score: float
    evidence: dict[str, Any]
    severity: str
    hazard: str
    rule_version: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-able form."""
        return {
            "rule_id": self.rule_id,
            "recall_id": self.recall_id,
            "score": self.score,
            "evidence": self.evidence,
            "severity": self.severity,
            "hazard": self.hazard,
            "rule_version": self.rule_version,
        }


class Context:
    """One listing being evaluated: caches its normalised text per field set, audience and recalls."""

    def __init__(self, listing: Listing, recall_index: Any = None):
        self.listing = listing
        self.recall_index = recall_index
        self._raw: dict[tuple[str, ...] | None, str] = {}
        self._text: dict[tuple[str, ...] | None, str] = {}
        self._key: dict[tuple[str, ...] | None, str] = {}
        self._audience: audience_mod.AudienceResult | None = None
        self._recalls: dict[int, list[Any]] = {}

    def raw(self, fields: tuple[str, ...] | None) -> str:
        if fields not in self._raw:
            if fields is None:
                self._raw[fields] = self.listing.searchable_text()
            else:
                self._raw[fields] = "\n".join(_field_text(self.listing, name) for name in fields)
        return self._raw[fields]

    def text(self, fields: tuple[str, ...] | None) -> str:
        """normalize.text of the fields (None = all searchable text)."""
        if fields not in self._text:
            self._text[fields] = normalize.text(self.raw(fields))
        return self._text[fields]

    def key(self, fields: tuple[str, ...] | None) -> str:
        """normalize.key of the fields (None = all searchable text)."""
        if fields not in self._key:
            self._key[fields] = normalize.key(self.raw(fields))
        return self._key[fields]

    @property
    def audience(self) -> audience_mod.AudienceResult:
        if self._audience is None:
            self._audience = audience_mod.derive(self.listing)
        return self._audience

    def recalls(self, min_score: int) -> list[Any]:
        if self.recall_index is None:
            return []
        if min_score not in self._recalls:
            self._recalls[min_score] = list(self.recall_index.match(self.listing, min_score=min_score))
        return self._recalls[min_score]


def _field_text(listing: Listing, name: str) -> str:
    if name == "specs":
        return "\n".join(f"{k} {v}" for k, v in listing.specs.items())
    if name == "options":
        return "\n".join(o.name for o in listing.options)
    if name == "age":
        return listing.age_raw or ""
    if name == "kc_cert":
        return listing.kc_cert_raw or listing.kc_cert or ""
    return getattr(listing, name) or ""


@dataclass
class Result:
    """Outcome of one condition: matched or not, a 0..100 score, evidence, recall matches."""

    matched: bool
    score: float = 100.0
    evidence: list[dict[str, Any]] = field(default_factory=list)
    recalls: list[Any] = field(default_factory=list)


NO = Result(False, 0.0)
Trace = list[tuple[int, str]]


# --- condition nodes ------------------------------------------------------------------------------------


class Node:
    """A compiled condition. ``trace`` (for explain) collects (depth, line) and disables short-circuits."""

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        raise NotImplementedError


class WordMatcher:
    """One word, compared by normalize.key; short Latin words as whole words on normalize.text."""

    __slots__ = ("word", "key", "regex")

    def __init__(self, word: str):
        self.word = word
        self.key = normalize.key(word)
        self.regex = None
        if _LATIN.fullmatch(self.key) and len(self.key) <= SHORT_LATIN:
            body = r"[\W_]*".join(re.escape(ch) for ch in self.key)
            self.regex = re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])")

    def found(self, ctx: Context, fields: tuple[str, ...] | None) -> bool:
        if self.regex is not None:
            return self.regex.search(ctx.text(fields)) is not None
        return self.key in ctx.key(fields)


class Words(Node):
    def __init__(self, mode: str, words: list[str], fields: tuple[str, ...] | None):
        self.mode, self.fields = mode, fields
        # Words with the same key ("자석 구슬", "자석구슬") are one word to the matcher.
        unique: dict[str, WordMatcher] = {}
        for word in words:
            matcher = WordMatcher(word)
            unique.setdefault(matcher.key, matcher)
        self.matchers = list(unique.values())
        # One alternation per form answers "does any word occur?" in a single C-level scan.
        keys = sorted({m.key for m in self.matchers if m.regex is None}, key=len, reverse=True)
        self.key_regex = re.compile("|".join(map(re.escape, keys))) if keys else None
        bounded = [m.regex.pattern for m in self.matchers if m.regex is not None]
        self.text_regex = re.compile("|".join(bounded)) if bounded else None

    def any_found(self, ctx: Context) -> bool:
        """True when at least one word occurs (fast path, no evidence)."""
        if self.key_regex is not None and self.key_regex.search(ctx.key(self.fields)):
            return True
        return self.text_regex is not None and self.text_regex.search(ctx.text(self.fields)) is not None

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        if trace is None and self.mode != "all_words":
            hit = self.any_found(ctx)
            if self.mode == "none_words":
                return NO if hit else self._absent()
            if not hit:
                return NO
            if self.mode == "any_words":
                return Result(True, 100.0, [self._evidence(ctx, self._found_fast(ctx))])
        found = [m.word for m in self.matchers if m.found(ctx, self.fields)]
        if self.mode == "any_words":
            ok = bool(found)
        elif self.mode == "all_words":
            ok = len(found) == len(self.matchers)
        else:
            ok = not found
        if trace is not None:
            where = "in " + ", ".join(self.fields) if self.fields else "in all text"
            missing = [m.word for m in self.matchers if m.word not in found]
            detail = f"found {found}" if found else "found none"
            if self.mode == "all_words" and missing:
                detail += f", missing {missing}"
            trace.append((depth, f"{_mark(ok)} {self.mode} {where}: {detail}"))
        if not ok:
            return NO
        if self.mode == "none_words":
            return self._absent()
        return Result(True, 100.0, [self._evidence(ctx, found)])

    def _absent(self) -> Result:
        return Result(True, 100.0, [{"kind": "none_words", "absent": [m.word for m in self.matchers]}])

    def _found_fast(self, ctx: Context) -> list[str]:
        """The words that occur, from one scan per form (overlapping words may be left out)."""
        keys = set(self.key_regex.findall(ctx.key(self.fields))) if self.key_regex is not None else set()
        found = [m.word for m in self.matchers if m.regex is None and m.key in keys]
        if self.text_regex is not None and self.text_regex.search(ctx.text(self.fields)):
            found += [m.word for m in self.matchers if m.regex is not None and m.found(ctx, self.fields)]
        return found

    def _evidence(self, ctx: Context, found: list[str]) -> dict[str, Any]:
        evidence: dict[str, Any] = {"kind": self.mode, "words": found}
        if self.fields is not None:
            evidence["fields"] = list(self.fields)
        else:
            first = next((m for m in self.matchers if m.word == found[0]), None)
            evidence["field"] = next((name for name in _EVIDENCE_FIELDS if first and first.found(ctx, (name,))), "text")
        return evidence


class Pattern(Node):
    def __init__(self, pattern: str, fields: tuple[str, ...] | None):
        self.pattern, self.fields = pattern, fields
        self.regex = check_pattern(pattern)

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        try:
            found = self.regex.search(ctx.text(self.fields), timeout=PATTERN_TIMEOUT)
            timed_out = False
        except TimeoutError:
            found, timed_out = None, True
        if trace is not None:
            shown = f"matched {found.group(0)!r}" if found else ("timed out: no match" if timed_out else "no match")
            trace.append((depth, f"{_mark(bool(found))} pattern /{self.pattern}/: {shown}"))
        if not found:
            return NO
        return Result(True, 100.0, [{"kind": "pattern", "pattern": self.pattern, "text": found.group(0)}])


class AttributeTest(Node):
    def __init__(self, spec: Attribute):
        self.spec = spec
        states = spec.is_ if isinstance(spec.is_, list) else ([] if spec.is_ is None else [spec.is_])
        self.states = states
        equals = spec.equals if isinstance(spec.equals, list) else ([] if spec.equals is None else [spec.equals])
        self.equals = {normalize.text(e) for e in equals}

    def _state(self, listing: Listing) -> str | bool:
        value = getattr(listing, self.spec.field, None)
        if isinstance(value, bool):
            return value
        if value is not None and value != "":
            return "present"
        raw_name = _RAW_FIELDS.get(self.spec.field)
        raw = getattr(listing, raw_name, None) if raw_name else None
        return "missing" if normalize.is_placeholder(raw) else "invalid"

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        spec, listing = self.spec, ctx.listing
        value = getattr(listing, spec.field, None)
        checks = []
        if self.states:
            state = self._state(listing)
            checks.append(
                (
                    state in self.states and not (state is True and False in self.states),
                    f"is {state} (wanted {' or '.join(map(str, self.states))})",
                )
            )
        if spec.below is not None:
            checks.append(
                (
                    isinstance(value, int | float) and not isinstance(value, bool) and value < spec.below,
                    f"{value} below {spec.below:g}",
                )
            )
        if spec.above is not None:
            checks.append(
                (
                    isinstance(value, int | float) and not isinstance(value, bool) and value > spec.above,
                    f"{value} above {spec.above:g}",
                )
            )
        if self.equals:
            checks.append(
                (
                    normalize.text(str(value)) in self.equals if value is not None else False,
                    f"{value!r} equals one of {sorted(self.equals)}",
                )
            )
        ok = all(c for c, _ in checks)
        if trace is not None:
            raw_name = _RAW_FIELDS.get(spec.field)
            raw = f" (page showed {getattr(listing, raw_name)!r})" if raw_name else ""
            trace.append(
                (
                    depth,
                    f"{_mark(ok)} attribute {spec.field} = {value!r}{raw}: " + "; ".join(text for _, text in checks),
                )
            )
        if not ok:
            return NO
        evidence = {"kind": "attribute", "field": spec.field, "value": value}
        raw_name = _RAW_FIELDS.get(spec.field)
        if raw_name:
            evidence["shown"] = getattr(listing, raw_name)
        return Result(True, 100.0, [evidence])


class RecallTest(Node):
    def __init__(self, min_score: int):
        self.min_score = min_score

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        matches = [m for m in ctx.recalls(self.min_score) if m.score >= self.min_score]
        if trace is not None:
            if ctx.recall_index is None:
                trace.append((depth, "✗ recall: no recall index loaded (import recalls, or pass --db)"))
            else:
                scores = ", ".join(f"{m.recall_id} {m.score:.0f}" for m in matches) or "no recall"
                trace.append((depth, f"{_mark(bool(matches))} recall (min_score {self.min_score}): {scores}"))
        if not matches:
            return NO
        return Result(True, 100.0, [], matches)


class WatchlistTest(Node):
    def __init__(self, threshold: int, items: list[Any]):
        self.threshold = threshold
        self.items = [
            (
                item,
                normalize.key(item.name),
                normalize.text(item.name),
                normalize.key(item.brand) if item.brand else None,
            )
            for item in items
        ]

    def score(self, ctx: Context) -> tuple[float, Any]:
        fields = ("title", "brand", "model")
        haystack, words = ctx.key(fields), ctx.text(fields)
        best, best_item = 0.0, None
        for item, name_key, name_text, brand_key in self.items:
            # partial_ratio on keys survives spacing changes ("어린이가죽가방"); token_set_ratio on
            # text survives reordering and added words ("산타 인형 크리스마스 장식 장난감").
            score = max(
                fuzz.partial_ratio(name_key, haystack, processor=None),
                fuzz.token_set_ratio(name_text, words, processor=None),
            )
            if brand_key and brand_key not in haystack:
                score -= BRAND_PENALTY
            if score > best:
                best, best_item = score, item
        return best, best_item

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        score, item = self.score(ctx)
        ok = score >= self.threshold
        if trace is not None:
            name = item.name if item else "-"
            trace.append(
                (
                    depth,
                    f"{_mark(ok)} watchlist: best '{name}' score {score:.0f} "
                    f"{'>=' if ok else '<'} threshold {self.threshold}",
                )
            )
        if not ok:
            return NO
        evidence = {"kind": "watchlist", "item": item.model_dump(exclude_none=True), "score": round(score, 1)}
        return Result(True, score, [evidence])


class AllOf(Node):
    def __init__(self, children: list[Node], label: str = "all"):
        self.children, self.label = children, label

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        if trace is not None:
            line = len(trace)
            trace.append((depth, ""))
            results = [c.evaluate(ctx, trace, depth + 1) for c in self.children]
            ok = all(r.matched for r in results)
            trace[line] = (depth, f"{_mark(ok)} {self.label} of {len(results)}:")
        else:
            results = []
            for child in self.children:
                result = child.evaluate(ctx)
                if not result.matched:
                    return NO
                results.append(result)
            ok = True
        if not ok:
            return NO
        return _joined(results, min(r.score for r in results))


class AnyOf(Node):
    def __init__(self, children: list[Node]):
        self.children = children

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        line = len(trace) if trace is not None else 0
        if trace is not None:
            trace.append((depth, ""))
        matched = []
        for child in self.children:
            result = child.evaluate(ctx, trace, depth + 1)
            if result.matched:
                matched.append(result)
                if trace is None and not result.recalls:
                    break
        if trace is not None:
            trace[line] = (depth, f"{_mark(bool(matched))} any of {len(self.children)}:")
        if not matched:
            return NO
        return _joined(matched, max(r.score for r in matched))


class NotOf(Node):
    def __init__(self, child: Node):
        self.child = child

    def evaluate(self, ctx: Context, trace: Trace | None = None, depth: int = 0) -> Result:
        line = len(trace) if trace is not None else 0
        if trace is not None:
            trace.append((depth, ""))
        inner = self.child.evaluate(ctx, trace, depth + 1)
        if trace is not None:
            trace[line] = (depth, f"{_mark(not inner.matched)} not:")
        return NO if inner.matched else Result(True, 100.0, [{"kind": "not"}])


def _joined(results: list[Result], score: float) -> Result:
    """A match made of matching children: their evidence and recalls, in order, under one score."""
    return Result(True, score, [e for r in results for e in r.evidence], [m for r in results for m in r.recalls])


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗"


def compile_condition(condition: Condition) -> Node:
    """Turn a validated Condition into a Node tree (several kinds in one mapping are ANDed)."""
    fields = tuple(condition.in_) if condition.in_ else None
    nodes: list[Node] = []
    for mode in ("any_words", "all_words", "none_words"):
        words = getattr(condition, mode)
        if words:
            nodes.append(Words(mode, words, fields))
    if condition.pattern is not None:
        nodes.append(Pattern(condition.pattern, fields))
    if condition.attribute is not None:
        nodes.append(AttributeTest(condition.attribute))
    if condition.watchlist is not None:
        nodes.append(WatchlistTest(condition.watchlist.threshold, condition.watchlist.items))
    if condition.recall is not None:
        nodes.append(RecallTest(condition.recall.min_score))
    if condition.all_:
        nodes.append(AllOf([compile_condition(c) for c in condition.all_]))
    if condition.any_:
        nodes.append(AnyOf([compile_condition(c) for c in condition.any_]))
    if condition.not_ is not None:
        nodes.append(NotOf(compile_condition(condition.not_)))
    return nodes[0] if len(nodes) == 1 else AllOf(nodes, label="every key")


# --- rules ----------------------------------------------------------------------------------------------


class WhenFilter:
    """The ``when:`` part: audience, site, category words and price range."""

    def __init__(self, when: When):
        self.audience = when.audience
        self.sites = {s.strip().lower() for s in when.site} if when.site else None
        self.categories = [WordMatcher(w) for w in when.category] if when.category else None
        self.price = when.price

    def check(self, ctx: Context) -> tuple[bool, str]:
        """(passes, reason)."""
        listing = ctx.listing
        if self.sites is not None and listing.site.lower() not in self.sites:
            return False, f"site {listing.site} is not one of {sorted(self.sites)}"
        if self.audience != "any":
            derived = ctx.audience
            ok = derived.infant if self.audience == "infant" else derived.children
            if not ok:
                return False, f"audience is {derived.label} ({derived.reason}), rule wants {self.audience}"
        if self.categories is not None and not any(m.found(ctx, ("category",)) for m in self.categories):
            return False, f"category {listing.category!r} has none of the words"
        if self.price is not None:
            price = listing.price_krw
            if price is None:
                return False, "no price, rule wants a price range"
            if (self.price.min is not None and price < self.price.min) or (
                self.price.max is not None and price > self.price.max
            ):
                return False, f"price {price} outside {self.price.min}..{self.price.max}"
        return True, f"audience {ctx.audience.label} ({ctx.audience.reason})"


@dataclass
class CompiledRule:
    """A validated rule, ready to evaluate."""

    rule: Rule
    version: str
    path: Path | None
    when: WhenFilter
    match: Node
    unless: Node | None

    @property
    def id(self) -> str:
        return self.rule.id

    def hits(self, ctx: Context) -> list[Hit]:
        """The hits of this rule on the listing in ctx (empty when it does not match)."""
        if not self.when.check(ctx)[0]:
            return []
        result = self.match.evaluate(ctx)
        if not result.matched:
            return []
        if self.unless is not None and self.unless.evaluate(ctx).matched:
            return []
        evidence: dict[str, Any] = {"matched": result.evidence}
        if self.when.audience != "any":
            evidence["audience"] = f"{ctx.audience.label}: {ctx.audience.reason}"
        rule = self.rule
        if not result.recalls:
            return [Hit(rule.id, "", round(result.score, 1), evidence, rule.severity, rule.hazard, self.version)]
        hits = []
        for match in result.recalls:
            recall_evidence = {**evidence, "recall": getattr(match, "evidence", {})}
            score = round(min(result.score, match.score), 1)
            hits.append(Hit(rule.id, match.recall_id, score, recall_evidence, rule.severity, rule.hazard, self.version))
        return hits

    def explain(self, ctx: Context) -> list[str]:
        """Condition by condition, what matched and why, as text lines."""
        lines = [f"rule {self.id} (version {self.version}, {self.rule.severity}, {self.rule.hazard})"]
        passes, reason = self.when.check(ctx)
        lines.append(f"{_mark(passes)} when: {reason}")
        trace: Trace = []
        result = self.match.evaluate(ctx, trace, 0)
        lines.append(f"{_mark(result.matched)} match:")
        lines += ["    " + "  " * (d + 1) + text for d, text in trace]
        unless_hit = False
        if self.unless is not None:
            trace = []
            unless_hit = self.unless.evaluate(ctx, trace, 0).matched
            lines.append(f"{'✗' if unless_hit else '✓'} unless: {'matched, so no flag' if unless_hit else 'no match'}")
            lines += ["    " + "  " * (d + 1) + text for d, text in trace]
        hits = self.hits(ctx)
        if hits:
            lines.append(
                f"=> FLAG ({len(hits)} hit{'s' if len(hits) > 1 else ''}, score "
                + ", ".join(f"{h.score:g}" + (f" {h.recall_id}" if h.recall_id else "") for h in hits)
                + ")"
            )
        else:
            decided = (
                "when" if not passes else "match" if not result.matched else "unless" if unless_hit else "recall index"
            )
            lines.append(f"=> ok (decided by {decided})")
        return lines


def compile_rule(rule: Rule, version: str, path: Path | None = None) -> CompiledRule:
    """Prepare a validated rule for evaluation."""
    return CompiledRule(
        rule,
        version,
        path,
        WhenFilter(rule.when),
        compile_condition(rule.match),
        compile_condition(rule.unless) if rule.unless is not None else None,
    )


class RuleSet:
    """The loaded rules, by id, in file order."""

    def __init__(self, rules: list[CompiledRule]):
        self.rules = list(rules)
        self.by_id = {r.id: r for r in self.rules}

    def __iter__(self) -> Iterator[CompiledRule]:
        return iter(self.rules)

    def __len__(self) -> int:
        return len(self.rules)

    def __getitem__(self, rule_id: str) -> CompiledRule:
        return self.by_id[rule_id]

    @property
    def ids(self) -> list[str]:
        return [r.id for r in self.rules]

    def versions(self) -> dict[str, str]:
        """Rule id -> rule version (content hash)."""
        return {r.id: r.version for r in self.rules}


class Detector:
    """Evaluates a RuleSet (and the recall index, for ``recall:`` conditions) against listings."""

    def __init__(self, ruleset: RuleSet, recall_index: Any = None):
        self.ruleset = ruleset
        self.recall_index = recall_index

    def detect(self, listing: Listing) -> list[Hit]:
        """Every hit of every rule on one listing."""
        ctx = Context(listing, self.recall_index)
        hits: list[Hit] = []
        for rule in self.ruleset.rules:
            hits += rule.hits(ctx)
        return hits

    def detect_rule(self, rule_id: str, listing: Listing) -> list[Hit]:
        """The hits of one rule on one listing."""
        return self.ruleset[rule_id].hits(Context(listing, self.recall_index))

    def explain(self, rule_id: str, listing: Listing) -> str:
        """Readable account of how one rule judged one listing, with the normalised text."""
        ctx = Context(listing, self.recall_index)
        lines = ["normalised text:", "    " + ctx.text(None), ""]
        lines += self.ruleset[rule_id].explain(ctx)
        return "\n".join(lines)
