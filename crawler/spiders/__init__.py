"""Spiders: one small declarative file per marketplace on :class:`~crawler.spiders.base.ShopSpider`.

The file name equals the spider's ``name``; ``structured`` is the generic spider for any shop page
carrying schema.org Product data, ``followup`` re-checks reported listings.
"""
