"""The real web app on loopback (one server per test module), with API clients for its two apps."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def server(services):
    from aisle.web import create_server
    from ui.server import BackgroundServer

    # demo mode, as `aisle demo` serves it (an admin upload in these tests marks the store imported)
    with BackgroundServer(create_server(services, staff_password="", customer_picker=True)) as running:
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


def sign_in(client, customer: str | None = None) -> str:
    """A new session for this client: a guest, or (demo mode) the customer; its id."""
    if customer is None:
        return client.predict("", api_name="/start_session")["session_id"]
    return client.predict(customer, api_name="/demo_sign_in")["session_id"]


@pytest.fixture
def session_for(client):
    """``session_for(customer=None)`` → a new session id of the shopper app (demo mode)."""
    return lambda customer=None: sign_in(client, customer)
