"""Sign-in tokens and server-issued sessions, without models: the embed token's every way to fail
signs nobody in, a token works once, and a session's identity is the one it was issued for."""

from __future__ import annotations

import base64
import json
import re
import time
from datetime import UTC, datetime

import jwt
import pytest

from assistant.errors import InvalidMessage
from assistant.identity import GUEST, EmbedSecretTooShort, EmbedTokens, Identity, mint_embed_token
from knowledge.store.database import StoreDatabase
from knowledge.store.sessions import SessionRegistry

SECRET = "k" * 40
CUSTOMERS = {"C001", "W-77"}


@pytest.fixture
def registry(store_url) -> SessionRegistry:
    return SessionRegistry(StoreDatabase(store_url))


def _tokens(registry: SessionRegistry, secret: str = SECRET, max_ttl_s: int = 3600) -> EmbedTokens:
    def claim(jti: str, expires: datetime) -> bool:
        return registry.claim_token(jti, expires, datetime.now(UTC).replace(tzinfo=None))

    return EmbedTokens(secret, claim, CUSTOMERS.__contains__, max_ttl_s)


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _with_claims(token: str, **changes) -> str:
    """The token with its claims changed and its signature kept (a tampered token)."""
    header, payload, sig = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return ".".join([header, _b64({**claims, **changes}), sig])


def test_a_valid_token_signs_its_customer_in(registry) -> None:
    identity = _tokens(registry).verify(mint_embed_token("C001", SECRET))
    assert identity == Identity("C001", "token")
    assert _tokens(registry).verify(mint_embed_token("W-77", SECRET, ttl_s=60)).customer_id == "W-77"


def test_a_token_from_any_jwt_library_works(registry) -> None:
    now = int(time.time())
    token = jwt.encode({"sub": "C001", "exp": now + 300, "jti": "page-view-1"}, SECRET, algorithm="HS256")
    assert _tokens(registry).verify(token).customer_id == "C001"


def _cases() -> list[tuple[str, object, str]]:
    now = int(time.time())
    good = mint_embed_token("C001", SECRET)
    return [
        ("tampered subject", lambda: _with_claims(mint_embed_token("C001", SECRET), sub="W-77"), "bad signature"),
        ("tampered expiry", lambda: _with_claims(mint_embed_token("C001", SECRET, ttl_s=60), exp=now + 900),
         "bad signature"),
        ("other secret", lambda: mint_embed_token("C001", "z" * 40), "bad signature"),
        ("expired", lambda: mint_embed_token("C001", SECRET, ttl_s=60, now=now - 3600), "expired"),
        ("lives too long", lambda: mint_embed_token("C001", SECRET, ttl_s=30 * 86400), "longer than"),
        ("unknown customer", lambda: mint_embed_token("C999", SECRET), "unknown customer"),
        ("alg none", lambda: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'sub': 'C001', 'exp': now + 60, 'jti': 'x'})}.",
         "malformed"),
        ("HS512", lambda: jwt.encode({"sub": "C001", "exp": now + 60, "jti": "x"}, SECRET, algorithm="HS512"),
         "malformed"),
        ("no jti", lambda: jwt.encode({"sub": "C001", "exp": now + 60}, SECRET, algorithm="HS256"), "malformed"),
        ("no exp", lambda: jwt.encode({"sub": "C001", "jti": "x"}, SECRET, algorithm="HS256"), "malformed"),
        ("numeric sub", lambda: jwt.encode({"sub": 1, "exp": now + 60, "jti": "x"}, SECRET, algorithm="HS256"),
         "malformed"),
        ("bare customer id", lambda: "C001", "malformed"),
        ("garbage", lambda: "a.b.c", "malformed"),
        ("truncated", lambda: good[:-5], "bad signature|malformed"),
        ("huge", lambda: "x" * 10_000, "malformed"),
    ]


@pytest.mark.parametrize("name, make, note", _cases(), ids=[c[0] for c in _cases()])
def test_a_bad_token_is_a_guest_and_says_why(registry, name: str, make, note: str) -> None:
    identity = _tokens(registry).verify(make())
    assert identity.is_guest and identity.signed_in_by == "guest"
    assert re.search(note, identity.note)


def test_a_token_works_once(registry) -> None:
    token = mint_embed_token("C001", SECRET)
    tokens = _tokens(registry)
    assert tokens.verify(token).customer_id == "C001"
    replay = tokens.verify(token)
    assert replay.is_guest and replay.note == "token already used"
    # another process on the same database refuses it too
    assert _tokens(SessionRegistry(registry.db)).verify(token).note == "token already used"


