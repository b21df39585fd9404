"""read_records: good rows are kept, each bad row is reported with its 1-based line and a reason."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from knowledge.errors import ImportFileError
from knowledge.importers import ImportResult, RowError, read_records
from knowledge.schemas import Customer, FaqEntry, Order, Product, Variant


def product_row(pid: str = "P1", **overrides) -> dict:
    row = {"id": pid, "title": f"Product {pid}", "brand": "Acme", "category": "Shoes",
           "price": 49.5, "stock": 5, "description": "A plain product for tests."}
    row.update(overrides)
    return row


def write_jsonl(path: Path, lines: list[dict | str]) -> Path:
    text = "".join((line if isinstance(line, str) else json.dumps(line)) + "\n" for line in lines)
    path.write_text(text, encoding="utf-8")
    return path


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


# -- JSONL --------------------------------------------------------------------------------------
BAD_ROWS = [
    pytest.param('{"id": "P9", "title": ', "invalid JSON", id="invalid-json"),
    pytest.param("[1, 2, 3]", "expected a JSON object", id="not-an-object"),
    pytest.param(product_row("P9", brand=None), "brand: Input should be a valid string", id="null-field"),
    pytest.param({k: v for k, v in product_row("P9").items() if k != "brand"}, "brand: Field required",
                 id="missing-field"),
    pytest.param(product_row("P9", price="cheap"), "price: Input should be a valid number", id="wrong-type"),
    pytest.param(product_row("P9", price=-3), "price: Input should be greater than 0", id="negative-price"),
    pytest.param(product_row("P9", stock=5, variants=[{"sku": "a", "stock": 1}, {"sku": "b", "stock": 2}]),
                 "stock 5 differs from the sum of variant stock 3", id="variant-stock"),
    pytest.param(product_row("P9", colour="red"), "colour: Extra inputs are not permitted", id="extra-field"),
    pytest.param(product_row("P1"), "duplicate id 'P1' (first on line 1)", id="duplicate-id"),
]


@pytest.mark.parametrize(("bad", "message"), BAD_ROWS)
def test_jsonl_bad_row_is_reported_with_its_line_and_the_rest_is_kept(tmp_path, bad, message):
    path = write_jsonl(tmp_path / "catalog.jsonl", [product_row("P1"), bad, product_row("P3")])

    result = read_records(path, Product)

    assert [p.id for p in result.records] == ["P1", "P3"]
    assert result.lines == [1, 3]
    assert len(result.errors) == 1
    assert result.errors[0].line == 2
    assert message in result.errors[0].message
    assert str(result.errors[0]).startswith("line 2: ")


def test_jsonl_line_numbers_count_blank_lines_and_many_errors(tmp_path):
    path = write_jsonl(tmp_path / "catalog.jsonl", [
        product_row("P1"), "", "{broken", "   ", product_row("P2", price=0), product_row("P3"),
        product_row("P1", title="Again"),
    ])

    result = read_records(path, Product)

    assert [(p.id, line) for p, line in zip(result.records, result.lines, strict=True)] == [("P1", 1), ("P3", 6)]
    assert [e.line for e in result.errors] == [3, 5, 7]


def test_jsonl_values_are_validated_and_normalised(tmp_path):
    row = product_row("P1", category="  Shoes ", attributes={"color": ["Blue", "red "], "material": "mesh"},
                      variants=[{"sku": "P1-B", "color": "blue", "stock": 2}, {"sku": "P1-R", "stock": 3}])
    path = write_jsonl(tmp_path / "catalog.ndjson", [row])

    [product] = read_records(path, Product).records

    assert product.category == "shoes"
    assert product.colors == ["blue", "red"]
    assert product.variants[0] == Variant(sku="P1-B", color="blue", stock=2)
    assert product.currency == "USD" and product.rating is None and product.tags == []


def test_json_suffix_is_read_as_json_lines(tmp_path):
    path = write_jsonl(tmp_path / "customers.json", [{"id": "C1", "name": "Ann", "email": "ann@example.com"}])
    assert read_records(path, Customer).records == [Customer(id="C1", name="Ann", email="ann@example.com")]


def test_faq_bad_date_names_the_field(tmp_path):
    good = {"id": "f1", "title": "Returns", "topic": "returns", "updated": "2026-01-02",
            "body": "Return within 30 days."}
    path = write_jsonl(tmp_path / "faq.jsonl", [good, {**good, "id": "f2", "updated": "last week"}])

    result = read_records(path, FaqEntry)

    assert [e.id for e in result.records] == ["f1"]
    assert result.errors[0].line == 2 and result.errors[0].message.startswith("updated: ")


# -- CSV ----------------------------------------------------------------------------------------
CSV_HEADER = ["id", "title", "brand", "category", "price", "stock", "rating", "attributes", "tags",
              "description", "variants"]


def test_csv_parses_json_and_list_cells_and_reports_bad_rows_by_line(tmp_path):
    variants = json.dumps([{"sku": "P1-M", "size": "M", "stock": 3}, {"sku": "P1-L", "size": "L", "stock": 4}])
    path = write_csv(tmp_path / "catalog.csv", CSV_HEADER, [
        ["P1", "Trail Runner", "Acme", "shoes", "89.99", "7", "4.5", '{"color": ["blue"], "material": "mesh"}',
         "running; trail;;  light ", "Grippy shoe, for mud.", variants],
        ["P2", "Broken Attrs", "Acme", "shoes", "10", "1", "", "{not json", "", "Bad cell.", ""],
        ["P3", "Minus", "Acme", "shoes", "-1", "1", "", "", "", "Negative price.", ""],
        ["P4", "Too Wide", "Acme", "shoes", "10", "1", "", "", "", "Extra cell.", "", "surplus"],
        ["P5", "Plain Mug", "Acme", "kitchen", "12", "0", "", "", "", "A mug.", ""],
    ])

    result = read_records(path, Product)

    assert [p.id for p in result.records] == ["P1", "P5"]
    assert result.lines == [2, 6]  # line 1 is the header
    errors = {e.line: e.message for e in result.errors}
    assert set(errors) == {3, 4, 5}
    assert errors[3].startswith("cannot parse cell")
    assert errors[4] == "price: Input should be greater than 0"
    assert "more cells than header columns" in errors[5]
    p1, p5 = result.records
    assert p1.price == 89.99 and p1.stock == 7 and p1.rating == 4.5
    assert p1.attributes == {"color": ["blue"], "material": "mesh"}
    assert p1.tags == ["running", "trail", "light"]
    assert [v.size for v in p1.variants] == ["M", "L"]
    assert p5.attributes == {} and p5.tags == [] and p5.rating is None and p5.variants == []


def test_csv_missing_required_cell_and_duplicate_id(tmp_path):
    path = write_csv(tmp_path / "customers.csv", ["id", "name", "email", "city"], [
        ["C1", "Ann", "ann@example.com", "Austin, TX"],
        ["C2", "", "bob@example.com", ""],
        ["C1", "Ann Again", "ann2@example.com", ""],
        ["C3", "Cy", "not-an-email", ""],
    ])

    result = read_records(path, Customer)

    assert [c.id for c in result.records] == ["C1"]
    assert [(e.line, e.message.split(":")[0]) for e in result.errors] == [
        (3, "name"), (4, "duplicate id 'C1' (first on line 2)"), (5, "email")]


def test_csv_order_items_cell_holds_json(tmp_path):
    items = json.dumps([{"product_id": "P1", "title": "Trail Runner", "quantity": 2, "unit_price": 10}])
    path = write_csv(tmp_path / "orders.csv",
                     ["id", "customer_id", "status", "placed_at", "updated_at", "items", "total",
                      "shipping_address", "tracking_number"],
                     [["O1", "C1", "shipped", "2026-01-02T10:00:00", "2026-01-03T10:00:00", items, "20",
                       "1 Main St", "UPS123"],
                      ["O2", "C1", "shipped", "2026-01-02T10:00:00", "2026-01-03T10:00:00", items, "20",
                       "1 Main St", ""]])

    result = read_records(path, Order)

    assert [o.id for o in result.records] == ["O1"]
    assert result.records[0].items[0].quantity == 2
    assert result.errors == [RowError(3, "row: Value error, a shipped order needs a tracking_number")]


def test_csv_multiline_cell_row_is_reported_at_its_first_line(tmp_path):
    path = tmp_path / "customers.csv"
    path.write_text('id,name,email,city\nC1,Ann,not-an-email,"Austin,\nTX"\nC2,Bo,bo@example.com,\n',
                    encoding="utf-8")
    result = read_records(path, Customer)
    assert [e.line for e in result.errors] == [2] and result.lines == [4]


# -- whole-file problems ------------------------------------------------------------------------
def test_missing_file_raises_a_clear_error(tmp_path):
    with pytest.raises(ImportFileError, match="no such file"):
        read_records(tmp_path / "nope.jsonl", Product)


def test_unsupported_suffix_raises(tmp_path):
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(b"PK\x03\x04")
    with pytest.raises(ImportFileError, match=r"unsupported file type '\.xlsx'; use \.jsonl or \.csv"):
        read_records(path, Product)


@pytest.mark.parametrize("name", ["catalog.jsonl", "catalog.csv"])
def test_non_utf8_file_raises(tmp_path, name):
    path = tmp_path / name
    path.write_bytes(json.dumps(product_row("P1", title="Café Mug")).encode("utf-8") + b"\n"
                     + "Caf\u00e9 latin-1 line\n".encode("latin-1"))
    with pytest.raises(ImportFileError, match="not UTF-8 text.*re-save it as UTF-8"):
        read_records(path, Product)


@pytest.mark.parametrize("name", ["customers.csv", "customers.jsonl"])
def test_utf8_bom_is_accepted(tmp_path, name):
    path = tmp_path / name
    text = ("id,name,email\nC1,Ann,ann@example.com\n" if name.endswith(".csv")
            else '{"id": "C1", "name": "Ann", "email": "ann@example.com"}\n')
    path.write_text(text, encoding="utf-8-sig")
    result = read_records(path, Customer)
    assert result.errors == [] and [c.id for c in result.records] == ["C1"]


# -- ImportResult.reject ------------------------------------------------------------------------
def test_reject_moves_records_to_errors_with_their_lines_sorted(tmp_path):
    path = write_jsonl(tmp_path / "catalog.jsonl",
                       [product_row("P1"), "{bad", product_row("P3"), product_row("P4"), product_row("P5")])
    result: ImportResult[Product] = read_records(path, Product)

    result.reject(lambda p: "unwanted" if p.id in {"P1", "P4"} else None)

    assert [p.id for p in result.records] == ["P3", "P5"]
    assert result.lines == [3, 5]
    assert [(e.line, e.message) for e in result.errors] == [(1, "unwanted"), (2, result.errors[1].message),
                                                           (4, "unwanted")]
    assert result.errors[1].message.startswith("invalid JSON")
