"""Who a listing is for: children (13 and under), infants (under 36 months), or not known to be either.

The one place that decides ``when: {audience: …}``. Signals, strongest first:

1. Words in the title or description (어린이, 유아, kids, 儿童 …) make it a children's listing even
   when the label says "14세 이상": magnet sets are labelled for 14+ and sold as 어린이 선물.
2. An age range that ends at 13 years (``age_max_months <= 167``) — or under 36 months for infants.
3. Words in the category (유아동 > 완구, Kids' toys …), unless the age says 14 or older.

Warnings addressed to adults ("어린이 손이 닿지 않는 곳에 보관", "keep out of reach of children",
"not for children") are taken out first: they appear on adult products and say the opposite.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from crawler import normalize
from crawler.items import Listing

CHILD_MAX_MONTHS = 167
INFANT_MAX_MONTHS = 35
ADULT_MIN_MONTHS = 168

_INFANT = (
    r"영아|신생아|영유아|베이비|아기(?!자기)|갓난|돌아기|쪽쪽이|공갈\s?젖꼭지|치발기|젖병|이유식|"
    r"(?<![a-z])(?:baby|babies|infants?|newborns?|toddlers?)(?![a-z])|"
    r"婴儿|婴幼儿|新生儿|(?<![水晶])宝宝|幼儿"
)
_CHILD = (
    r"어린이(?!집\s?교사)|아동|유아|키즈|주니어|초등|유치원|어린이집|여아용?|남아용|토들러|"
    r"(?<![a-z])(?:kids?|kid's|children'?s?|child|junior|preschool|boys'?|girls'|schoolkids?)(?![a-z])|"
    r"儿童|童装|童鞋|小孩|孩子|学生玩具|"
) + _INFANT
_CATEGORY = _CHILD + r"|완구|장난감|출산|육아|(?<![a-z])toys?(?![a-z])|玩具|母婴"
_ADULT_WARNINGS = re.compile(
    r"(?:어린이|아이|유아|영유아|아동)(?:들)?(?:의|가|이)?\s?(?:손이?|손에)\s?닿지\s?않는\s?곳[^\n.]{0,12}|"
    r"(?:어린이|아이|유아|아동)(?:들)?(?:가|이|은|는)?\s?(?:사용|섭취|만지지|가지고\s?놀지)\S*\s?(?:금지|마십시오|마세요|않도록)|"
    r"keep\s(?:it\s)?(?:out\sof|away\sfrom)\s(?:the\s)?reach\sof\s(?:small\s)?children|"
    r"keep\saway\sfrom\s(?:small\s)?children|not\s(?:suitable\s)?for\s(?:small\s)?children[^.\n]{0,30}|"
    r"(?:어린이|아동|유아|아이)(?:용)?\s?(?:장난감|완구|용품|제품)(?:이|가)?\s?(?:아님|아닙니다|아니며|아니므로|아니에요)|"
    r"not\sa\s(?:children'?s\s)?toy|not\sfor\s(?:kids|children)|请放在儿童接触不到的地方|远离儿童|儿童勿用|非儿童玩具|"
    r"(?:어린이|아동)\s?보호\s?포장|child[\s-]?resistant\s(?:packaging|package|closure)"
)
_INFANT_RE = re.compile(_INFANT)
_CHILD_RE = re.compile(_CHILD)
_CATEGORY_RE = re.compile(_CATEGORY)


@dataclass(frozen=True)
class AudienceResult:
    """Derived audience: ``children`` includes infants; ``reason`` says which signal decided."""

    children: bool
    infant: bool
    reason: str

    @property
    def label(self) -> str:
        return "infant" if self.infant else "children" if self.children else "any"


def derive(listing: Listing) -> AudienceResult:
    """Decide whether a listing is a children's or infant product (see the module docstring)."""
    words = _ADULT_WARNINGS.sub(" ", normalize.text(f"{listing.title}\n{listing.description or ''}"))
    infant_word = _INFANT_RE.search(words)
    if infant_word:
        return AudienceResult(True, True, f"word '{infant_word.group(0)}'")
    child_word = _CHILD_RE.search(words)
    low, high = listing.age_min_months, listing.age_max_months
    if high is not None and high <= INFANT_MAX_MONTHS:
        return AudienceResult(True, True, f"age up to {high} months")
    if child_word:
        return AudienceResult(True, False, f"word '{child_word.group(0)}'")
    if high is not None and high <= CHILD_MAX_MONTHS:
        return AudienceResult(True, False, f"age up to {high} months")
    if low is not None and low >= ADULT_MIN_MONTHS:
        return AudienceResult(False, False, f"age from {low} months")
    if low is not None:
        # An age grade under 14 ("만 3세 이상", "36개월 미만 사용금지") is how toys are labelled.
        return AudienceResult(True, False, f"age from {low} months")
    category = normalize.text(listing.category)
    infant_cat = _INFANT_RE.search(category)
    if infant_cat:
        return AudienceResult(True, True, f"category word '{infant_cat.group(0)}'")
    child_cat = _CATEGORY_RE.search(category)
    if child_cat:
        return AudienceResult(True, False, f"category word '{child_cat.group(0)}'")
    return AudienceResult(False, False, "no children's words, age or category")
