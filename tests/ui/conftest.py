"""The real web app on loopback (one server per test module), with API clients for its two apps."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def server(services):
    from ui.server import BackgroundServer, create_server

    with BackgroundServer(create_server(services, staff_password="")) as running:
        yield running


@pytest.fixture(scope="module")
def client(server):
    """The shopper widget's API."""
    from gradio_client import Client

    return Client(f"{server.url}/", verbose=False)


@pytest.fixture(scope="module")
def staff(server):
    """The staff app's API (agent copilot and store admin)."""
    from gradio_client import Client

    return Client(f"{server.url}/staff/", verbose=False)
