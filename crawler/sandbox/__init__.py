"""The sandbox market: a local HTTP server with Korean-market shop skins and a recall portal, served from one
catalog, so spiders can be developed and tested without the internet."""

from .catalog import ALL_SITES, SHOP_SITES, load_catalog
from .generate import generate_catalog
from .market import SandboxMarket

__all__ = ["ALL_SITES", "SHOP_SITES", "SandboxMarket", "generate_catalog", "load_catalog"]
