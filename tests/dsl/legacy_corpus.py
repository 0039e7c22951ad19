"""A corpus of synthetic legacy parameter files covering every key of LEGACY_FORMATS §3–4 (test helper).

:func:`network_corpus` / :func:`cell_corpus` give fixed files (every point-cell distribution, every
modifier, dynamic release, lognormal weights, every spatial distribution, every stimulus function);
the hypothesis strategies :data:`pointcell_specs` and :data:`modifier_specs` draw random ones.
Values are written as a user writes them (ints where ISF allows them, tuples for bins), so the round
trip is compared after :func:`normalise` (numbers as floats, tuples as lists).
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

OLD = "/old/machine/embedding/"
SYN_TEXT = ("# Synapse distribution file\n# corresponding to cell: tiny\n# Type - section - section.x\n\n"
            + "".join(f"{name}\t{1 + i % 2}\t{(i % 5) / 4}\n" for i in range(6)
                      for name in ("L5tt_C2", "L1_D1", "VPM_C2", "L2_B1", "L45Peak_C2"))
            + "L6cc_C2\t0\t0.5\n")
CON_TEXT = ("# Anatomical connectivity realization file; only valid with synapse realization:\n# e.syn\n"
            "# Type - cell ID - synapse ID\n\n"
            + "".join(f"{name}\t{i % 3}\t{i}\n" for i in range(6)
                      for name in ("L5tt_C2", "L1_D1", "VPM_C2", "L2_B1", "L45Peak_C2")))
GLU = {"threshold": 0.0, "delay": 0.5, "weight": [1.59, 1.2],
       "parameter": {"tau1": 26.0, "tau2": 2.0, "tau3": 2.0, "tau4": 0.1, "decayampa": 1.0, "decaynmda": 1.0,
                     "facilampa": 0.0, "facilnmda": 0.0, "e": 0.0, "taudampa": 200.0, "taudnmda": 200.0,
                     "taufampa": 200.0, "taufnmda": 200.0}}
GABA = {"threshold": 0.0, "delay": 0.0, "weight": 1.0, "weightDistribution": "lognormal",
        "parameter": {"decaytime": 20.0, "risetime": 1.0, "decaygaba": 1.0, "e": -80.0, "facilgaba": 0.0,
                      "taudgaba": 200.0, "taufgaba": 200.0}}
PROB = {"threshold": 0.0, "delay": 0.0, "weight": 0.7,
        "parameter": {"Use": 0.5, "Dep": 120.0, "Fac": 10.0, "tau_d_NMDA": 43.0, "gmax": 0.001, "mg": 1.0}}

#: One block per ``distribution`` of §4.4 (pointcell form).
POINTCELLS: dict[str, dict[str, Any]] = {
    "normal": {"distribution": "normal", "activeFrac": 0.4, "spikeT": 12, "spikeWidth": 2.0, "offset": 245.0},
    "uniform": {"distribution": "uniform", "activeFrac": 0.5, "window": 20.0, "offset": 245},
    "lognormal": {"distribution": "lognormal", "activeFrac": 0.5, "mu": 2.0, "sigma": 0.4, "offset": 245.0},
    "PSTH": {"distribution": "PSTH", "intervals": [(0.0, 1.0), (13.0, 14.0)], "probabilities": [0.02, -0.001],
             "offset": 245.0},
    "PSTH_absolute_number": {"distribution": "PSTH_absolute_number", "intervals": [(0, 5), (5, 10)],
                             "number_active_synapses": [3, 1], "offset": 245.0},
    "PSTH_poissontrain": {"distribution": "PSTH_poissontrain", "intervals": [(0.0, 100.0), (100.0, 200.0)],
                          "rates": [5.0, 0.0], "offset": 0.0},
    "PSTH_poissontrain_v2": {"distribution": "PSTH_poissontrain_v2", "bins": [0.0, 100.0, 250.0],
                             "rates": [5.0, 30.0], "offset": 0.0},
    "poissontrain_modulated": {"distribution": "poissontrain_modulated", "rate_before_t_offset": 2.0,
                               "mean_rate": 10.0, "max_modulation": 0.5, "modulation_frequency": 8.0,
                               "bin_size": 5.0, "phase_distribution": "normal", "mean_phase": 0.3,
                               "std_phase": 0.1, "offset": 100.0},
}
#: Every modifier function of §4.7 with all its arguments.
WIRING = {"silence_synapses_by_somadist": {"soma_dist_ranges": {"L5tt_C2": [0.0, 200.0]}},
          "silence_synapses_by_somadist_and_spike_source": {
              "soma_dist_ranges": {"L1_D1": [10.0, 500.0]}, "spike_sources": ["pointcell_PSTH", "poissontrain"]}}
PARAMETER = {
    "change_ongoing_interval": {"factor": 2.0, "pop": ["L5tt", "L1"]},
    "set_stim_onset": {"onset": 300.0},
    "change_glutamate_syn_weights": {"g_optimal": {"L5tt": 1.4, "VPM": {"AMPA": 1.0, "NMDA": 2.0}},
                                     "pop": ["L5tt", "VPM"]},
    "change_evoked_INH_scaling": {"factor": 0.5, "pop": ["L1", "L45Peak"]},
    "inactivate_evoked_activity_by_celltype_and_column": {"inact_celltypes": ["L2"], "inact_column": ["B1"]},
    "inactivate_evoked_and_ongoing_activity_by_celltype_and_column": {"inact_celltypes": ["L6cc"],
                                                                      "inact_column": ["S1"]},
    "multi_stimulus_trial": {"inter_stimulus_interval": 50.0, "stims": 2, "scale_factors": [1.0, 0.5],
                             "pop": ["L1"]},
}


def write_embedding(folder: Path) -> Path:
    """The ``.syn``/``.con`` files of the corpus (on the :func:`tiny_morphology`-like 3-section cell)."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "e.syn").write_text(SYN_TEXT)
    (folder / "e.con").write_text(CON_TEXT)
    return folder


