TITLE Ca_HVA: high-voltage-activated calcium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Reuveni I, Friedman A, Amitai Y, Gutnick MJ (1993) Stepwise repolarization
  from Ca2+ plateaus in neocortical pyramidal cells: evidence for
  nonhomogeneous distribution of HVA Ca2+ channels in dendrites.
  J Neurosci 13:4609-4621.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, rates in 1/ms; no temperature factor):
  alpha_m = 0.055 (-27-v)/(exp((-27-v)/3.8) - 1)
  beta_m  = 0.94 exp((-75-v)/17)
  alpha_h = 4.57e-4 exp((-13-v)/50)
  beta_h  = 0.0065/(exp((-v-15)/28) + 1)
  x_inf = alpha_x/(alpha_x+beta_x),  tau_x = 1/(alpha_x+beta_x)
  g = gbar m^2 h,  ica = g (v - eca)

At the removable singularity v = -27 mV alpha_m is evaluated at
v + 1e-4 mV; the membrane potential itself is not modified.
ENDCOMMENT

NEURON {
    SUFFIX Ca_HVA
    USEION ca READ eca WRITE ica
    RANGE gCa_HVAbar, gCa_HVA, ica
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gCa_HVAbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    gCa_HVA (S/cm2)
    mInf (1)
    mTau (ms)
    hInf (1)
    hTau (ms)
}

STATE {
    m (1)
    h (1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gCa_HVA = gCa_HVAbar*m*m*h
    ica = gCa_HVA*(v - eca)
}

DERIVATIVE states {
    rates(v)
    m' = (mInf - m)/mTau
    h' = (hInf - h)/hTau
}

INITIAL {
    rates(v)
    m = mInf
    h = hInf
}

PROCEDURE rates(vm (mV)) {
    LOCAL vx, a, b
    UNITSOFF
    vx = vm
    if (vx == -27) {
        vx = vx + 0.0001
    }
    a = 0.055*(-27 - vx)/(exp((-27 - vx)/3.8) - 1)
    b = 0.94*exp((-75 - vm)/17)
    mInf = a/(a + b)
    mTau = 1/(a + b)

    a = 4.57e-4*exp((-13 - vm)/50)
    b = 0.0065/(exp((-vm - 15)/28) + 1)
    hInf = a/(a + b)
    hTau = 1/(a + b)
    UNITSON
}
