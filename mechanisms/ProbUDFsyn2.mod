TITLE ProbUDFsyn2: one dual-exponential synapse with stochastic Tsodyks-Markram release

COMMENT
Written for the isf project from the equations of LEGACY_FORMATS 6.4 (the
stochastic synapse ISF uses with releaseProb "dynamic"; Tsodyks & Markram 1997,
Fuhrmann et al. 2002 for facilitation, Jahr & Stevens 1990 for the Mg block).
No existing mod file was used.

Plasticity, at an event at time t (previous event tsyn; at finitialize u = u0,
Pv = 1, tsyn = t):

  u  = u exp(-(t - tsyn)/Fac) then u = u + Use (1 - u)    if Fac > 0, else u = Use
  Pv = 1 - (1 - Pv) exp(-(t - tsyn)/Dep)
  Pr = u Pv ;  Pv = Pv - u Pv ;  tsyn = t      (depletion whether or not it releases)

Release iff r < Pr where r is an Exp(1) variate (ISF gives the legacy synapse a
hoc Random in negexp(1) mode), so a release happens with probability
1 - exp(-Pr), not Pr. r = -ln(1 - U) with U from a counter-based generator of
(seed, event number): the same seed gives the same releases in every run and
on every worker. The seed is set per synapse by isf from the trial's seed.

On release the dual exponential gets weight * factor (peak normalised so one
release peaks at weight):

  g = gmax (B - A),  i = g (v - e)        (uS mV = nA)
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS ProbUDFsyn2
    NONSPECIFIC_CURRENT i
    RANGE tau_r, tau_d, Use, Dep, Fac, e, gmax, u0, seed
    RANGE g, factor
    RANGE u, Pv, Pr, tsyn, n_events, n_released
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
    }

PARAMETER {
    tau_r = 0.2 (ms)
    tau_d = 1.7 (ms)
    Use = 1 (1)             : utilisation of resources by an event
    Dep = 100 (ms)          : recovery from depression
    Fac = 10 (ms)           : decay of facilitation (0 = none)
    e = 0 (mV)
    gmax = 0.001 (uS)       : conductance of one unit of weight
    u0 = 0 (1)              : utilisation before the first event
    seed = 0 (1)            : integer seed of the release generator (set per synapse)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    factor (1)
    u (1)
    Pv (1)
    Pr (1)
    tsyn (ms)
    n_events (1)
    n_released (1)
}

STATE {
    A (1)
    B (1)
}

INITIAL {
    if (!(Dep > 0) || !(Fac >= 0)) {
        invalid_parameter(Dep, Fac)
    }
    factor = peak_factor(tau_d, tau_r)
    A = 0
    B = 0
    u = u0
    Pv = 1
    Pr = 0
    tsyn = t
    n_events = 0
    n_released = 0
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = gmax*(B - A)
    i = g*(v - e)
}

DERIVATIVE state {
    A' = -A/tau_r
    B' = -B/tau_d
}

NET_RECEIVE (weight) {
    LOCAL delta
    delta = t - tsyn
    if (Fac > 0) {
        u = u*exp(-delta/Fac)
        u = u + Use*(1 - u)
    } else {
        u = Use
    }
    Pv = 1 - (1 - Pv)*exp(-delta/Dep)
    Pr = u*Pv
    Pv = Pv - u*Pv
    tsyn = t
    n_events = n_events + 1
    if (exp_draw(seed, n_events) < Pr) {
        n_released = n_released + 1
        A = A + weight*factor
        B = B + weight*factor
    }
}

FUNCTION peak_factor(tdecay (ms), trise (ms)) (1) {
    LOCAL tp
    if (!(tdecay > 0 && trise > 0) || tdecay == trise) {
        invalid_taus(tdecay, trise)
    }
    tp = tdecay*trise/(tdecay - trise)*log(tdecay/trise)
    peak_factor = 1/(exp(-tp/tdecay) - exp(-tp/trise))
}

FUNCTION exp_draw(s, k) {
VERBATIM
    /* an Exp(1) variate from the splitmix64 finaliser of (seed, event number) */
    uint64_t z = (uint64_t)_ls * 0x9E3779B97F4A7C15ULL + 0x2545F4914F6CDD1DULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    z ^= (uint64_t)_lk * 0x9E3779B97F4A7C15ULL;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z = z ^ (z >> 31);
    _lexp_draw = -log1p(-(double)(z >> 11) * (1.0 / 9007199254740992.0));
ENDVERBATIM
}

PROCEDURE invalid_taus(tdecay (ms), trise (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg),
             "ProbUDFsyn2: rise and decay time constants %g and %g ms must be positive and different",
             _ltrise, _ltdecay);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}

PROCEDURE invalid_parameter(dep (ms), fac (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg), "ProbUDFsyn2: Dep = %g ms must be > 0 and Fac = %g ms >= 0", _ldep, _lfac);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}
