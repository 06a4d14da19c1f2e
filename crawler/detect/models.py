"""Typed models of a rule file: what a rule author may write, and nothing else.

Every model forbids unknown keys, so a mistyped key is reported with its place in the file
instead of being silently ignored. ``rules/schema.json`` is generated from these models
(:func:`crawler.detect.schema.rule_schema`) so editors can autocomplete rule files.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

import regex
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from crawler import normalize

#: Longest regular expression a rule may contain; longer ones are usually a sign of a word list.
MAX_PATTERN_LENGTH = 300
#: Seconds one pattern may spend on one listing's text; past it the pattern counts as not matching.
PATTERN_TIMEOUT = 0.1

Status = Literal["experimental", "test", "stable"]
Severity = Literal["critical", "high", "medium", "low"]
Hazard = Literal[
    "chemical",
    "choking",
    "ingestion",
    "strangulation",
    "suffocation",
    "injury",
    "cuts",
    "burns",
    "fire",
    "electric",
    "hearing",
    "microbiological",
    "environment",
    "legal",
    "recall",
    "other",
]
Audience = Literal["children", "infant", "any"]

#: Listing fields a word or pattern condition can be restricted to with ``in:``.
TextField = Literal[
    "title",
    "description",
    "category",
    "brand",
    "model",
    "seller",
    "age",
    "specs",
    "options",
    "kc_cert",
]

#: Listing fields an ``attribute:`` condition can compare.
AttributeField = Literal[
    "kc_cert",
    "gtin",
    "brand",
    "model",
    "seller",
    "category",
    "description",
    "image_url",
    "price_krw",
    "original_price_krw",
    "age_min_months",
    "age_max_months",
    "purchase_agent",
    "availability",
    "status",
    "site",
]
AttributeState = Literal["missing", "invalid", "present"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


def _check_words(words: list[str]) -> list[str]:
    for word in words:
        if not normalize.key(word):
            raise ValueError(f"the word {word!r} is only spaces or punctuation, so it can never match")
    return words


Words = Annotated[list[str], Field(min_length=1)]


class Attribute(_Strict):
    """Compare one Listing field: ``{field: kc_cert, is: missing}``, ``{field: price_krw, below: 5000}``.

    ``is`` takes ``missing`` (the page shows nothing usable), ``invalid`` (the page shows something,
    but not a valid value, e.g. a KC text that is no certificate number), ``present`` (a valid value),
    ``true`` / ``false`` (for yes/no fields such as purchase_agent), or a list of these (any of them).
    ``below`` / ``above`` compare numbers (a missing number never matches); ``equals`` compares text.
    """

    field: AttributeField = Field(description="Listing field to compare.")
    is_: AttributeState | bool | list[AttributeState | bool] | None = Field(
        default=None,
        alias="is",
        description="missing | invalid | present | true | false, or a list of these.",
    )
    below: float | None = Field(default=None, description="Matches when the number is below this.")
    above: float | None = Field(default=None, description="Matches when the number is above this.")
    equals: str | list[str] | None = Field(default=None, description="Matches when the text equals one of these.")

    @model_validator(mode="after")
    def _one_test(self) -> Attribute:
        if self.is_ is None and self.below is None and self.above is None and self.equals is None:
            raise ValueError("an attribute needs a test; add `is:`, `below:`, `above:` or `equals:`")
        return self


class Recall(_Strict):
    """Match listings against the recall index; each recall that matches becomes its own flag."""

    min_score: int = Field(default=80, ge=0, le=100, description="Lowest recall match score (0..100).")


class WatchItem(_Strict):
    """One named product from a test report."""

    name: str = Field(min_length=2, description="Product name as the report gives it.")
    brand: str | None = Field(default=None, description="Brand; when given, listings without it score lower.")
    note: str | None = Field(default=None, description="What the test found.")
    reference: str | None = Field(default=None, description="Where the finding was published.")

    @field_validator("name")
    @classmethod
    def _name_has_letters(cls, value: str) -> str:
        if len(normalize.key(value)) < 2:
            raise ValueError(f"the name {value!r} is too short to match reliably; write the product name")
        return value


class Watchlist(_Strict):
    """Fuzzy-match listings against named products; ``threshold`` is the lowest similarity (0..100)."""

    threshold: int = Field(ge=0, le=100, description="Lowest similarity (0..100) that counts as a match.")
    items: list[WatchItem] = Field(min_length=1, description="The named products.")


class Condition(_Strict):
    """One condition: the kinds written in it must all hold (AND).

    Word lists compare spacing-, width- and case-insensitively; short Latin words (5 letters or
    fewer, e.g. ``pvc``) only match as whole words.
    """

    any_words: Words | None = Field(default=None, description="Matches when at least one word occurs.")
    all_words: Words | None = Field(default=None, description="Matches when every word occurs.")
    none_words: Words | None = Field(default=None, description="Matches when none of the words occurs.")
    in_: list[TextField] | None = Field(
        default=None,
        alias="in",
        min_length=1,
        description="Fields the words/pattern look at (default: all searchable text).",
    )
    pattern: str | None = Field(default=None, description="Regular expression over the normalised text.")
    attribute: Attribute | None = None
    recall: Recall | None = None
    watchlist: Watchlist | None = None
    all_: list[Condition] | None = Field(default=None, alias="all", min_length=1, description="Every one holds.")
    any_: list[Condition] | None = Field(default=None, alias="any", min_length=1, description="At least one holds.")
    not_: Condition | None = Field(default=None, alias="not", description="Holds when this condition does not.")

    @field_validator("any_words", "all_words", "none_words")
    @classmethod
    def _words_not_blank(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_words(value)

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is None:
            return None
        check_pattern(value)
        return value

    @model_validator(mode="after")
    def _has_a_kind(self) -> Condition:
        kinds = (
            self.any_words,
            self.all_words,
            self.none_words,
            self.pattern,
            self.attribute,
            self.recall,
            self.watchlist,
            self.all_,
            self.any_,
            self.not_,
        )
        if all(kind is None for kind in kinds):
            raise ValueError(
                "this condition is empty; write at least one of any_words, all_words, none_words, pattern, "
                "attribute, recall, watchlist, all, any, not"
            )
        if self.in_ is not None and not (self.any_words or self.all_words or self.none_words or self.pattern):
            raise ValueError("`in:` only restricts words and patterns; add a word list or pattern, or drop `in:`")
        return self


class PriceRange(_Strict):
    """A price range in won; either end may be left out."""

    min: int | None = Field(default=None, ge=0)
    max: int | None = Field(default=None, ge=0)


class When(_Strict):
    """Which listings a rule looks at at all."""

    audience: Audience = Field(
        default="any", description="children (13 and under), infant (under 36 months) or any listing."
    )
    site: list[str] | None = Field(default=None, min_length=1, description="Only these sites (spider names).")
    category: Words | None = Field(default=None, description="Only listings whose category contains a word.")
    price: PriceRange | None = Field(default=None, description="Only listings priced in this range (won).")

    @field_validator("category")
    @classmethod
    def _category_words(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else _check_words(value)


class Rule(_Strict):
    """A rule file: Sigma-style metadata, then ``when`` / ``match`` / ``unless``."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$", description="Equals the file name without .yaml.")
    title: str = Field(min_length=3, description="One line, Korean or English.")
    status: Status = Field(description="experimental | test | stable")
    severity: Severity = Field(description="critical | high | medium | low")
    hazard: Hazard = Field(description="Kind of hazard.")
    description: str = Field(min_length=3, description="What the rule finds and why it matters.")
    references: list[str] = Field(default_factory=list, description="Where the facts come from.")
    author: str | None = None
    date: dt.date | str | None = Field(default=None, description="Date written, YYYY-MM-DD.")
    modified: dt.date | str | None = None
    falsepositives: list[str] = Field(default_factory=list, description="Known legitimate listings it catches.")
    tags: list[str] = Field(default_factory=list)
    when: When = Field(default_factory=When)
    match: Condition = Field(description="The condition a listing must meet to be flagged.")
    unless: Condition | None = Field(default=None, description="Listings meeting this are not flagged.")


