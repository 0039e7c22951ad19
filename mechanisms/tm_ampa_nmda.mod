TITLE tm_ampa_nmda: AMPA + NMDA synapse with Tsodyks-Markram short-term plasticity

COMMENT
Written for the isf project from the published equations (Tsodyks & Markram
1997; Markram, Wang & Tsodyks 1998; the u/R form with facilitation of Fuhrmann
et al. 2002; NMDA Mg block of Jahr & Stevens 1990).  No existing mod file was
used.

Conductances (nS), each a difference of exponentials normalised so that an
event of size x gives a conductance peaking at exactly x:

  AMPA: dA_AMPA/dt = -A_AMPA/tau_r_AMPA   dB_AMPA/dt = -B_AMPA/tau_d_AMPA
  NMDA: dA_NMDA/dt = -A_NMDA/tau_r_NMDA   dB_NMDA/dt = -B_NMDA/tau_d_NMDA
  g_AMPA = B_AMPA - A_AMPA
  g_NMDA = (B_NMDA - A_NMDA) * mgblock(v),  mgblock = 1/(1 + exp(-0.062 v) mg/3.57)
  i_AMPA = 1e-3 g_AMPA (v - e),  i_NMDA = 1e-3 g_NMDA (v - e)   (nS mV = pA -> nA)

