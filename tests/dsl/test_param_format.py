"""Tests for the legacy ``.param`` reader and writer."""

from __future__ import annotations

import ast
import json
import math
import os
import pickle
import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from isf.dsl.param_format import (
    MAX_DEPTH,
    ParamSyntaxError,
    format_param,
    parse_param,
    read_param,
    write_param,
)
from isf.errors import LegacyFormatError


def _shared_data_dir() -> Path:
    """``ISF_SHARED_DATA`` (the ``data/isf`` folder, or a ``shared`` folder holding it), else ../shared beside the repo."""
    env = os.environ.get("ISF_SHARED_DATA")
    if env:
        root = Path(env)
        return root / "data" / "isf" if (root / "data" / "isf").is_dir() else root
    return Path(__file__).resolve().parents[3] / "shared" / "data" / "isf"


SHARED = _shared_data_dir()
SHARED_FILES = sorted(SHARED.rglob("*.param")) if SHARED.is_dir() else []
needs_shared = pytest.mark.skipif(not SHARED_FILES, reason=f"shared ISF data not found at {SHARED}")


def _ids(paths: list[Path]) -> list[str]:
    return [str(p.relative_to(SHARED)) for p in paths]


def strict_equal(a: Any, b: Any) -> bool:
    """Equality that also tells tuple from list, int from float from bool, and 0.0 from -0.0."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            strict_equal(ka, kb) and strict_equal(a[ka], b[kb]) for ka, kb in zip(a, b)
        )
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(strict_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, float):
        return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)
    return a == b


def literal_eval(text: str) -> Any:
    """The reference oracle: Python's own literal evaluation."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # invalid escape sequences warn in Python
        return ast.literal_eval(text)


def lines_of(text: str) -> list[str]:
    return re.split(r"\r\n|\r|\n", text)


def assert_position_inside(err: ParamSyntaxError, text: str) -> None:
    lines = lines_of(text)
    assert 1 <= err.line <= len(lines), (err, len(lines))
    assert 1 <= err.column <= len(lines[err.line - 1]) + 1, (err, lines[err.line - 1])
    assert str(err).startswith(f"{err.filename or '<string>'}:{err.line}:{err.column}: ")


# ---------------------------------------------------------------------------
# The shared legacy files


@needs_shared
@pytest.mark.shared
@pytest.mark.parametrize("path", SHARED_FILES, ids=_ids(SHARED_FILES))
def test_shared_file_matches_literal_eval(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert strict_equal(read_param(path), literal_eval(text))


@needs_shared
@pytest.mark.shared
@pytest.mark.parametrize("path", SHARED_FILES, ids=_ids(SHARED_FILES))
def test_shared_file_round_trips(path: Path) -> None:
    value = read_param(path)
    written = format_param(value)
    assert strict_equal(parse_param(written), value)
    assert strict_equal(literal_eval(written), value)  # still readable by legacy eval
    assert format_param(parse_param(written)) == written


# ---------------------------------------------------------------------------
# Grammar


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{}", {}),
        ("[]", []),
        ("()", ()),
        ("(1,)", (1,)),
        ("(1)", 1),
        ("((1, 2))", (1, 2)),
        ("([1],)", ([1],)),
        ("(1, 2,)", (1, 2)),
        ("[1, 2,]", [1, 2]),
        ("{'a': 1,}", {"a": 1}),
        ("1e-5", 1e-5),
        ("4.79e-05", 4.79e-05),
        ("1E+3", 1000.0),
        (".5", 0.5),
        ("5.", 5.0),
        ("-3", -3),
        ("+3", 3),
        ("-0.0", -0.0),
        ("1_000", 1000),
        ("0x1F", 31),
        ("-0o17", -15),
        ("0b101", 5),
        ("00", 0),
        ("1e999", math.inf),
        ("None", None),
        ("True", True),
        ("False", False),
        ("'single'", "single"),
        ('"double"', "double"),
        ('u"unicode prefix"', "unicode prefix"),
        (r'r"raw \n stays"', r"raw \n stays"),
        (r'"esc \n \t \\ \' \" \x41 \u00e9 \U0001F600 \101 \N{BULLET} \d"', "esc \n \t \\ ' \" A é 😀 A • \\d"),
        ('"""triple\n"quoted" \'\'\' text"""', 'triple\n"quoted" \'\'\' text'),
        ("'''a\r\nb'''", "a\nb"),
        ('"line \\\ncontinued"', "line continued"),
        ("{1: 'int key', 2.5: 'float key', None: 0, True: 1}", {1: "int key", 2.5: "float key", None: 0, True: 1}),
        ("{'a': 1, 'a': 2}", {"a": 2}),
        ("# leading comment\n{  # trailing\n\t'a' :\t[1 , 2] , # c\n}\n# end", {"a": [1, 2]}),
        ("\r\n\r\n{\r\n'a': (0.0, 1.0),\r\n}\r\n\r\n", {"a": (0.0, 1.0)}),
        ("\ufeff{'a': 1}", {"a": 1}),
        ("[1,\\\n 2]", [1, 2]),
        ("\f[\f1]", [1]),
    ],
)
def test_grammar(text: str, expected: Any) -> None:
    assert strict_equal(parse_param(text), expected)


