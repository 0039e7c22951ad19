TITLE gaba_syn: GABA(A) synapse with depression and facilitation

COMMENT
Written for the isf project directly from the equations of the legacy ISF
specification (LEGACY_FORMATS.md section 6.2); no existing mod file was used.

  dR/dt = -R/risetime     dD/dt = -D/decaytime          (nS)
  d(dgaba)/dt = (1 - dgaba)/taudgaba    depression,   initially 1
  d(fgaba)/dt = (1 - fgaba)/taufgaba    facilitation, initially 1

  t_p = risetime decaytime/(decaytime - risetime) ln(decaytime/risetime)
  k   = 1/(exp(-t_p/decaytime) - exp(-t_p/risetime))
  (computed in INITIAL from the current time constants)

  event (NetCon weight in nS):
    R += k weight dgaba fgaba,  D += same
    then dgaba *= decaygaba, fgaba += facilgaba

  g = D - R (nS),   i = 1e-3 g (v - e) (nA)

So a single event of weight w gives a difference-of-exponentials conductance
peaking at w dgaba fgaba.  Note the depressing default decaygaba = 0.8 and
the reversal potential default e = -60 mV (ISF network files set 1.0 and
-80 mV).  Equal or non-positive time constants stop finitialize with an
error.
ENDCOMMENT

NEURON {
    THREADSAFE
    POINT_PROCESS gaba_syn
    NONSPECIFIC_CURRENT i
    RANGE e, risetime, decaytime, decaygaba, taudgaba, facilgaba, taufgaba
    RANGE g, factor
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (nS) = (nanosiemens)
}

PARAMETER {
    e = -60 (mV)
    risetime = 1 (ms)
    decaytime = 20 (ms)
    decaygaba = 0.8 (1)   : depression factor per event
    taudgaba = 200 (ms)   : recovery from depression
    facilgaba = 0 (1)     : facilitation increment per event
    taufgaba = 200 (ms)   : decay of facilitation
}

ASSIGNED {
    v (mV)
    i (nA)
    g (nS)
    factor (1)
}

STATE {
    R (nS)
    D (nS)
    dgaba (1)
    fgaba (1)
}

INITIAL {
    if (!(risetime > 0 && decaytime > 0) || risetime == decaytime) {
        invalid_taus()
    }
    factor = peak_factor(decaytime, risetime)
    R = 0
    D = 0
    dgaba = 1
    fgaba = 1
}

BREAKPOINT {
    SOLVE state METHOD cnexp
    g = D - R
    i = (0.001)*g*(v - e)
}

DERIVATIVE state {
    R' = -R/risetime
    D' = -D/decaytime
    dgaba' = (1 - dgaba)/taudgaba
    fgaba' = (1 - fgaba)/taufgaba
}

NET_RECEIVE (weight (nS)) {
    LOCAL x
    x = factor*weight*dgaba*fgaba
    R = R + x
    D = D + x
    dgaba = dgaba*decaygaba
    fgaba = fgaba + facilgaba
}

FUNCTION peak_factor(tdecay (ms), trise (ms)) (1) {
    LOCAL tp
    tp = tdecay*trise/(tdecay - trise)*log(tdecay/trise)
    peak_factor = 1/(exp(-tp/tdecay) - exp(-tp/trise))
}

PROCEDURE invalid_taus() {
VERBATIM
    char msg[200];
    snprintf(msg, sizeof(msg),
             "gaba_syn: risetime (%g ms) and decaytime (%g ms) must be positive and different",
             risetime, decaytime);
    hoc_execerror(msg, nullptr);
ENDVERBATIM
}
