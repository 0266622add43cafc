"""Comparing sink rows: multisets, float tolerance, readable differences."""

import numpy as np
import pandas as pd

from streamscore.replay import compare_tables, format_diff


def frame(rows):
    return pd.DataFrame(rows, columns=["k", "x"])


def test_order_is_ignored_and_floats_compare_within_tolerance():
    a = frame([("a", 1.0), ("b", 2.0), ("c", np.nan)])
    b = frame([("c", np.nan), ("b", 2.0 + 1e-12), ("a", 1.0)])
    assert compare_tables("s", a, b, 1e-9).equal


def test_a_float_beyond_tolerance_is_shown():
    diff = compare_tables("s", frame([("a", 1.0)]), frame([("a", 1.001)]), 1e-9)
    assert not diff.equal
    assert "only in left" in format_diff(diff, "left", "right")


def test_duplicates_count():
    diff = compare_tables("s", frame([("a", 1.0), ("a", 1.0)]), frame([("a", 1.0)]), 1e-9)
    assert not diff.equal and len(diff.only_left) == 1 and diff.only_right.empty


def test_column_names_must_match():
    diff = compare_tables("s", frame([("a", 1.0)]), pd.DataFrame({"k": ["a"], "y": [1.0]}), 1e-9)
    assert not diff.equal and "columns differ" in diff.problem


def test_an_empty_side_shows_every_row_of_the_other():
    expected = pd.DataFrame({"customer": ["a", "b"], "orders": [1, 2]})
    diff = compare_tables("s", expected, expected.iloc[0:0], 1e-9)
    assert not diff.equal and len(diff.only_left) == 2 and diff.only_right.empty
    diff = compare_tables("s", expected.iloc[0:0], expected, 1e-9)
    assert len(diff.only_right) == 2 and diff.only_left.empty


def test_nested_values_compare_as_values():
    """ROW (dict), ARRAY (list or numpy array, as pyarrow gives them) and MAP (entries as tuples, in any order)
    values: equal when their contents are, floats in them within the tolerance; a changed field is shown."""
    row = {"customer": "ann", "total": 7.2, "item": {"product": "tea", "quantity": 2}}
    a = frame([("a", [row, {"customer": None, "total": None, "item": None}]), ("b", [("x", 1.0), ("y", 2.0)])])
    b = frame([("b", [("y", 2.0), ("x", 1.0 + 1e-12)]),
               ("a", np.array([dict(row, total=7.2 + 1e-12), {"customer": None, "total": None, "item": None}]))])
    assert compare_tables("s", a, b, 1e-9).equal
    changed = frame([("a", [dict(row, item={"product": "tea", "quantity": 3}), {"customer": None}]),
                     ("b", [("x", 1.0), ("y", 2.0)])])
    diff = compare_tables("s", a, changed, 1e-9)
    assert not diff.equal and '"quantity": 3' in format_diff(diff, "a", "b")