def test_key_order_is_kept() -> None:
    value = parse_param("{'z': 1, 'a': 2, 'm': 3}")
    assert list(value) == ["z", "a", "m"]


def test_nesting_limit() -> None:
    ok = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    value = parse_param(ok)
    for _ in range(MAX_DEPTH - 1):
        value = value[0]
    assert value == []
    with pytest.raises(ParamSyntaxError, match="nesting deeper than"):
        parse_param("[" * (MAX_DEPTH + 1) + "]" * (MAX_DEPTH + 1))
    with pytest.raises(ParamSyntaxError, match="nesting deeper than"):
        parse_param("{'a': " * 100_000)


def test_huge_numbers_are_syntax_errors_or_values() -> None:
    with pytest.raises(ParamSyntaxError, match="digits"):
        parse_param("1" * 5000)
    assert parse_param("0x" + "f" * 5000) == int("f" * 5000, 16)
    assert parse_param("1" * 5000 + ".0") == math.inf


# ---------------------------------------------------------------------------
# Error messages


def syntax_error(text: str, filename: str | None = None) -> ParamSyntaxError:
    with pytest.raises(ParamSyntaxError) as info:
        parse_param(text, filename)
    assert_position_inside(info.value, text)
    return info.value


BROKEN = """\
{
  "info": {
    "name": "test",
  },
  "neuron": {
    "Soma": {
      "Ra": 100.0,
    },
  },
}
"""


def test_error_attributes_and_format() -> None:
    text = BROKEN.replace('"Ra": 100.0,\n    },', '"Ra": 100.0\n    ],')
    err = syntax_error(text, "86_C2_center.param")
    assert (err.filename, err.line, err.column) == ("86_C2_center.param", 8, 5)
    assert err.reason.startswith("expected ',' or '}' after value, found ']'")
    assert str(err).startswith("86_C2_center.param:8:5: expected ',' or '}' after value, found ']'")
    assert "'{' opened at line 6, column 13" in str(err)
    assert isinstance(err, LegacyFormatError) and isinstance(err, ValueError)


def test_unterminated_string() -> None:
    err = syntax_error(BROKEN.replace('"name": "test",', '"name": "test,'))
    assert (err.line, err.column) == (3, 13)
    assert "unterminated string literal" in err.reason
    err = syntax_error('{\n  "a": """never\nclosed\n}\n')
    assert (err.line, err.column) == (2, 8)
    assert "unterminated triple-quoted string literal" in err.reason


def test_missing_comma() -> None:
    err = syntax_error(BROKEN.replace('"name": "test",', '"name": "test"\n    "author": "me",'))
    assert (err.line, err.column) == (4, 5)
    assert err.reason == "expected ',' or '}' after value, found string \"author\" (missing ',' at the end of line 3?)"
    err = syntax_error(BROKEN.replace('"info": {\n    "name": "test",\n  },', '"info": {},\n  "x": 1'))
    assert (err.line, err.column) == (4, 3)
    assert "missing ',' at the end of line 3?" in err.reason
    err = syntax_error("[1, 2 3]")
    assert (err.line, err.column) == (1, 7)
    assert err.reason == "expected ',' or ']' after value, found number 3"