def _files() -> dict[str, str]:
    return {"distributionFile": OLD + "e.syn", "connectionFile": OLD + "e.con"}


def population(activity: dict[str, Any], receptors: dict[str, Any], release: Any = 0.6,
               cell_nr: int = 5) -> dict[str, Any]:
    """A population block (``release=None`` leaves ``releaseProb`` out)."""
    synapses: dict[str, Any] = {"receptors": copy.deepcopy(receptors), **_files()}
    if release is not None:
        synapses["releaseProb"] = release
    return {**copy.deepcopy(activity), "synapses": synapses, "cellNr": cell_nr}


def network_corpus() -> dict[str, dict[str, Any]]:
    """Fixed network files: name → parsed dict. Together they use every key of §4."""
    files: dict[str, dict[str, Any]] = {}
    head = {"info": {"author": "corpus"}, "NMODL_mechanisms": {"synapses": "/", "VecStim": "/"}}
    for dist, spec in POINTCELLS.items():
        files[f"pointcell_{dist}"] = {**head, "network": {
            "L1_D1": population({"celltype": "pointcell", **spec}, {"gaba_syn": GABA}, 0.25),
            "L5tt_C2": population({"celltype": {"pointcell": spec, "spiketrain": {"interval": 283.3}}},
                                  {"glutamate_syn": GLU}, None),
        }}
    files["spiketrain_options"] = {**head, "network": {
        "L5tt_C2": population({"celltype": "spiketrain", "interval": 100.0, "noise": 0.5, "start": 10.0,
                               "nspikes": 4}, {"glutamate_syn": GLU}),
        "VPM_C2": population({"celltype": {"spiketrain": {"interval": 50.0}, "pointcell": POINTCELLS["PSTH"]}},
                             {"glutamate_syn": GLU}, 1.0),
    }}
    files["dynamic_release"] = {**head, "network": {
        "L5tt_C2": population({"celltype": "spiketrain", "interval": 100.0}, {"ProbAMPANMDA2": PROB}, "dynamic"),
        "L2_B1": population({"celltype": "spiketrain", "interval": 100.0},
                            {"ProbUDFsyn2": {**PROB, "parameter": {"Use": 0.3, "tau_r": 0.2, "tau_d": 8.0}}},
                            "dynamic"),
    }}
    files["modifiers"] = {**head, "network": {
        "L5tt_C2": population({"celltype": {"pointcell": POINTCELLS["PSTH"], "spiketrain": {"interval": 283.3}}},
                              {"glutamate_syn": GLU}),
        "L1_D1": population({"celltype": {"pointcell": POINTCELLS["PSTH"], "spiketrain": {"interval": 90.0}}},
                            {"gaba_syn": GABA}, 0.25),
        "VPM_C2": population({"celltype": "spiketrain", "interval": 300.0}, {"glutamate_syn": GLU}),
        "L6cc_C2": population({"celltype": "spiketrain", "interval": 300.0}, {"glutamate_syn": GLU}),
        "network_param_modify_functions": copy.deepcopy(PARAMETER),
        "network_modify_functions": copy.deepcopy(WIRING),
    }}
    return files


