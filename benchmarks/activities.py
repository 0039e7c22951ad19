"""Drawing one C2 trial's input with each point-cell activity in place of the Poisson ongoing activity.

The shipped C2 network (``isf.data.network_c2``, cell 86) is read once; for every activity type of
LEGACY_FORMATS §4.4 each population's ``spiketrain`` generator is replaced by that type (at the same
mean rate where the type has a rate), and ``realize_input`` draws the whole trial (activity, Bernoulli
release, weights). Types are timed alternately in one process (median of ``--reps`` rounds) and
compared with the Poisson original as a ratio (target ≤ 2). Prints a table and ``RESULT {json}`` with
``realize_s`` and ``realize_ratio_vs_poisson`` per type.

    python benchmarks/activities.py [--reps 7] [--tstop-ms 300]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import Any

import attrs

from _common import median, timed

import isf
from isf.data import cell86, network_c2
from isf.model.activity import (
    Activity,
    LogNormalSpike,
    NormalSpike,
    Poisson,
    PoissonTrainModulated,
    PSTHAbsoluteNumber,
    PSTHPoissonTrain,
    PSTHPoissonTrainV2,
    UniformSpike,
)
from isf.model.network import Network
from isf.model.trial_input import realize_input, trial_rng


def replacement(kind: str, poisson: Poisson, n_cells: int, tstop_ms: float) -> Any:
    """The generator of type ``kind`` standing in for ``poisson`` (same mean rate where it has one)."""
    rate = 1000.0 / poisson.interval_ms
    return {
        "poisson": poisson,
        "normal": NormalSpike(0.5, 50.0, 10.0, 100.0),
        "uniform": UniformSpike(0.5, 100.0, 100.0),
        "lognormal": LogNormalSpike(0.5, 3.0, 0.5, 100.0),
        "PSTH_absolute_number": PSTHAbsoluteNumber([(0.0, 10.0), (10.0, 20.0)], [n_cells // 2, n_cells // 4], 100.0),
        "PSTH_poissontrain": PSTHPoissonTrain([(0.0, tstop_ms / 2), (tstop_ms / 2, tstop_ms)], [rate, rate]),
        "PSTH_poissontrain_v2": PSTHPoissonTrainV2([0.0, tstop_ms / 3, tstop_ms], [rate, rate]),
        "poissontrain_modulated": PoissonTrainModulated(rate, rate, 0.5, 10.0, 5.0, "uniform", offset_ms=100.0),
    }[kind]


def network_with(network: Network, kind: str, tstop_ms: float) -> Network:
    """``network`` with every Poisson generator replaced by type ``kind``."""
    pops = []
    for pop in network.populations:
        components = tuple(replacement(kind, c, pop.cell_count, tstop_ms) if isinstance(c, Poisson) else c
                           for c in pop.activity.components)
        pops.append(attrs.evolve(pop, activity=Activity(components)))
    return Network(tuple(pops), network.modifiers)


KINDS = ("poisson", "normal", "uniform", "lognormal", "PSTH_absolute_number", "PSTH_poissontrain",
         "PSTH_poissontrain_v2", "poissontrain_modulated")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reps", type=int, default=7, help="timing rounds (median reported)")
    parser.add_argument("--tstop-ms", type=float, default=300.0, help="trial length, ms")
    args = parser.parse_args()
    cell = isf.read_cell_param(cell86("86_C2_center.param")).cell
    network = isf.read_network_param(network_c2("network.param"), cell.morphology,
                                     search_roots=[network_c2()]).network
    networks = {kind: network_with(network, kind, args.tstop_ms) for kind in KINDS}
    times: dict[str, list[float]] = {k: [] for k in KINDS}
    spikes: dict[str, int] = {}
    load_before = os.getloadavg()[0]
    for rep in range(args.reps):
        for kind in KINDS:  # alternate types so that load changes hit all alike
            seconds, trial = timed(lambda: realize_input(networks[kind], args.tstop_ms, trial_rng(1, rep)))
            times[kind].append(seconds)
            spikes[kind] = sum(int(p.presynaptic_counts.sum()) for p in trial.populations)
    load_after = os.getloadavg()[0]
    realize = {k: median(v) for k, v in times.items()}
    ratio = {k: realize[k] / realize["poisson"] for k in KINDS}
    print(f"C2 network: {len(network.populations)} populations, "
          f"{sum(p.cell_count for p in network.populations)} presynaptic cells, tstop {args.tstop_ms:g} ms, "
          f"median of {args.reps} rounds")
    print(f"{'activity (replacing spiketrain)':34s} {'realize (ms)':>12s} {'vs Poisson':>10s} {'presyn. spikes':>15s}")
    for kind in KINDS:
        print(f"{kind:34s} {1000 * realize[kind]:12.1f} {ratio[kind]:10.2f} {spikes[kind]:15d}")
    cpus = os.cpu_count() or 1
    if max(load_before, load_after) > 0.8 * cpus:
        print(f"note: machine load {load_before:.1f} → {load_after:.1f} on {cpus} cores; absolute times are "
              "disturbed, the ratios less so (types alternate)")
    worst = max(ratio, key=ratio.__getitem__)
    print(f"slowest relative to Poisson: {worst} ({ratio[worst]:.2f}; target ≤ 2)")
    print("RESULT " + json.dumps({"realize_s": {k: round(v, 5) for k, v in realize.items()},
                                  "realize_ratio_vs_poisson": {k: round(v, 3) for k, v in ratio.items()}}))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
