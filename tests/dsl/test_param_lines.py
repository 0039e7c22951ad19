"""Key paths → lines of ``.param`` text (for errors that name the line)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from isf.dsl.param_format import format_param
from isf.dsl.param_lines import key_lines, line_of

_keys = st.text("abcXYZ_019", min_size=1, max_size=6)
_leaf = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=4),
                  st.lists(st.tuples(st.integers(), st.integers()), max_size=3))
_trees = st.recursive(_leaf, lambda inner: st.dictionaries(_keys, inner, max_size=4), max_leaves=20)


def _paths(tree: Any, prefix: str = "") -> list[str]:
    out = []
    if isinstance(tree, dict):
        for k, v in tree.items():
            path = f"{prefix}.{k}" if prefix else k
            out.append(path)
            out.extend(_paths(v, path))
    return out


@given(st.dictionaries(_keys, _trees, min_size=1, max_size=4))
def test_every_key_maps_to_its_line(tree: dict[str, Any]) -> None:
    text = format_param(tree)
    lines = key_lines(text)
    rows = text.splitlines()
    for path in _paths(tree):
        assert f'"{path.rsplit(".", 1)[-1]}"' in rows[lines[path] - 1], (path, text)


def test_line_of_falls_back_to_the_nearest_key() -> None:
    text = '{\n  "network": {\n    "L5tt_C2": {\n      "weight": [1.0,\n 2.0],\n    },\n  },\n}\n'
    lines = key_lines(text)
    assert line_of(lines, "network.L5tt_C2.weight[1]") == 4
    assert line_of(lines, "network.L5tt_C2.celltype") == 3
    assert line_of(lines, "info") is None