STIMULI = {"soma_current_injection": {"amplitude": 0.8, "delay": 100.0, "duration": 50.0},
           "apical_current_injection": {"amplitude": 0.2, "delay": 10.0, "duration": 5.0, "dist": 300.0},
           "apical_epsp_injection": {"dist": 250.0, "amplitude": 0.5, "delay": 300.0, "rise": 1.0, "decay": 5.0},
           "BAC_injection": {"dist": 400.0},
           "synaptic_input": {"network_param": "/old/n.param", "synapse_activation_file": "/old/s.csv",
                              "tStop": 300.0}}
_EXP = {"distance": "relative", "offset": -0.8696, "linScale": 2.087, "_lambda": 3.6161, "xOffset": 0.0}
#: Every ``spatial`` distribution of §3.4 with its keys (nominal RANGE values included).
DISTRIBUTIONS = {
    "pas": {"spatial": "uniform", "g": 3e-5, "e": -90.0},
    "Ih": {"spatial": "exponential", **_EXP, "gIhbar": 2e-4},
    "NaTa_t": {"spatial": "linear", "distance": "absolute", "slope": -0.001, "offset": 0.1, "gNaTa_tbar": 0.02},
    "SKv3_1": {"spatial": "linear_capped", "distance": "relative", "param_name": "gSKv3_1bar", "prox_value": 0.01,
               "dist_value": 0.001, "dist_value_distance": 0.5, "gSKv3_1bar": 0.004},
    "Im": {"spatial": "exponential_by_z_dist", **_EXP, "gImbar": 1e-4},
    "K_Pst": {"spatial": "capped_exponential", **_EXP, "max_g": 0.003, "gK_Pstbar": 0.001},
    "K_Tst": {"spatial": "sigmoid", "distance": "absolute", "offset": 0.1, "linScale": 1.0, "xOffset": 300.0,
              "width": 50.0, "gK_Tstbar": 0.01},
    "Ca_LVAst": {"spatial": "uniform_range", "begin": 900.0, "end": 1100.0, "outsidescale": 0.01,
                 "outsidescale_sections": [3, 4], "gCa_LVAstbar": 0.1},
}


def cell_corpus(hoc: str) -> dict[str, dict[str, Any]]:
    """Fixed cell files on the morphology ``hoc``: every §3 key (stimuli, distributions, spines, …)."""
    neuron = {
        "filename": hoc,
        "Soma": {"properties": {"Ra": 100.0, "cm": 1.0, "ions": {"ek": -85.0, "ena": 50.0}},
                 "mechanisms": {"global": {}, "range": {"pas": DISTRIBUTIONS["pas"]}}},
        "ApicalDendrite": {"properties": {"Ra": 100.0, "cm": 2.0, "spines": {"density": 1.0, "area": 1.2},
                                          "ek": -85.0},
                           "mechanisms": {"global": {}, "range": copy.deepcopy(DISTRIBUTIONS)}},
        "cell_modify_functions": {"scale_apical": {"scale": 1.5, "compartment": "Trunk"},
                                  "scale_apical_morph_86": {}, **copy.deepcopy(STIMULI)},
        "discretization": {"f": 100.0, "max_seg_length": 20.0},
    }
    return {"all_keys": {"info": {"name": "corpus"}, "NMODL_mechanisms": {"channels": "/"},
                         "mech_globals": {"Ih": {"ehcn": -45.0}}, "neuron": neuron,
                         "sim": {"Vinit": -75.0, "tStart": 0.0, "tStop": 300.0, "dt": 0.025, "T": 34.0,
                                 "recordingSites": []}}}