def test_unbalanced_braces() -> None:
    err = syntax_error(BROKEN.rstrip().removesuffix("}"))
    assert err.line == 9  # just after the last token
    assert "found end of input" in err.reason
    assert "'{' opened at line 1, column 1 was never closed" in err.reason
    err = syntax_error(BROKEN + "}\n")
    assert (err.line, err.column) == (11, 1)
    assert err.reason == "expected end of input after the top-level value, found '}'"
    err = syntax_error("{\n 'a': [1, 2}\n}")
    assert (err.line, err.column) == (2, 12)
    assert "'[' opened at line 2, column 7 is still open" in err.reason


def test_code_is_rejected() -> None:
    text = BROKEN.replace("100.0", "eval('__import__(\"os\").system(\"true\")')")
    err = syntax_error(text)
    assert (err.line, err.column) == (7, 13)
    assert err.reason.startswith("expected a value, found name 'eval'")
    assert "not executed" in err.reason
    for code in ["1 + 2", "-(1)", "[x for x in y]", "{1, 2}", "b'bytes'", "f'{x}'", "inf", "nan", '"a" "b"']:
        syntax_error(code)


def test_other_errors() -> None:
    assert "leading zeros" in syntax_error("[007]").reason
    assert "truncated" in syntax_error(r'"\x4"').reason
    assert "illegal Unicode" in syntax_error(r'"\U00110000"').reason
    assert "unknown Unicode character name" in syntax_error(r'"\N{NO SUCH NAME}"').reason
    err = syntax_error('{\n"a": "ok \\q \\xZZ"}')
    assert (err.line, err.column) == (2, 13)
    assert syntax_error("").reason == "expected a value, found end of input"
    assert syntax_error("{'a': }").reason == "expected a value, found '}'"
    assert syntax_error("{'a' 1}").reason == "expected ':' after dict key, found number 1"
    assert syntax_error("{[1]: 1}").reason.startswith("expected a dict key")
    assert syntax_error("[\x00]").reason == "expected a value or ']', found character '\\x00'"


def test_error_pickles() -> None:
    err = syntax_error("[1 2]", "x.param")
    copy = pickle.loads(pickle.dumps(err))
    assert (copy.reason, copy.filename, copy.line, copy.column) == (err.reason, err.filename, err.line, err.column)
    assert str(copy) == str(err)


# ---------------------------------------------------------------------------
# Robustness (hypothesis)

SAMPLE = """\

{\t
\t"info":
\t{
\t\t"name":\t\t"hay_2011", 
\t\t'author':\t'regger',
\t},
  "network": {
    "L2": {
      "celltype": "spiketrain",
      "intervals": [(0.0, 1.0), (2.0, 3.0), (-1, +2e-5)],
      "probabilities": [0.0043, .5, 5., 1E3],
      "weights": (0.5,),
      "empty": (),
      "flags": [True, False, None],
      "note": "tab\\there \\"quoted\\" \\u00e9",
    },
  },
  # a comment
}

"""
SEED_TEXTS = [SAMPLE] + [p.read_text(encoding="utf-8") for p in SHARED_FILES if p.stat().st_size < 3000]
MUTATION_CHARS = st.sampled_from(list("{}[](),:'\"#\\\n\r\t -+._0123456789eExXuUrNabtnNone")) | st.characters()


def check_parse_contract(text: str) -> None:
    """``parse_param`` either returns a value Python would also give, or raises a well-placed ParamSyntaxError."""
    try:
        value = parse_param(text)
    except ParamSyntaxError as err:
        assert_position_inside(err, text)
        return
    if "\x00" in text or text.startswith("\ufeff"):
        return  # Python refuses NUL characters and a BOM in source text
    # Parentheses neutralise Python's top-level indentation rules, which do
    # not apply to our reader.
    assert strict_equal(value, literal_eval("(" + text + "\n)"))


