"""Shim for scrapyd-deploy (scrapyd-client 2), which builds the egg with ``python setup.py bdist_egg``.

All metadata, including the ``scrapy`` settings entry point Scrapyd needs, is in pyproject.toml.
"""

from setuptools import setup

setup()
