TITLE glutamate_syn: AMPA + NMDA synapse with depression and facilitation

COMMENT
Written for the isf project directly from the equations of the legacy ISF
specification (LEGACY_FORMATS.md section 6.1); no existing mod file was used.

Conductances (nS) are differences of exponentials, normalised so that a single
event of weight w gives a conductance whose peak is exactly w (times the
depression and facilitation factors at the time of the event):

  NMDA:  dA/dt = -A/tau1 (decay)   dB/dt = -B/tau2 (rise)
  AMPA:  dC/dt = -C/tau3 (decay)   dD/dt = -D/tau4 (rise)
  depression    dd_X/dt = (1 - d_X)/taud_X   X in {ampa, nmda}, initially 1
  facilitation  df_X/dt = (1 - f_X)/tauf_X                      initially 1

  t_N = tau1 tau2/(tau1 - tau2) ln(tau1/tau2),  k_N = 1/(exp(-t_N/tau1) - exp(-t_N/tau2))
  t_A = tau3 tau4/(tau3 - tau4) ln(tau3/tau4),  k_A = 1/(exp(-t_A/tau3) - exp(-t_A/tau4))
  (computed in INITIAL from the current taus: set parameters before finitialize)

  event (NetCon weights weight_ampa, weight_nmda in nS):
    A += k_N weight_nmda dnmda fnmda,  B += same
    C += k_A weight_ampa dampa fampa,  D += same
    then dampa *= decayampa, dnmda *= decaynmda,
         fampa += facilampa, fnmda += facilnmda

  g_ampa = C - D
  g_nmda = (A - B)/(1 + n [Mg] exp(-gama v)),   [Mg] = 1 mM
  iampa  = 1e-3 g_ampa (v - e),   inmda = 1e-3 g_nmda (v - e)   (nS mV = pA -> nA)

Notes:
  * The formulas are symmetric in the two time constants of a pair, so a
    "rise" time longer than the "decay" time gives the same (positive)
    conductance.  Equal time constants (and non-positive ones) have no
    difference-of-exponentials form; finitialize then stops with an error.
  * g_nmda is the effective conductance including the Mg block; the
    unblocked NMDA conductance is A - B.
  * NET_RECEIVE contains an (empty) INITIAL block so that finitialize keeps
    the NMDA weight (NEURON zeroes weight[1..] of a NetCon otherwise).
  * All ODEs are linear with constant coefficients, so cnexp integrates them
    exactly for a fixed step; CVode integrates the same ODEs.
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS glutamate_syn
    NONSPECIFIC_CURRENT iampa, inmda
    RANGE tau1, tau2, tau3, tau4, e
    RANGE decayampa, decaynmda, taudampa, taudnmda
    RANGE facilampa, facilnmda, taufampa, taufnmda
    RANGE g_ampa, g_nmda, factor_ampa, factor_nmda
    GLOBAL n, gama
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (nS) = (nanosiemens)
    (mM) = (milli/liter)
}

PARAMETER {
    tau1 = 50 (ms)        : NMDA decay
    tau2 = 2 (ms)         : NMDA rise
    tau3 = 2 (ms)         : AMPA decay
    tau4 = 0.1 (ms)       : AMPA rise
    e = 0 (mV)
    decayampa = 0.5 (1)   : depression factor per event
    decaynmda = 0.5 (1)
    taudampa = 200 (ms)   : recovery from depression
    taudnmda = 200 (ms)
    facilampa = 0 (1)     : facilitation increment per event
    facilnmda = 0 (1)
    taufampa = 200 (ms)   : decay of facilitation
    taufnmda = 200 (ms)
    n = 0.25 (/mM)        : Mg block
    gama = 0.08 (/mV)
}

CONSTANT {
    mg = 1 (mM)           : implicit extracellular Mg concentration
}

ASSIGNED {
    v (mV)
    iampa (nA)
    inmda (nA)
    g_ampa (nS)
    g_nmda (nS)
    factor_ampa (1)
    factor_nmda (1)
}

STATE {
    A (nS)
    B (nS)
    C (nS)
    D (nS)
    dampa (1)
    dnmda (1)
    fampa (1)
    fnmda (1)
}

INITIAL {
    factor_nmda = peak_factor(tau1, tau2)
    factor_ampa = peak_factor(tau3, tau4)
    A = 0
    B = 0
    C = 0
    D = 0
    dampa = 1
    dnmda = 1
    fampa = 1
    fnmda = 1
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g_ampa = C - D
    g_nmda = (A - B)/(1 + n*mg*exp(-gama*v))
    iampa = (0.001)*g_ampa*(v - e)
    inmda = (0.001)*g_nmda*(v - e)
}

DERIVATIVE state {
    A' = -A/tau1
    B' = -B/tau2
    C' = -C/tau3
    D' = -D/tau4
    dampa' = (1 - dampa)/taudampa
    dnmda' = (1 - dnmda)/taudnmda
    fampa' = (1 - fampa)/taufampa
    fnmda' = (1 - fnmda)/taufnmda
}

NET_RECEIVE (weight_ampa (nS), weight_nmda (nS)) {
    LOCAL x
    INITIAL {
        : Present on purpose, even though empty: without an INITIAL block
        : NEURON's finitialize sets every NetCon weight after the first
        : (here weight_nmda) to 0.
    }
    x = factor_nmda*weight_nmda*dnmda*fnmda
    A = A + x
    B = B + x
    x = factor_ampa*weight_ampa*dampa*fampa
    C = C + x
    D = D + x
    dampa = dampa*decayampa
    dnmda = dnmda*decaynmda
    fampa = fampa + facilampa
    fnmda = fnmda + facilnmda
}

FUNCTION peak_factor(tdecay (ms), trise (ms)) (1) {
    LOCAL tp
    if (!(tdecay > 0 && trise > 0) || tdecay == trise) {
        invalid_taus(tdecay, trise)
    }
    tp = tdecay*trise/(tdecay - trise)*log(tdecay/trise)
    peak_factor = 1/(exp(-tp/tdecay) - exp(-tp/trise))
}

PROCEDURE invalid_taus(tdecay (ms), trise (ms)) {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg),
             "glutamate_syn: time constants %g and %g ms must be positive and different",
             _ltdecay, _ltrise);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}
