"""Legacy simrun text files: synapse activations, presynaptic spikes, traces (LEGACY_FORMATS §5.4, §5.5, §7.2)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from isf.dsl.simrun_files import (
    ACTIVATION_COLUMNS,
    PRESYNAPTIC_COLUMNS,
    format_presynaptic_spikes,
    format_synapse_activations,
    format_trace_table,
    parse_presynaptic_spikes,
    parse_synapse_activations,
    parse_trace_table,
    read_presynaptic_spike_file,
    read_synapse_activation_file,
    read_trace_file,
    write_presynaptic_spike_file,
    write_synapse_activation_file,
    write_trace_file,
)
from isf.errors import LegacyFormatError

FOLDER = Path("legacy_simrun/C2_evoked_UpState_INH_PW_1.0_SuW_0.5_C2center/20150815-1530_20240")


@pytest.fixture(scope="module")
def simrun_dir(shared_data: Path) -> Path:
    return shared_data / FOLDER


# ------------------------------------------------------------------------------------------ real files


@pytest.mark.shared
@pytest.mark.parametrize("run", [0, 1])
def test_real_synapse_file_reads_and_writes_back_byte_identical(simrun_dir: Path, run: int, tmp_path: Path) -> None:
    path = simrun_dir / f"simulation_run{run:04d}_synapses.csv"
    cols = read_synapse_activation_file(path)
    assert set(cols) == set(ACTIVATION_COLUMNS)
    n_times = sum(line.count(",") for line in path.read_text().splitlines()[1:])
    assert cols["time_ms"].shape == (n_times,)
    assert cols["synapse_id"].dtype == np.int64 and cols["time_ms"].dtype == np.float64
    assert set(cols["label"]) <= {"ApicalDendrite", "Dendrite", "Soma"}
    if run == 0:  # first data row: L1_C1 19 1539.71545505 50 80 ApicalDendrite 14.3144635349,
        assert [cols[c][0] for c in ACTIVATION_COLUMNS] == [
            "L1_C1", 19, 1539.71545505, 50, 80, "ApicalDendrite", 14.3144635349]
    out = tmp_path / path.name
    write_synapse_activation_file(out, cols)
    assert out.read_bytes() == path.read_bytes()


@pytest.mark.shared
@pytest.mark.parametrize("run", [0, 1])
def test_real_presynaptic_file_reads_and_writes_back_byte_identical(simrun_dir: Path, run: int,
                                                                     tmp_path: Path) -> None:
    path = simrun_dir / f"simulation_run{run:04d}_presynaptic_cells.csv"
    cols = read_presynaptic_spike_file(path)
    assert set(cols) == set(PRESYNAPTIC_COLUMNS)
    if run == 0:  # L1_B1 0 66.1219815159, / L1_B1 6 174.863960609,281.277497845,
        assert cols["population"][:3].tolist() == ["L1_B1"] * 3
        assert cols["cell_id"][:3].tolist() == [0, 6, 6]
        assert cols["time_ms"][:3].tolist() == [66.1219815159, 174.863960609, 281.277497845]
    out = tmp_path / path.name
    write_presynaptic_spike_file(out, cols)
    assert out.read_bytes() == path.read_bytes()


@pytest.mark.shared
def test_real_trace_files(simrun_dir: Path, tmp_path: Path) -> None:
    for path in sorted(simrun_dir.glob("*traces.csv")):
        table = read_trace_file(path)
        assert table.runs == (0, 1, 2, 3, 4, 5)
        assert table.labels[0] == "Vm run 00"
        assert table.values.shape == (6, 9802)
        assert table.t_ms[0] == 100.0 and table.t_ms[1] == 100.025 and table.t_ms[-1] == 345.025
        assert np.array_equal(table.values, parse_trace_table(path.read_text(), path).values)
        out = tmp_path / path.name
        write_trace_file(out, table.t_ms, table.values, table.runs)
        assert out.read_bytes() == path.read_bytes()
    soma = read_trace_file(simrun_dir / "20240_vm_all_traces.csv")
    assert soma.values[0, 0] == -61.4607218758 and soma.values[5, 0] == -64.4992979401


@pytest.mark.shared
def test_old_six_column_variant_of_a_real_file(simrun_dir: Path) -> None:
    path = simrun_dir / "simulation_run0000_synapses.csv"
    lines = path.read_text().splitlines()
    old = "\n".join(["# old header", *("\t".join(f[:1] + f[2:]) for f in (ln.split("\t") for ln in lines[1:]))])
    new_cols = read_synapse_activation_file(path)
    old_cols = parse_synapse_activations(old)
    assert np.all(old_cols["synapse_id"] == -1)
    for c in ACTIVATION_COLUMNS:
        if c != "synapse_id":
            assert np.array_equal(old_cols[c], new_cols[c]), c


# ------------------------------------------------------------------------------------------ layout details


def test_writer_orders_types_ids_and_times_and_uses_repr() -> None:
    cols = {
        "population": np.array(["b_X", "a_Y", "b_X", "B_Z", "b_X"], dtype=object),
        "synapse_id": np.array([10, 3, 2, 1, 10]),
        "soma_distance_um": np.array([5.5, 1.0, 0.1 + 0.2, 7.0, 5.5]),
        "section_id": np.array([4, 1, 2, 3, 4]),
        "section_pt_id": np.array([0, 0, 1, 2, 0]),
        "label": np.array(["Dendrite", "Soma", "ApicalDendrite", "Dendrite", "Dendrite"], dtype=object),
        "time_ms": np.array([20.0, 1.5, 3.0, 2.0, 10.0]),
    }
    text = format_synapse_activations(cols)
    assert text == (
        "# synapse type\tsynapse ID\tsoma distance\tsection ID\tsection pt ID\tdendrite label\tactivation times\n"
        "B_Z\t1\t7.0\t3\t2\tDendrite\t2.0,\n"
        "a_Y\t3\t1.0\t1\t0\tSoma\t1.5,\n"
        "b_X\t2\t0.30000000000000004\t2\t1\tApicalDendrite\t3.0,\n"
        "b_X\t10\t5.5\t4\t0\tDendrite\t10.0,20.0,\n"
    )
    assert format_synapse_activations(cols, old_format=True).splitlines()[4] == "b_X\t5.5\t4\t0\tDendrite\t10.0,20.0,"
    pre = {"population": np.array(["L2_C2", "L1_C2", "L2_C2"], dtype=object), "cell_id": np.array([3, 7, 3]),
           "time_ms": np.array([9.0, 1.0, 2.25])}
    assert format_presynaptic_spikes(pre) == (
        "# presynaptic cell type\tcell ID\tspike times\nL1_C2\t7\t1.0,\nL2_C2\t3\t2.25,9.0,\n")
    assert format_trace_table([0.0, 0.025], [[-65.0, -64.5]], runs=[3]) == "t\tVm run 03\n0.0\t-65.0\n0.025\t-64.5\n"


def test_writer_refuses_two_locations_for_one_synapse_and_bad_names() -> None:
    cols = {"population": np.array(["L5_C2", "L5_C2"], dtype=object), "synapse_id": np.array([1, 1]),
            "soma_distance_um": np.array([1.0, 2.0]), "section_id": np.array([1, 1]),
            "section_pt_id": np.array([0, 0]), "label": np.array(["Soma", "Soma"], dtype=object),
            "time_ms": np.array([1.0, 2.0])}
    with pytest.raises(ValueError, match="different locations"):
        format_synapse_activations(cols)
    cols["soma_distance_um"] = np.array([1.0, 1.0])
    cols["population"] = np.array(["L5\tC2", "L5\tC2"], dtype=object)
    with pytest.raises(ValueError, match="cannot be written"):
        format_synapse_activations(cols)
    with pytest.raises(ValueError, match="missing column"):
        format_presynaptic_spikes({"population": np.array(["a"]), "time_ms": np.array([1.0])})


def test_readers_accept_legacy_variations() -> None:
    # no trailing comma, CRLF, empty times (cells without spikes as in ISF's docstring), blank lines
    text = "# h\r\nL1_C2\t3\t1.5,2.5\r\nL1_C2\t4\t\r\n\r\nL1_C2\t5\r\n"
    cols = parse_presynaptic_spikes(text)
    assert cols["cell_id"].tolist() == [3, 3] and cols["time_ms"].tolist() == [1.5, 2.5]
    syn = parse_synapse_activations("L1_C2\t0\t1.0\t2\t3\tSoma\t\nL1_C2\t1\t1.0\t2\t3\tSoma\t4.0,\n")
    assert syn["synapse_id"].tolist() == [1]
    assert parse_trace_table("t\tVm run 00\tVm run 10\n").values.shape == (2, 0)


@pytest.mark.parametrize(("text", "line", "message"), [
    # 6 fields = the old variant, whose 3rd field is the section ID
    ("# h\nL1_C2\t0\t1.0\t2\t3\tSoma\n", 2, "section ID: '1.0' is not an integer"),
    ("# h\nL1_C2\t0\t1.0\t2\t3\n", 2, "5 tab-separated fields"),
    ("# h\nL1_C2\tx\t1.0\t2\t3\tSoma\t1.0,\n", 2, "synapse ID: 'x' is not an integer"),
    ("# h\nL1_C2\t0\t1.0\t2\t3\tSoma\t1.0,zz,\n", 2, "'zz' is not a number"),
    ("# h\nL1_C2\t0\t1.0\t2\t3\tSoma\t1.0,\nL1_C2\t1.0\t2\t3\tSoma\t1.0,\n", 3, "mixed old"),
])
def test_synapse_file_errors_name_the_line(text: str, line: int, message: str, tmp_path: Path) -> None:
    path = tmp_path / "simulation_run0000_synapses.csv"
    path.write_text(text)
    with pytest.raises(LegacyFormatError, match=message) as info:
        read_synapse_activation_file(path)
    assert info.value.line == line and info.value.filename == str(path)
    assert f"{path}:{line}" in str(info.value)


def test_presynaptic_file_errors_name_the_line(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text("# h\nL1_C2\t0\t1.0,\nL1_C2\tone\t2.0,\n")
    with pytest.raises(LegacyFormatError, match="cell ID") as info:
        read_presynaptic_spike_file(path)
    assert info.value.line == 3
    path.write_text("# h\nL1_C2\t0\t1.0,\textra\n")
    with pytest.raises(LegacyFormatError, match="4 tab-separated") as info:
        read_presynaptic_spike_file(path)
    assert info.value.line == 2


@pytest.mark.parametrize(("text", "line", "message"), [
    ("time\tVm run 00\n0.0\t1.0\n", 1, "header starts with 'time'"),
    ("t\tVm 00\n0.0\t1.0\n", 1, "expected 'Vm run <number>'"),
    ("t\tVm run 00\tVm run 00\n0.0\t1.0\t2.0\n", 1, "twice"),
    ("t\tVm run 00\n0.0\t1.0\n0.1\t1.0\t3.0\n", 3, "3 tab-separated values"),
    ("t\tVm run 00\n0.0\t1.0\n0.1\tabc\n", 3, "'abc' is not a number"),
    ("t\tVm run 00\n0.0\t1.0\n0.1\n", 3, "1 tab-separated values"),
    ("", None, "empty file"),
])
def test_trace_file_errors_name_the_line(text: str, line: int | None, message: str, tmp_path: Path) -> None:
    path = tmp_path / "1_vm_all_traces.csv"
    path.write_text(text)
    with pytest.raises(LegacyFormatError, match=message) as info:
        read_trace_file(path)
    assert info.value.line == line and info.value.filename == str(path)


# ------------------------------------------------------------------------------------------ round trips

_names = st.text(alphabet="ABCDLSabcxyz0123456789_", min_size=1, max_size=12)
_floats = st.floats(allow_nan=False, allow_infinity=False, width=64)


@st.composite
def activation_columns(draw: st.DrawFn) -> dict[str, np.ndarray]:
    """Long-form columns of random synapses, each with a consistent location and >= 1 release."""
    synapses = draw(st.lists(st.tuples(_names, st.integers(0, 10**6)), unique=True, max_size=12))
    rows: list[tuple] = []
    for pop, sid in synapses:
        location = (draw(st.floats(0, 2000, allow_nan=False)), draw(st.integers(0, 500)), draw(st.integers(0, 99)),
                    draw(st.sampled_from(["Soma", "Dendrite", "ApicalDendrite", "AIS"])))
        rows.extend((pop, sid, *location, t) for t in draw(st.lists(_floats, min_size=1, max_size=5)))
    rows = draw(st.permutations(rows))
    return _columns(rows)


def _columns(rows: list[tuple]) -> dict[str, np.ndarray]:
    dtypes = (object, np.int64, np.float64, np.int64, np.int64, object, np.float64)
    return {c: np.array([r[i] for r in rows], dtype=d) for i, (c, d) in enumerate(zip(ACTIVATION_COLUMNS, dtypes))}


def _canonical(cols: dict[str, np.ndarray], keys: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame({c: list(v) for c, v in cols.items()})
    return frame.sort_values(keys, kind="stable").reset_index(drop=True)


@settings(max_examples=60, deadline=None)
@given(activation_columns())
def test_synapse_activation_round_trip(cols: dict[str, np.ndarray]) -> None:
    back = parse_synapse_activations(format_synapse_activations(cols))
    assert {c: v.dtype for c, v in back.items()} == {c: np.dtype(d) for c, d in zip(
        ACTIVATION_COLUMNS, (object, np.int64, np.float64, np.int64, np.int64, object, np.float64))}
    keys = ["population", "synapse_id", "time_ms"]
    pd.testing.assert_frame_equal(_canonical(back, keys), _canonical(cols, keys))
    # written in canonical order already: reading gives the sorted rows as they are
    pd.testing.assert_frame_equal(_canonical(back, keys), pd.DataFrame({c: list(v) for c, v in back.items()}))
    # the text is a fixed point
    assert format_synapse_activations(back) == format_synapse_activations(cols)


@settings(max_examples=40, deadline=None)
@given(activation_columns())
def test_old_format_round_trip(cols: dict[str, np.ndarray]) -> None:
    back = parse_synapse_activations(format_synapse_activations(cols, old_format=True))
    assert np.all(back["synapse_id"] == -1)
    keys = ["population", "section_id", "section_pt_id", "soma_distance_um", "label", "time_ms"]
    rest = [c for c in ACTIVATION_COLUMNS if c != "synapse_id"]
    pd.testing.assert_frame_equal(_canonical({c: back[c] for c in rest}, keys),
                                  _canonical({c: cols[c] for c in rest}, keys))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_names, st.integers(0, 10**5), _floats), max_size=40))
def test_presynaptic_round_trip(rows: list[tuple[str, int, float]]) -> None:
    cols = {"population": np.array([r[0] for r in rows], dtype=object),
            "cell_id": np.array([r[1] for r in rows], dtype=np.int64),
            "time_ms": np.array([r[2] for r in rows], dtype=np.float64)}
    back = parse_presynaptic_spikes(format_presynaptic_spikes(cols))
    keys = ["population", "cell_id", "time_ms"]
    pd.testing.assert_frame_equal(_canonical(back, keys), _canonical(cols, keys))


@settings(max_examples=40, deadline=None)
@given(data=st.integers(0, 5).flatmap(lambda n_runs: st.tuples(
    st.lists(_floats, max_size=30).flatmap(lambda t: st.tuples(
        st.just(t), st.lists(st.lists(_floats, min_size=len(t), max_size=len(t)), min_size=n_runs,
                             max_size=n_runs))),
    st.lists(st.integers(0, 2000), min_size=n_runs, max_size=n_runs, unique=True))))
def test_trace_round_trip(data: tuple, tmp_path_factory: pytest.TempPathFactory) -> None:
    (t, values), runs = data
    values_array = np.array(values, dtype=np.float64).reshape(len(runs), len(t))
    path = tmp_path_factory.mktemp("traces") / "x_vm_all_traces.csv"
    write_trace_file(path, t, values_array, runs)
    back = read_trace_file(path)
    assert back.runs == tuple(runs)
    assert np.array_equal(back.t_ms, np.array(t, dtype=np.float64))
    assert back.values.shape == values_array.shape
    assert np.array_equal(back.values, values_array)
    # the signs of zeros survive too (repr writes -0.0)
    assert np.array_equal(np.signbit(back.values), np.signbit(values_array))
    text = parse_trace_table(path.read_text())
    assert np.array_equal(text.values, values_array)


def test_trace_writer_checks_shapes() -> None:
    with pytest.raises(ValueError, match="n_runs, n_samples"):
        format_trace_table([0.0, 1.0], [[1.0, 2.0, 3.0]])
    with pytest.raises(ValueError, match="distinct"):
        format_trace_table([0.0], [[1.0], [2.0]], runs=[1, 1])
