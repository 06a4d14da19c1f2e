"""Site skins of the sandbox market, one module per site; SKINS maps a site name to its skin class."""

from .aliexpress_kr import AliexpressKrSkin
from .base import Request, Response, Skin
from .coupang import CoupangSkin
from .elevenst import ElevenstSkin
from .gmarket import GmarketSkin
from .naver_smartstore import NaverSmartstoreSkin
from .recalls_kr import RecallsKrSkin
from .temu_kr import TemuKrSkin

SKINS: dict[str, type[Skin]] = {
    cls.name: cls
    for cls in (
        CoupangSkin,
        ElevenstSkin,
        GmarketSkin,
        NaverSmartstoreSkin,
        AliexpressKrSkin,
        TemuKrSkin,
        RecallsKrSkin,
    )
}

__all__ = ["SKINS", "Request", "Response", "Skin"]
