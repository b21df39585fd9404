"""``/staff`` (the README's copilot link) redirects to ``/staff/``, where the staff app is mounted: raw
HTTP against the real web app on loopback, for GET and for a link checker's HEAD, whether the staff
app is open (demo mode), behind a password, or closed."""

from __future__ import annotations

import httpx
import pytest

MODES = {"demo": {"customer_picker": True, "staff_password": ""},
         "password": {"customer_picker": False, "staff_password": "s3cret-staff"},
         "closed": {"customer_picker": False, "staff_password": ""}}


@pytest.fixture(scope="module", params=list(MODES))
def staff_site(request: pytest.FixtureRequest, fake_store):
    """(mode, base url) of the web app on the fake store, served on loopback."""
    from aisle.web import create_server
    from ui.server import BackgroundServer

    with BackgroundServer(create_server(fake_store, **MODES[request.param])) as running:
        yield request.param, running.url


@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_staff_without_a_slash_redirects_to_the_staff_app(staff_site, method: str) -> None:
    _, url = staff_site
    answer = httpx.request(method, url + "/staff", follow_redirects=False, timeout=30)
    assert answer.status_code in (307, 308), (answer.status_code, answer.text[:200])
    assert answer.headers["location"] == "/staff/"


def test_the_redirect_keeps_the_query_string(staff_site) -> None:
    _, url = staff_site
    answer = httpx.get(url + "/staff?__theme=dark", follow_redirects=False, timeout=30)
    assert answer.headers["location"] == "/staff/?__theme=dark"


def test_following_the_redirect_reaches_the_staff_app(staff_site) -> None:
    mode, url = staff_site
    answer = httpx.get(url + "/staff", follow_redirects=True, timeout=30)
    assert str(answer.url) == url + "/staff/"
    if mode == "closed":
        assert answer.status_code == 503 and "AISLE_STAFF_PASSWORD" in answer.text
    else:
        assert answer.status_code == 200 and "<html" in answer.text.lower()
