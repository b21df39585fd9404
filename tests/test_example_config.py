"""The shipped aisle.example.toml is valid and documents the defaults."""

from __future__ import annotations

from pathlib import Path

from assistant.config import Settings

EXAMPLE = Path(__file__).resolve().parents[1] / "aisle.example.toml"


def test_example_config_parses_to_the_defaults(monkeypatch) -> None:
    monkeypatch.setenv("AISLE_CONFIG", str(EXAMPLE))
    from_file = Settings()
    monkeypatch.setenv("AISLE_CONFIG", "/nonexistent.toml")
    assert from_file.model_dump() == Settings().model_dump()
