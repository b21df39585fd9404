"""Settings: defaults < TOML file (AISLE_CONFIG) < AISLE_* environment < keyword arguments."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.config import Settings

TOML = """
store_name = "Toml Store"
max_message_chars = 500

[llm]
model = "toml/model"
max_new_tokens = 100

[retrieval]
faq_k = 5
"""


@pytest.fixture
def toml_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "aisle.toml"
    path.write_text(TOML, encoding="utf-8")
    monkeypatch.setenv("AISLE_CONFIG", str(path))
    return path


def test_defaults_without_a_file_or_environment() -> None:
    settings = Settings()  # conftest points AISLE_CONFIG at a missing file and clears AISLE_*
    assert settings.store_name == ""
    assert settings.llm.max_new_tokens == 48
    assert settings.llm.backend == "transformers"
    assert settings.retrieval.faq_k == 3
    assert settings.data_dir == Path(".aisle")


def test_toml_file_overrides_defaults(toml_file: Path) -> None:
    settings = Settings()
    assert settings.store_name == "Toml Store"
    assert settings.max_message_chars == 500
    assert (settings.llm.model, settings.llm.max_new_tokens) == ("toml/model", 100)
    assert settings.retrieval.faq_k == 5
    assert settings.retrieval.products_shown == 4  # unset keys of a section keep their defaults
    assert settings.llm.backend == "transformers"


def test_environment_overrides_toml(toml_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_STORE_NAME", "Env Store")
    monkeypatch.setenv("AISLE_LLM__MAX_NEW_TOKENS", "200")
    settings = Settings()
    assert settings.store_name == "Env Store"
    assert settings.llm.max_new_tokens == 200
    assert settings.llm.model == "toml/model"  # the rest of the [llm] section still comes from the file
    assert settings.max_message_chars == 500


def test_nested_environment_variable_without_a_file(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_RETRIEVAL__PRODUCTS_SHOWN", "7")
    monkeypatch.setenv("AISLE_LLM__BACKEND", "openai")
    settings = Settings()
    assert settings.retrieval.products_shown == 7
    assert settings.llm.backend == "openai"


def test_keyword_arguments_override_everything(toml_file: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_STORE_NAME", "Env Store")
    monkeypatch.setenv("AISLE_LLM__MAX_NEW_TOKENS", "200")
    settings = Settings(store_name="Init Store", llm={"max_new_tokens": 7})
    assert settings.store_name == "Init Store"
    assert settings.llm.max_new_tokens == 7
    assert settings.llm.model == "toml/model"


@pytest.mark.parametrize(("toml", "typo"), [('store_nmae = "oops"\n', "store_nmae"),
                                            ("[llm]\nmax_tokens = 10\n", "max_tokens")])
def test_unknown_key_in_toml_is_rejected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, toml: str,
                                         typo: str) -> None:
    path = tmp_path / "typo.toml"
    path.write_text(toml, encoding="utf-8")
    monkeypatch.setenv("AISLE_CONFIG", str(path))
    with pytest.raises(ValidationError, match=typo):
        Settings()


def test_invalid_value_is_rejected(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AISLE_LLM__MAX_NEW_TOKENS", "0")
    with pytest.raises(ValidationError, match="max_new_tokens"):
        Settings()


def test_unknown_keyword_argument_is_rejected() -> None:
    with pytest.raises(ValidationError):
        Settings(bogus=1)  # type: ignore[call-arg]


def test_derived_paths_follow_data_dir(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path)
    assert settings.database_url == f"sqlite:///{tmp_path / 'aisle.db'}"
    assert settings.chroma_path == tmp_path / "chroma"
    assert settings.models_dir == tmp_path / "models"


def test_derived_paths_follow_data_dir_from_toml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "aisle.toml"
    path.write_text(f'data_dir = "{tmp_path / "state"}"\n', encoding="utf-8")
    monkeypatch.setenv("AISLE_CONFIG", str(path))
    settings = Settings()
    assert settings.database_url == f"sqlite:///{tmp_path / 'state' / 'aisle.db'}"
    assert settings.chroma_path == tmp_path / "state" / "chroma"


def test_explicit_paths_are_kept(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path, database_url="sqlite:///elsewhere.db", chroma_path=tmp_path / "c",
                        models_dir=tmp_path / "m")
    assert settings.database_url == "sqlite:///elsewhere.db"
    assert (settings.chroma_path, settings.models_dir) == (tmp_path / "c", tmp_path / "m")


def test_clock_pins_now() -> None:
    pinned = datetime(2026, 1, 2, 3, 4)
    assert Settings(clock=pinned).now() == pinned


def test_the_stores_clock_is_naive_utc_whatever_the_servers_time_zone(monkeypatch, tmp_path):
    """Stored timestamps are naive UTC (orders' ``placed_at``, events): the clock that stamps sessions,
    turns and tickets, and that policy windows are measured with, must be too."""
    import time

    monkeypatch.setenv("TZ", "Asia/Tokyo")  # UTC+9, no daylight saving
    time.tzset()
    try:
        now = Settings(data_dir=tmp_path).now()
        utc = datetime.now(UTC).replace(tzinfo=None)
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert now.tzinfo is None
    assert abs((utc - now).total_seconds()) < 60