Condition.model_rebuild()


# --- regex guard --------------------------------------------------------------------------------------


def check_pattern(value: str) -> regex.Pattern:
    """Compile a rule pattern, rejecting ones that are too long or may backtrack catastrophically.

    Patterns run on the ``regex`` engine, which sidesteps most backtracking blow-ups such as
    ``(a|aa)*b`` and takes a timeout for the rest (see :data:`PATTERN_TIMEOUT`).
    """
    if len(value) > MAX_PATTERN_LENGTH:
        raise ValueError(
            f"the pattern is {len(value)} characters long (limit {MAX_PATTERN_LENGTH}); "
            "split it into several rules or use a word list"
        )
    try:
        re.compile(value)  # rule authors write Python's syntax; reject what it rejects
        compiled = regex.compile(value)
    except (re.error, regex.error) as err:
        raise ValueError(f"the pattern is not a valid regular expression ({err}); fix the pattern") from None
    from re import _parser  # the stdlib parser is the only way to see the pattern's structure

    if _nested_repeat(_parser.parse(value), inside_repeat=False):
        raise ValueError(
            "the pattern repeats a group that itself repeats, like (a+)+, which can hang the crawler; "
            "remove the inner or outer repetition"
        )
    return compiled


def _nested_repeat(parsed: object, inside_repeat: bool) -> bool:
    from re import _constants as c

    for op, arg in parsed:  # type: ignore[attr-defined]
        if op in (c.MAX_REPEAT, c.MIN_REPEAT, c.POSSESSIVE_REPEAT):
            low, high, sub = arg
            unbounded = high == c.MAXREPEAT or high > 50
            if unbounded and inside_repeat:
                return True
            if _nested_repeat(sub, inside_repeat or unbounded):
                return True
        elif op == c.SUBPATTERN:
            if _nested_repeat(arg[-1], inside_repeat):
                return True
        elif op == c.BRANCH:
            if any(_nested_repeat(branch, inside_repeat) for branch in arg[1]):
                return True
        elif op in (c.ASSERT, c.ASSERT_NOT):
            if _nested_repeat(arg[1], inside_repeat):
                return True
    return False
