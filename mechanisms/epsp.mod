TITLE epsp: EPSP-shaped current injection (difference of exponentials)

COMMENT
Written for the isf project directly from the published description.

Used for the backpropagation-activated calcium spike (BAC) protocol of
  Larkum ME, Zhu JJ, Sakmann B (1999) A new cellular mechanism for coupling
  inputs arriving at different cortical layers. Nature 398:338-341,
as modelled in
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Current (t, onset, tau0, tau1 in ms; imax in nA):
  t_pk = tau0 tau1 ln(tau0/tau1)/(tau0 - tau1)
  a    = 1/((1 - e^(-t_pk/tau0)) - (1 - e^(-t_pk/tau1)))
  i(t) = 0                                                        t < onset
       = -imax a [(1 - e^(-(t-onset)/tau0)) - (1 - e^(-(t-onset)/tau1))]  t >= onset
Exponentials whose argument is < -100 are taken as 0.  i is a
NONSPECIFIC_CURRENT (outward positive), so a positive imax gives an inward,
depolarising current whose peak magnitude is imax.

Implementation notes (no change to the waveform):
  * For tau0 == tau1 the formula has a removable 0/0; the limit
    imax (s/tau) e^(1 - s/tau), s = t - onset, is used instead of NaN.
  * INITIAL schedules a self-event at t = onset.  The event does nothing,
    but it makes the variable-step integrator (CVode) stop and restart at
    the kink of the waveform instead of possibly stepping over the whole
    EPSP.  Changing `onset` after finitialize() is not seen by this event
    (the waveform itself always uses the current `onset`).
ENDCOMMENT

NEURON {
    POINT_PROCESS epsp
    RANGE onset, tau0, tau1, imax, i
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
}

PARAMETER {
    onset = 0 (ms)
    tau0 = 0.2 (ms)
    tau1 = 3 (ms)
    imax = 0 (nA)
}

ASSIGNED {
    v (mV)
    i (nA)
}

INITIAL {
    if (onset > t) {
        net_send(onset - t, 1)
    }
}

BREAKPOINT {
    i = waveform(t)
}

NET_RECEIVE (w) {
    : Nothing to do: the event only marks the onset for the integrator.
    if (flag == 1) {
        i = waveform(t)
    }
}

FUNCTION cutexp(x) {
    if (x < -100) {
        cutexp = 0
    } else {
        cutexp = exp(x)
    }
}

FUNCTION waveform(tt (ms)) (nA) {
    LOCAL s, tpk, a
    UNITSOFF
    if (tt < onset) {
        waveform = 0
    } else {
        s = tt - onset
        if (tau0 == tau1) {
            waveform = -imax*(s/tau0)*cutexp(1 - s/tau0)
        } else {
            tpk = tau0*tau1*log(tau0/tau1)/(tau0 - tau1)
            a = 1/((1 - cutexp(-tpk/tau0)) - (1 - cutexp(-tpk/tau1)))
            waveform = -imax*a*((1 - cutexp(-s/tau0)) - (1 - cutexp(-s/tau1)))
        }
    }
    UNITSON
}