@given(st.text())
@example("")
@example("{'a': [1, (2,)], 'b': 'x'}")
@example("\r")
@example("\U00016ac0")  # a Unicode digit: Python source accepts ASCII digits only
@example("[\r")
def test_arbitrary_text(text: str) -> None:
    check_parse_contract(text)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(SEED_TEXTS),
    st.lists(
        st.tuples(st.booleans(), st.integers(min_value=0), st.integers(min_value=1, max_value=4), MUTATION_CHARS),
        min_size=1,
        max_size=6,
    ),
)
def test_mutated_real_text(seed: str, edits: list[tuple[bool, int, int, str]]) -> None:
    text = seed
    for delete, where, length, char in edits:
        where %= len(text) + 1
        text = text[:where] + text[where + length :] if delete else text[:where] + char + text[where:]
    check_parse_contract(text)


# Values of the grammar
scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
values = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4)
    | st.lists(children, max_size=4).map(tuple)
    | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=25,
)


@given(values)
@example({"a": float("inf"), "b": -float("inf"), "c": -0.0})
@example({"q": "\"'\\\n\r\t\x00\x7f\u2028\ud800\U0001F600 é"})
@example({"": {"": {}}, "t": ((), (1,), [()], ({},))})
@example({1: "int key", 2.5: None, None: True, False: 0})
def test_format_round_trip(value: Any) -> None:
    text = format_param(value)
    assert text.endswith("\n")
    assert strict_equal(parse_param(text), value)


@given(st.dictionaries(st.text(), values, min_size=1, max_size=4))
def test_format_is_legacy_style(value: dict[str, Any]) -> None:
    lines = format_param(value).splitlines()
    assert lines[0] == "{" and lines[-1] == "}"
    for line in lines[1:-1]:
        indent = len(line) - len(line.lstrip(" "))
        assert indent % 2 == 0 and indent >= 2
        assert line.lstrip(" ").startswith(('"', "}"))
        assert line.endswith((",", "{"))


@st.composite
def styled_source(draw: st.DrawFn) -> tuple[Any, str]:
    """A value and a hand-written-looking literal for it (random quotes, spacing, comments, trailing commas)."""
    value = draw(values)
    space = st.sampled_from(["", " ", "\t", "\n", "\r\n", "  \n\t", " # comment\n", "\\\n"])

    def render(v: Any) -> str:
        gap = lambda: draw(space)  # noqa: E731
        if isinstance(v, str):
            style = draw(st.sampled_from(["repr", "double", "triple", "u"]))
            if style == "double" or (style == "triple" and v.endswith('"')):
                return json.dumps(v, ensure_ascii=False)
            if style == "triple":
                body = v.replace("\\", "\\\\").replace('"""', '\\"""').replace("\r", "\\r").replace("\x00", "\\x00")
                return '"""' + body + '"""'
            return ("u" if style == "u" else "") + repr(v)
        if isinstance(v, bool) or v is None:
            return repr(v)
        if isinstance(v, int):
            return draw(st.sampled_from([repr(v), hex(v), ("+" if v >= 0 else "") + repr(v)]))
        if isinstance(v, float):
            return repr(v)
        if isinstance(v, dict):
            items = [f"{gap()}{render(k)}{gap()}:{gap()}{render(x)}{gap()}" for k, x in v.items()]
            trailing = "," if items and draw(st.booleans()) else ""
            return "{" + ",".join(items) + trailing + gap() + "}"
        items = [f"{gap()}{render(x)}{gap()}" for x in v]
        if isinstance(v, tuple):
            trailing = "," if len(items) == 1 or (items and draw(st.booleans())) else ""
            return "(" + ",".join(items) + trailing + gap() + ")"
        trailing = "," if items and draw(st.booleans()) else ""
        return "[" + ",".join(items) + trailing + gap() + "]"

    return value, draw(space) + render(value) + draw(space)


@given(styled_source())
def test_styled_source_matches_literal_eval(case: tuple[Any, str]) -> None:
    value, text = case
    assert strict_equal(literal_eval("(" + text + "\n)"), value)  # the generator itself is right
    assert strict_equal(parse_param(text), value)


# ---------------------------------------------------------------------------
# Writing


