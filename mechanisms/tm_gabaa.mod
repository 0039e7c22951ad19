TITLE tm_gabaa: GABA(A) synapse with Tsodyks-Markram short-term plasticity

COMMENT
Written for the isf project from the published equations (Tsodyks & Markram
1997; the u/R form with facilitation of Fuhrmann et al. 2002).  No existing
mod file was used.

Conductance (nS), a difference of exponentials normalised so that an event
of size x gives a conductance peaking at exactly x:

  dA_GABAA/dt = -A_GABAA/tau_r_GABAA   dB_GABAA/dt = -B_GABAA/tau_d_GABAA
  g_GABAA = B_GABAA - A_GABAA,  i = 1e-3 g_GABAA (v - e_GABAA)   (nA)

Short-term plasticity, at an event at time t_n (previous event t_{n-1},
delta = t_n - t_{n-1}; at finitialize u = u0, R = 1, t_0 = 0):

  u_n = u_{n-1} exp(-delta/Fac)   (u_n = 0 if Fac = 0)
  u_n = u_n + Use (1 - u_n)
  R_n = 1 - (1 - R'_{n-1}) exp(-delta/Dep)
  P_n = u_n R_n,   R'_n = R_n - u_n R_n

Deterministic (stochastic = 0, the default): an event adds
x = weight initW P_n.  Stochastic (stochastic = 1): the event releases with
probability P_n (counter-based splitmix64 draw of the integer seed and the
event number, reproducible), a release adds x = weight initW; resources are
depleted at every event (mean-field), so the mean over seeds equals the
deterministic synapse.

NetCon weight is in nS.  Time constants must be positive and different; Dep
must be > 0; finitialize stops with an error otherwise.
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS tm_gabaa
    NONSPECIFIC_CURRENT i
    RANGE tau_r_GABAA, tau_d_GABAA, e_GABAA
    RANGE Use, Dep, Fac, u0, initW, stochastic, seed
    RANGE g_GABAA, g, u, R, Pr, tsyn, n_events, n_released, factor_GABAA
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (nS) = (nanosiemens)
}

PARAMETER {
    tau_r_GABAA = 0.2 (ms)
    tau_d_GABAA = 8 (ms)
    e_GABAA = -80 (mV)
    Use = 0.5 (1)
    Dep = 500 (ms)
    Fac = 0 (ms)
    u0 = 0 (1)
    initW = 1 (1)
    stochastic = 0 (1)
    seed = 0 (1)
}

ASSIGNED {
    v (mV)
    i (nA)
    g_GABAA (nS)
    g (nS)
    factor_GABAA (1)
    u (1)
    R (1)
    Pr (1)
    tsyn (ms)
    n_events (1)
    n_released (1)
}

STATE {
    A_GABAA (nS)
    B_GABAA (nS)
}

INITIAL {
    if (!(Dep > 0) || !(Fac >= 0)) {
        invalid_parameter(Dep, Fac)
    }
    factor_GABAA = peak_factor(tau_d_GABAA, tau_r_GABAA)
    A_GABAA = 0
    B_GABAA = 0
    u = u0
    R = 1
    Pr = 0
    tsyn = t
    n_events = 0
    n_released = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g_GABAA = B_GABAA - A_GABAA
    g = g_GABAA
    i = (0.001)*g_GABAA*(v - e_GABAA)
}

DERIVATIVE state {
    A_GABAA' = -A_GABAA/tau_r_GABAA
    B_GABAA' = -B_GABAA/tau_d_GABAA
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
    A_GABAA = A_GABAA + factor_GABAA*x
    B_GABAA = B_GABAA + factor_GABAA*x
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
             "tm_gabaa: rise and decay time constants %g and %g ms must be positive and different",
             _ltrise, _ltdecay);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}

PROCEDURE invalid_parameter(dep (ms), fac (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg), "tm_gabaa: Dep = %g ms must be > 0 and Fac = %g ms >= 0", _ldep, _lfac);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}
