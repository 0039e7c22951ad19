"""The fan-out settings value: validated at construction; one batch-size rule; map_unordered keeps positions."""

from __future__ import annotations

import pickle

import pytest

from isf.backends.parallel import BACKENDS, Parallel, default_batch_size, map_unordered
from isf.errors import ModelValueError


def test_defaults_and_backends() -> None:
    parallel = Parallel()
    assert (parallel.backend, parallel.workers, parallel.batch_size, parallel.progress) == ("loky", 2, None, True)
    assert BACKENDS == ("loky", "dask", "sequential")
    assert Parallel(workers=1).in_process and Parallel(backend="sequential", workers=4).in_process
    assert not Parallel().in_process and not Parallel(backend="dask").in_process


@pytest.mark.parametrize(
    ("kwargs", "field", "allowed"),
    [
        ({"workers": 0}, "workers", "an integer >= 1"),
        ({"workers": 2.0}, "workers", "an integer >= 1"),
        ({"workers": True}, "workers", "an integer >= 1"),
        ({"batch_size": 0}, "batch_size", "an integer >= 1"),
        ({"backend": "threads"}, "backend", "one of 'loky', 'dask', 'sequential'"),
        ({"backend": "mpi"}, "backend", "one of 'loky', 'dask', 'sequential'"),
        ({"progress": "yes"}, "progress", "True or False"),
    ],
)
def test_bad_values_fail_at_construction(kwargs: dict[str, object], field: str, allowed: str) -> None:
    with pytest.raises(ModelValueError) as info:
        Parallel(**kwargs)  # type: ignore[arg-type]
    error = info.value
    assert isinstance(error, ValueError)
    assert (error.owner, error.field, error.value, error.allowed) == ("Parallel", field, kwargs[field], allowed)
    assert f"Parallel.{field} = {kwargs[field]!r}" in str(error)


def test_dask_client_is_neither_compared_nor_shown() -> None:
    client = object()
    assert Parallel(dask_client=client) == Parallel()
    assert hash(Parallel(dask_client=client)) == hash(Parallel())
    assert "dask_client" not in repr(Parallel(dask_client=client))
    assert pickle.loads(pickle.dumps(Parallel(workers=3))) == Parallel(workers=3)


def test_one_batch_size_rule() -> None:
    assert default_batch_size(50, 2) == 7  # about four tasks per worker
    assert default_batch_size(400, 2) == 50
    assert default_batch_size(10_000, 2) == 64  # progress stays live
    assert default_batch_size(3, 4) == 1
    assert default_batch_size(8, 2) == 1
    assert Parallel(workers=2).batch_size_for(400) == 50
    assert Parallel(workers=2, batch_size=3).batch_size_for(400) == 3
    assert Parallel(backend="sequential").batch_size_for(400) == 64


def _scaled(factor: int, item: int) -> int:
    return factor * item


@pytest.mark.parametrize("parallel", [Parallel(backend="sequential"), Parallel(workers=2, batch_size=2)])
def test_map_unordered_yields_every_position_once(parallel: Parallel) -> None:
    items = list(range(7))
    got = dict(map_unordered(_scaled, 3, items, parallel))
    assert got == {pos: 3 * item for pos, item in enumerate(items)}
    assert list(map_unordered(_scaled, 3, [], parallel)) == []


_KEPT: list[str] = []


def _keep(tag: str, item: int) -> list[str]:
    """A task that leaves state in its worker, registered for release (as the trial runner's cells)."""
    from isf.backends import parallel

    parallel.register_worker_cache(_KEPT.clear)
    _KEPT.append(tag)
    return sorted(set(_KEPT))


def test_a_worker_keeps_one_fan_outs_state_at_a_time() -> None:
    # loky reuses its worker processes across calls: the second call must not see the first's state
    workers = Parallel(workers=2, batch_size=1)
    first = dict(map_unordered(_keep, "first", list(range(4)), workers))
    second = dict(map_unordered(_keep, "second", list(range(4)), workers))
    assert all(kept == ["first"] for kept in first.values())
    assert all(kept == ["second"] for kept in second.values())
