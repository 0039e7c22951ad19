TITLE NaTa_t: fast, inactivating (transient) sodium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Colbert CM, Pan E (2002) Ion channel properties underlying axonal action
  potential initiation in pyramidal neurons. Nat Neurosci 5:533-538.
Parameterisation used here (voltage offsets, temperature factor):
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, rates in 1/ms):
  alpha_m = 0.182 (v+38) / (1 - exp(-(v+38)/6))
  beta_m  = 0.124 (-v-38) / (1 - exp(-(-v-38)/6))
  alpha_h = -0.015 (v+66) / (1 - exp((v+66)/6))
  beta_h  = -0.015 (-v-66) / (1 - exp((-v-66)/6))
  x_inf = alpha_x/(alpha_x+beta_x),  tau_x = 1/((alpha_x+beta_x) qt)
  g = gbar m^3 h,  ina = g (v - ena)

qt = 2.3^((34-21)/10) is a constant (Q10 2.3, data at 21 degC, model at
34 degC); `celsius` is deliberately not read.  At the removable
singularities v = -38 mV (m) and v = -66 mV (h) the rates are evaluated at
v + 1e-4 mV; the membrane potential itself is not modified.
ENDCOMMENT

NEURON {
    SUFFIX NaTa_t
    USEION na READ ena WRITE ina
    RANGE gNaTa_tbar, gNaTa_t, ina
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gNaTa_tbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ina (mA/cm2)
    gNaTa_t (S/cm2)
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
    gNaTa_t = gNaTa_tbar*m*m*m*h
    ina = gNaTa_t*(v - ena)
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
    LOCAL qt, vx, a, b
    UNITSOFF
    qt = 2.3^((34 - 21)/10)

    vx = vm
    if (vx == -38) {
        vx = vx + 0.0001
    }
    a = 0.182*(vx + 38)/(1 - exp(-(vx + 38)/6))
    b = 0.124*(-vx - 38)/(1 - exp(-(-vx - 38)/6))
    mInf = a/(a + b)
    mTau = 1/((a + b)*qt)

    vx = vm
    if (vx == -66) {
        vx = vx + 0.0001
    }
    a = -0.015*(vx + 66)/(1 - exp((vx + 66)/6))
    b = -0.015*(-vx - 66)/(1 - exp((-vx - 66)/6))
    hInf = a/(a + b)
    hTau = 1/((a + b)*qt)
    UNITSON
}
