"""Shared fixtures: saved pages, a sandbox market per session, temporary databases."""

from __future__ import annotations

import pytest


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="Rewrite the expected JSON beside each saved page from the spiders' current output.")


@pytest.fixture(scope="session")
def market():
    """The sandbox market with the shipped catalog, started once for the whole test session."""
    from crawler.sandbox import SandboxMarket

    with SandboxMarket() as running:
        yield running


@pytest.fixture
def unused_port() -> int:
    """A loopback port nothing listens on."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
