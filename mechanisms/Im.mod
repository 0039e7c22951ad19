TITLE Im: muscarinic (M-type) potassium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Adams PR, Brown DA, Constanti A (1982) M-currents and other potassium
  currents in bullfrog sympathetic neurones. J Physiol 330:537-572.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, rates in 1/ms):
  alpha_m = 3.3e-3 exp(0.1 (v+35))
  beta_m  = 3.3e-3 exp(-0.1 (v+35))
  m_inf = alpha_m/(alpha_m+beta_m),  tau_m = 1/((alpha_m+beta_m) qt)
  g = gbar m,  ik = g (v - ek)

qt = 2.3^((34-21)/10) is a constant; `celsius` is not read.
ENDCOMMENT

NEURON {
    SUFFIX Im
    USEION k READ ek WRITE ik
    RANGE gImbar, gIm, ik
    RANGE mInf, mTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gImbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    gIm (S/cm2)
    mInf (1)
    mTau (ms)
}

STATE {
    m (1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gIm = gImbar*m
    ik = gIm*(v - ek)
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
    LOCAL qt, a, b
    UNITSOFF
    qt = 2.3^((34 - 21)/10)
    a = 3.3e-3*exp(0.1*(vm + 35))
    b = 3.3e-3*exp(-0.1*(vm + 35))
    mInf = a/(a + b)
    mTau = 1/((a + b)*qt)
    UNITSON
}