def test_format_layout() -> None:
    value = {"info": {"name": "x"}, "empty": {}, "list": [1, 2.0, (0.0, 1.0)], "one": (1,), "n": None}
    assert format_param(value) == (
        "{\n"
        '  "info": {\n'
        '    "name": "x",\n'
        "  },\n"
        '  "empty": {},\n'
        '  "list": [1, 2.0, (0.0, 1.0)],\n'
        '  "one": (1,),\n'
        '  "n": None,\n'
        "}\n"
    )
    assert format_param({}) == "{}\n"
    assert format_param([{"a": 1}]) == '[{"a": 1}]\n'


def test_format_plain_counterparts() -> None:
    import collections
    import enum

    np = pytest.importorskip("numpy")

    class Level(enum.IntEnum):
        HIGH = 3

    value = {
        "np": [np.float64(0.1), np.int64(7), np.float32(0.5)],
        "enum": Level.HIGH,
        "ordered": collections.OrderedDict(a=1),
    }
    assert strict_equal(parse_param(format_param(value)), {"np": [0.1, 7, 0.5], "enum": 3, "ordered": {"a": 1}})


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"neuron": {"Soma": {"properties": {"Ra": {1, 2}}}}}, "neuron.Soma.properties.Ra"),
        ({"a": [1, 2, {"b": object()}]}, "a[2].b"),
        ({"a": (1, float("nan"))}, "a[1]"),
        ({"a": {(1, 2): 3}}, "a[(1, 2)]"),
        (b"bytes", "<top level>"),
    ],
)
def test_format_rejects_with_key_path(value: Any, path: str) -> None:
    with pytest.raises(TypeError, match=re.escape(f"cannot write {path} to a .param file")):
        format_param(value)


def test_format_rejects_cycles_and_deep_nesting() -> None:
    cycle: dict[str, Any] = {}
    cycle["self"] = cycle
    with pytest.raises(TypeError, match="deeper than"):
        format_param(cycle)
    deep: list[Any] = []
    for _ in range(MAX_DEPTH):
        deep = [deep]
    with pytest.raises(TypeError, match="deeper than"):
        format_param(deep)
    assert parse_param(format_param(deep[0])) == deep[0]


def test_write_and_read(tmp_path: Path) -> None:
    value = {"info": {"name": "ü"}, "x": (1, 2.5)}
    path = tmp_path / "cell.param"
    write_param(value, path)
    assert path.read_text(encoding="utf-8") == format_param(value)
    assert strict_equal(read_param(path), value)
    assert strict_equal(read_param(str(path)), value)
    assert os.listdir(tmp_path) == ["cell.param"]


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "cell.param"
    path.write_text("{'old': 1}\n", encoding="utf-8")

    def broken_replace(src: Any, dst: Any) -> None:
        raise OSError("disk on fire")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk on fire"):
        write_param({"new": 2}, path)
    assert path.read_text(encoding="utf-8") == "{'old': 1}\n"
    assert os.listdir(tmp_path) == ["cell.param"]

    monkeypatch.undo()
    with pytest.raises(TypeError):
        write_param({"new": {1, 2}}, path)
    assert path.read_text(encoding="utf-8") == "{'old': 1}\n"
    assert os.listdir(tmp_path) == ["cell.param"]


def test_read_errors_name_the_file(tmp_path: Path) -> None:
    missing = tmp_path / "missing.param"
    with pytest.raises(FileNotFoundError, match=re.escape(str(missing))):
        read_param(missing)
    bad = tmp_path / "bad.param"
    bad.write_text("{\n  'a': 1\n  'b': 2,\n}\n", encoding="utf-8")
    with pytest.raises(ParamSyntaxError) as info:
        read_param(bad)
    assert info.value.filename == str(bad)
    assert str(info.value).startswith(f"{bad}:3:3: expected ',' or '}}' after value")


def test_read_encodings(tmp_path: Path) -> None:
    latin = tmp_path / "latin.param"
    latin.write_bytes("{'author': 'Jürgen'}".encode("latin-1"))
    assert read_param(latin) == {"author": "Jürgen"}
    bom = tmp_path / "bom.param"
    bom.write_bytes("{'author': 'Jürgen'}".encode("utf-8-sig"))
    assert read_param(bom) == {"author": "Jürgen"}
