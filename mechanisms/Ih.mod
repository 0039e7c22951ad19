TITLE Ih: hyperpolarisation-activated cation (HCN) current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Kole MHP, Hallermann S, Stuart GJ (2006) Single Ih channels in pyramidal
  neuron dendrites: properties, distribution, and impact on action
  potential output. J Neurosci 26:1677-1687.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, rates in 1/ms; no temperature factor):
  alpha_m = 6.43e-3 (v+154.9)/(exp((v+154.9)/11.9) - 1)
  beta_m  = 0.193 exp(v/33.1)
  m_inf = alpha_m/(alpha_m+beta_m),  tau_m = 1/(alpha_m+beta_m)
  g = gbar m,  ihcn = g (v - ehcn),  ehcn global (hoc: ehcn_Ih), default -45 mV

At the removable singularity v = -154.9 mV alpha_m is evaluated at
v + 1e-4 mV; the membrane potential itself is not modified.
ENDCOMMENT

NEURON {
    SUFFIX Ih
    NONSPECIFIC_CURRENT ihcn
    RANGE gIhbar, gIh, ihcn
    RANGE mInf, mTau
    GLOBAL ehcn
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gIhbar = 0.00001 (S/cm2)
    ehcn = -45.0 (mV)
}

ASSIGNED {
    v (mV)
    ihcn (mA/cm2)
    gIh (S/cm2)
    mInf (1)
    mTau (ms)
}

STATE {
    m (1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gIh = gIhbar*m
    ihcn = gIh*(v - ehcn)
}

DERIVATIVE states {
    rates(v)
    m' = (mInf - m)/mTau
}

INITIAL {
    rates(v)
    m = mInf
}

PROCEDURE rates(vm (mV)) {
    LOCAL vx, a, b
    UNITSOFF
    vx = vm
    if (vx == -154.9) {
        vx = vx + 0.0001
    }
    a = 6.43e-3*(vx + 154.9)/(exp((vx + 154.9)/11.9) - 1)
    b = 0.193*exp(vm/33.1)
    mInf = a/(a + b)
    mTau = 1/(a + b)
    UNITSON
}
