TITLE SK_E2: small-conductance calcium-activated potassium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics (calcium dependence of SK channel activation):
  Koehler M, Hirschberg B, Bond CT, Kinzie JM, Marrion NV, Maylie J,
  Adelman JP (1996) Small-conductance, calcium-activated potassium channels
  from mammalian brain. Science 273:1709-1714.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (cai in mM, times in ms; voltage independent gate):
  z_inf = 1/(1 + (0.00043/cai)^4.8)   (cai < 1e-7 mM: 1e-7 mM is added)
  tau_z = zTau (global, default 1 ms)
  g = gbar z,  ik = g (v - ek)
ENDCOMMENT

NEURON {
    SUFFIX SK_E2
    USEION k READ ek WRITE ik
    USEION ca READ cai
    RANGE gSK_E2bar, gSK_E2, ik
    RANGE zInf
    GLOBAL zTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
    (mM) = (milli/liter)
}

PARAMETER {
    gSK_E2bar = 0.000001 (S/cm2)
    zTau = 1 (ms)
}

ASSIGNED {
    v (mV)
    ek (mV)
    cai (mM)
    ik (mA/cm2)
    gSK_E2 (S/cm2)
    zInf (1)
}

STATE {
    z (1)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
    gSK_E2 = gSK_E2bar*z
    ik = gSK_E2*(v - ek)
}

DERIVATIVE states {
    rates(cai)
    z' = (zInf - z)/zTau
}

INITIAL {
    rates(cai)
    z = zInf
}

PROCEDURE rates(ca (mM)) {
    LOCAL c
    UNITSOFF
    c = ca
    if (c < 1e-7) {
        c = c + 1e-7
    }
    zInf = 1/(1 + (0.00043/c)^4.8)
    UNITSON
}