def test_without_a_secret_nobody_signs_in(registry) -> None:
    tokens = _tokens(registry, secret="")
    assert not tokens.enabled
    identity = tokens.verify(mint_embed_token("C001", SECRET))
    assert identity.is_guest and "no embed secret" in identity.note
    assert tokens.verify("") == GUEST


def test_a_short_secret_is_refused_with_a_fix() -> None:
    with pytest.raises(EmbedSecretTooShort, match="at least 32"):
        EmbedTokens("short", lambda jti, exp: True, CUSTOMERS.__contains__)


# -- the session registry ----------------------------------------------------------------------
def test_sessions_are_issued_with_their_identity(registry) -> None:
    now = datetime(2026, 1, 1)
    sid = registry.issue("C001", "token", now)
    guest = registry.issue(None, "guest", now)
    assert len(sid) == 32 and sid != guest
    assert (registry.get(sid).customer_id, registry.get(sid).signed_in_by) == ("C001", "token")
    assert registry.get(guest).customer_id is None
    assert registry.get("C001") is None and registry.get("") is None


def test_adopt_registers_an_older_conversation_once(registry) -> None:
    now = datetime(2026, 1, 1)
    registry.adopt("legacy-1", "C001", "cli", now)
    registry.adopt("legacy-1", "W-77", "cli", now)  # never re-binds an existing session
    assert registry.get("legacy-1").customer_id == "C001"


def test_used_tokens_are_forgotten_after_they_expire(registry) -> None:
    past, now = datetime(2026, 1, 1), datetime(2026, 1, 2)
    assert registry.claim_token("j1", past, past)
    assert not registry.claim_token("j1", past, past)
    assert registry.claim_token("j2", now, now)  # the expired j1 row is dropped here
    assert registry.claim_token("j1", now, now)


# -- the widget's sign-in rules ------------------------------------------------------------------
class _Conversations:
    """Stands in for ``Conversations.start``/``session``: the registry is the real one."""

    def __init__(self, registry: SessionRegistry):
        self.registry = registry

    def start(self, identity: Identity = GUEST, client: str | None = None) -> str:
        return self.registry.issue(identity.customer_id, identity.signed_in_by, datetime(2026, 1, 1))

    def session(self, session_id: str):
        from assistant.errors import UnknownSession

        if self.registry.get(session_id) is None:
            raise UnknownSession("not a session id this server issued")
        return session_id


def _sessions(registry: SessionRegistry, demo_mode: bool):
    from assistant.shopper_sessions import ShopperSessions

    return ShopperSessions(_Conversations(registry), CUSTOMERS.__contains__, demo_mode, _tokens(registry))  # type: ignore[arg-type]


def test_outside_demo_mode_no_customer_can_be_picked(registry) -> None:
    sessions = _sessions(registry, demo_mode=False)
    with pytest.raises(InvalidMessage, match="only possible in demo mode"):
        sessions.demo_identity("C001")


def test_demo_mode_picks_known_customers_only(registry) -> None:
    sessions = _sessions(registry, demo_mode=True)
    assert sessions.demo_identity("C001") == Identity("C001", "demo")
    assert sessions.demo_identity("guest") == GUEST
    with pytest.raises(InvalidMessage, match="Unknown customer"):
        sessions.demo_identity("C999")


def test_a_call_acts_in_an_issued_session_or_its_own(registry) -> None:
    from assistant.errors import UnknownSession

    sessions = _sessions(registry, demo_mode=False)
    mine = sessions.start(Identity("C001", "token"))
    assert sessions.ensure(mine, None) == mine
    assert sessions.ensure("", mine) == mine
    fresh = sessions.ensure("", None)
    assert registry.get(fresh).customer_id is None  # a new guest session
    for forged in ("C001", "W-77", "guest", "0" * 32):
        with pytest.raises(UnknownSession):
            sessions.ensure(forged, mine)


# -- `aisle token` -----------------------------------------------------------------------------
def test_aisle_token_mints_a_token_the_server_accepts(registry, monkeypatch) -> None:
    from typer.testing import CliRunner

    from aisle.cli import app

    monkeypatch.setenv("AISLE_EMBED_SECRET", SECRET)
    minted = CliRunner().invoke(app, ["token", "W-77", "--ttl", "120"])
    assert minted.exit_code == 0, minted.output
    assert _tokens(registry).verify(minted.output.strip()) == Identity("W-77", "token")

    monkeypatch.setenv("AISLE_EMBED_SECRET", "short")
    refused = CliRunner().invoke(app, ["token", "W-77"])
    assert refused.exit_code == 1 and "at least 32 characters" in refused.output
