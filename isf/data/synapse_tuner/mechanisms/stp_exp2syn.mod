COMMENT
A user-style synapse for the synapse tuner's examples (written for isf): a difference-of-exponentials
conductance whose events are scaled by Tsodyks-Markram short-term plasticity.

At each event (interval dt since the previous one, at t = 0 before the first):
    u    <- u exp(-dt/Fac) (0 if Fac = 0), then u <- u + Use (1 - u)
    R    <- 1 - (1 - R) exp(-dt/Dep)
    the conductance jumps by weight * u * R (uS), normalised so one event peaks at that value
    R    <- R - u R
ENDCOMMENT

NEURON {
    POINT_PROCESS stp_exp2syn
    RANGE tau_rise, tau_decay, e, Use, Dep, Fac, i, g, u, R
    NONSPECIFIC_CURRENT i
}

UNITS {
    (nA) = (nanoamp)
    (mV) = (millivolt)
    (uS) = (microsiemens)
}

PARAMETER {
    tau_rise = 0.5 (ms)
    tau_decay = 5 (ms)
    e = 0 (mV)
    Use = 0.5 (1)
    Dep = 200 (ms)
    Fac = 0 (ms)
}

ASSIGNED {
    v (mV)
    i (nA)
    g (uS)
    u (1)
    R (1)
    t_last (ms)
    scale (1)
}

STATE {
    rise_part (uS)
    decay_part (uS)
}

INITIAL {
    LOCAL t_peak
    if (tau_rise >= tau_decay) {
        tau_rise = 0.999 * tau_decay
    }
    t_peak = tau_rise * tau_decay / (tau_decay - tau_rise) * log(tau_decay / tau_rise)
    scale = 1 / (exp(-t_peak / tau_decay) - exp(-t_peak / tau_rise))
    rise_part = 0
    decay_part = 0
    u = 0
    R = 1
    t_last = 0
}

BREAKPOINT {
    SOLVE kinetics METHOD cnexp
    g = decay_part - rise_part
    i = g * (v - e)
}

DERIVATIVE kinetics {
    rise_part' = -rise_part / tau_rise
    decay_part' = -decay_part / tau_decay
}

NET_RECEIVE(weight (uS)) {
    LOCAL gap, jump
    gap = t - t_last
    if (Fac > 0) {
        u = u * exp(-gap / Fac)
    } else {
        u = 0
    }
    u = u + Use * (1 - u)
    R = 1 - (1 - R) * exp(-gap / Dep)
    jump = weight * scale * u * R
    rise_part = rise_part + jump
    decay_part = decay_part + jump
    R = R - u * R
    t_last = t
}
