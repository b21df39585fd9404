"""`aisle demo --store NAME`: each bundled sample store is built with its own name, policy and order
numbers, and a data folder holds one store."""

from __future__ import annotations

import pytest

from assistant.errors import AisleError
from knowledge.order_shapes import META_KEY, load_shapes
from knowledge.sample_stores import SAMPLE_STORES
from tests.test_cli_ingest import run_cli


def test_each_sample_store_has_its_name_policy_and_order_shape(services, kestrel) -> None:
    assert (services.store_name, kestrel.store_name) == ("Maple & Main", "Kestrel Supply")
    assert load_shapes(services.db.meta(META_KEY)) == [r"MM\-\d{6}"]
    assert load_shapes(kestrel.db.meta(META_KEY)) == [r"N\d{7}"]
    assert services.current.policy.returns.window_days == 30 and kestrel.current.policy.returns.window_days == 14
    assert services.current.catalog.currency == "USD" and kestrel.current.catalog.currency == "EUR"
    assert kestrel.demo_mode  # built by `aisle demo` (other tests upload files into the demo store)


def test_a_data_folder_holds_one_store(kestrel) -> None:
    from aisle.wiring import Services

    with pytest.raises(AisleError, match="already holds the sample store 'kestrel'"):
        Services(kestrel.settings).build_demo(progress=False, store="maple-main")


def test_an_unknown_sample_store_is_refused_with_the_choices(tmp_path) -> None:
    result = run_cli("demo", "--store", "nope", "--data-dir", str(tmp_path), timeout=120)
    assert result.returncode == 1
    assert f"no sample store 'nope'; choose one of: {', '.join(SAMPLE_STORES)}" in result.stderr