Short-term plasticity, at an event at time t_n (previous event t_{n-1},
delta = t_n - t_{n-1}; at finitialize u = u0, R = 1, t_0 = 0):

  u_n = u_{n-1} exp(-delta/Fac)   (u_n = 0 if Fac = 0)
  u_n = u_n + Use (1 - u_n)                            utilisation (facilitation)
  R_n = 1 - (1 - R'_{n-1}) exp(-delta/Dep)             available resources
  P_n = u_n R_n                                        release fraction / probability
  R'_n = R_n - u_n R_n                                 resources left after the event

Deterministic (stochastic = 0, the default): every event adds
x = weight initW P_n to the AMPA states and NMDA_ratio x to the NMDA states,
so the peak AMPA conductance of an isolated event is weight initW P_n.

Stochastic (stochastic = 1): the event releases with probability P_n, drawn
from a counter-based generator (splitmix64 finaliser of the integer seed and
the event number), so a synapse with the same seed gives the same releases in
every run; a release adds x = weight initW.  Resources are depleted by u_n R_n
at every event whether or not it released (mean-field depletion), so the mean
over seeds equals the deterministic synapse.

NetCon weight is in nS.  Time constants must be positive and rise != decay;
Dep must be > 0; finitialize stops with an error otherwise.
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS tm_ampa_nmda
    NONSPECIFIC_CURRENT i
    RANGE tau_r_AMPA, tau_d_AMPA, tau_r_NMDA, tau_d_NMDA, NMDA_ratio, e, mg
    RANGE Use, Dep, Fac, u0, initW, stochastic, seed
    RANGE i_AMPA, i_NMDA, g_AMPA, g_NMDA, g, u, R, Pr, tsyn, n_events, n_released
    RANGE factor_AMPA, factor_NMDA
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (nS) = (nanosiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau_r_AMPA = 0.2 (ms)
    tau_d_AMPA = 1.7 (ms)
    tau_r_NMDA = 0.29 (ms)
    tau_d_NMDA = 43 (ms)
    NMDA_ratio = 0.7 (1)    : NMDA / AMPA peak conductance (unblocked)
    e = 0 (mV)
    mg = 1 (mM)
    Use = 0.5 (1)           : utilisation of resources by the first event
    Dep = 100 (ms)          : recovery from depression
    Fac = 10 (ms)           : decay of facilitation (0 = none)
    u0 = 0 (1)              : utilisation before the first event
    initW = 1 (1)           : weight scale
    stochastic = 0 (1)      : 0 deterministic, 1 binary release with probability u R
    seed = 0 (1)            : integer seed of the release generator
}

ASSIGNED {
    v (mV)
    i (nA)
    i_AMPA (nA)
    i_NMDA (nA)
    g_AMPA (nS)
    g_NMDA (nS)
    g (nS)
    factor_AMPA (1)
    factor_NMDA (1)
    u (1)
    R (1)
    Pr (1)
    tsyn (ms)
    n_events (1)
    n_released (1)
}

STATE {
    A_AMPA (nS)
    B_AMPA (nS)
    A_NMDA (nS)
    B_NMDA (nS)
}

INITIAL {
    if (!(Dep > 0) || !(Fac >= 0)) {
        invalid_parameter(Dep, Fac)
    }
    factor_AMPA = peak_factor(tau_d_AMPA, tau_r_AMPA)
    factor_NMDA = peak_factor(tau_d_NMDA, tau_r_NMDA)
    A_AMPA = 0
    B_AMPA = 0
    A_NMDA = 0
    B_NMDA = 0
    u = u0
    R = 1
    Pr = 0
    tsyn = t
    n_events = 0
    n_released = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g_AMPA = B_AMPA - A_AMPA
    g_NMDA = (B_NMDA - A_NMDA)/(1 + exp(-0.062*v)*mg/3.57)
    g = g_AMPA + g_NMDA
    i_AMPA = (0.001)*g_AMPA*(v - e)
    i_NMDA = (0.001)*g_NMDA*(v - e)
    i = i_AMPA + i_NMDA
}

DERIVATIVE state {
    A_AMPA' = -A_AMPA/tau_r_AMPA
    B_AMPA' = -B_AMPA/tau_d_AMPA
    A_NMDA' = -A_NMDA/tau_r_NMDA
    B_NMDA' = -B_NMDA/tau_d_NMDA
}

NET_RECEIVE (weight (nS)) {
    LOCAL delta, x
    delta = t - tsyn
    if (Fac > 0) {
        u = u*exp(-delta/Fac)
    } else {
        u = 0
    }
    u = u + Use*(1 - u)
    R = 1 - (1 - R)*exp(-delta/Dep)
    Pr = u*R
    R = R - u*R
    tsyn = t
    n_events = n_events + 1
    x = 0
    if (stochastic) {
        if (uniform_draw(seed, n_events) < Pr) {
            x = weight*initW
            n_released = n_released + 1
        }
    } else {
        x = weight*initW*Pr
    }
    A_AMPA = A_AMPA + factor_AMPA*x
    B_AMPA = B_AMPA + factor_AMPA*x
    A_NMDA = A_NMDA + factor_NMDA*NMDA_ratio*x
    B_NMDA = B_NMDA + factor_NMDA*NMDA_ratio*x
}

FUNCTION peak_factor(tdecay (ms), trise (ms)) (1) {
    LOCAL tp
    if (!(tdecay > 0 && trise > 0) || tdecay == trise) {
        invalid_taus(tdecay, trise)
    }
    tp = tdecay*trise/(tdecay - trise)*log(tdecay/trise)
    peak_factor = 1/(exp(-tp/tdecay) - exp(-tp/trise))
}

FUNCTION uniform_draw(s, k) {
VERBATIM
    /* splitmix64 finaliser of (seed, event number): a counter-based draw in [0, 1) */
    uint64_t z = (uint64_t)_ls * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    z ^= (uint64_t)_lk * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    _luniform_draw = (double)(z >> 11) * (1.0 / 9007199254740992.0);
ENDVERBATIM
}

PROCEDURE invalid_taus(tdecay (ms), trise (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg),
             "tm_ampa_nmda: rise and decay time constants %g and %g ms must be positive and different",
             _ltrise, _ltdecay);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}

PROCEDURE invalid_parameter(dep (ms), fac (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg), "tm_ampa_nmda: Dep = %g ms must be > 0 and Fac = %g ms >= 0", _ldep, _lfac);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}