def normalise(value: Any) -> Any:
    """Numbers as floats, tuples as lists (the only differences a legacy round trip may show)."""
    if isinstance(value, dict):
        return {k: normalise(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [normalise(v) for v in value]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


_time = st.floats(0.0, 400.0, allow_nan=False)
_fraction = st.floats(0.0, 1.0, allow_nan=False)
_rate = st.floats(0.0, 200.0, allow_nan=False)


@st.composite
def _bins(draw: st.DrawFn) -> list[tuple[float, float]]:
    starts = draw(st.lists(_time, min_size=1, max_size=5))
    return [(t, t + draw(st.floats(0.0, 50.0, allow_nan=False))) for t in starts]


@st.composite
def pointcell_specs(draw: st.DrawFn) -> dict[str, Any]:
    """A random point-cell block of any §4.4 distribution."""
    dist = draw(st.sampled_from(sorted(POINTCELLS)))
    spec: dict[str, Any] = {"distribution": dist, "offset": draw(_time)}
    if dist in ("normal", "uniform", "lognormal"):
        spec["activeFrac"] = draw(_fraction)
        if dist == "normal":
            spec.update(spikeT=draw(_time), spikeWidth=draw(st.floats(0.0, 10.0)))
        elif dist == "uniform":
            spec["window"] = draw(st.floats(0.0, 100.0))
        else:
            spec.update(mu=draw(st.floats(-2.0, 4.0)), sigma=draw(st.floats(0.0, 2.0)))
    elif dist in ("PSTH", "PSTH_absolute_number", "PSTH_poissontrain"):
        bins = draw(_bins())
        spec["intervals"] = bins
        values = {"PSTH": st.floats(-0.1, 1.0), "PSTH_absolute_number": st.integers(0, 20),
                  "PSTH_poissontrain": _rate}[dist]
        key = {"PSTH": "probabilities", "PSTH_absolute_number": "number_active_synapses",
               "PSTH_poissontrain": "rates"}[dist]
        spec[key] = draw(st.lists(values, min_size=len(bins), max_size=len(bins)))
    elif dist == "PSTH_poissontrain_v2":
        rates = draw(st.lists(_rate, min_size=1, max_size=6))
        spec["bins"] = sorted(draw(st.lists(_time, min_size=len(rates) + 1, max_size=len(rates) + 1)))
        spec["rates"] = rates
    else:
        phase = draw(st.sampled_from(["uniform", "normal", "none"]))
        spec.update(rate_before_t_offset=draw(_rate), mean_rate=draw(_rate), max_modulation=draw(_fraction),
                    modulation_frequency=draw(st.floats(0.5, 40.0)), bin_size=draw(st.floats(1.0, 20.0)),
                    phase_distribution=phase, mean_phase=draw(st.floats(-3.0, 3.0)),
                    std_phase=draw(st.floats(0.0, 1.0)))
    return spec


_types = st.lists(st.sampled_from(["L1", "L2", "L5tt", "VPM", "L45Peak"]), min_size=1, max_size=3, unique=True)


@st.composite
def modifier_specs(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """Random ``network_param_modify_functions`` and ``network_modify_functions`` blocks."""
    ranges = {n: sorted([draw(_time), draw(_time)]) for n in draw(
        st.lists(st.sampled_from(["L5tt_C2", "L1_D1", "VPM_C2"]), min_size=1, max_size=2, unique=True))}
    wiring: dict[str, Any] = {"silence_synapses_by_somadist": {"soma_dist_ranges": ranges}}
    if draw(st.booleans()):
        wiring["silence_synapses_by_somadist_and_spike_source"] = {
            "soma_dist_ranges": ranges,
            "spike_sources": draw(st.lists(st.sampled_from(["poissontrain", "pointcell_PSTH", "pointcell_normal"]),
                                           min_size=1, max_size=2, unique=True))}
    n_stims = draw(st.integers(1, 4))
    parameter = {
        "change_ongoing_interval": {"factor": draw(st.floats(0.1, 5.0)), "pop": draw(_types)},
        "set_stim_onset": {"onset": draw(_time)},
        "change_evoked_INH_scaling": {"factor": draw(st.floats(0.0, 2.0)), "pop": draw(_types)},
        "inactivate_evoked_activity_by_celltype_and_column": {"inact_celltypes": draw(_types),
                                                              "inact_column": ["C2"]},
        "multi_stimulus_trial": {"inter_stimulus_interval": draw(_time), "stims": n_stims,
                                 "scale_factors": draw(st.none() | st.lists(st.floats(0.0, 2.0), min_size=n_stims,
                                                                           max_size=n_stims)),
                                 "pop": draw(_types)},
    }
    keep = draw(st.lists(st.sampled_from(sorted(parameter)), unique=True))
    return {k: parameter[k] for k in keep}, wiring
