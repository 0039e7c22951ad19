TITLE SKv3_1: fast, non-inactivating Kv3.1-type potassium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Rettig J, Wunder F, Stocker M, Lichtinghagen R, Mastiaux F, Beckh S,
  Kues W, Pedarzani P, Schroter KH, Ruppersberg JP, Veh R, Pongs O (1992)
  Characterization of a Shaw-related potassium channel family in rat brain.
  EMBO J 11:2473-2486.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, times in ms; no temperature factor):
  m_inf = 1/(1 + exp(-(v-18.7)/9.7))
  tau_m = 4/(1 + exp(-(v+46.56)/44.14))
  g = gbar m,  ik = g (v - ek)
ENDCOMMENT

NEURON {
    SUFFIX SKv3_1
    USEION k READ ek WRITE ik
    RANGE gSKv3_1bar, gSKv3_1, ik
    RANGE mInf, mTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gSKv3_1bar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    gSKv3_1 (S/cm2)
    mInf (1)
    mTau (ms)
}

STATE {
    m (1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gSKv3_1 = gSKv3_1bar*m
    ik = gSKv3_1*(v - ek)
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
    UNITSOFF
    mInf = 1/(1 + exp(-(vm - 18.7)/9.7))
    mTau = 4/(1 + exp(-(vm + 46.56)/44.14))
    UNITSON
}
