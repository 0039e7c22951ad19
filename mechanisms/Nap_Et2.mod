TITLE Nap_Et2: persistent sodium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Magistretti J, Alonso A (1999) Biophysical properties and slow
  voltage-dependent inactivation of a sustained sodium current in entorhinal
  cortex layer-II principal neurons. J Gen Physiol 114:491-509.
Parameterisation used here:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, rates in 1/ms):
  m_inf = 1/(1 + exp(-(v+52.6)/4.6))
  tau_m = 6/((alpha_m+beta_m) qt) with the NaTa_t rates
          alpha_m = 0.182 (v+38)/(1 - exp(-(v+38)/6)),
          beta_m  = 0.124 (-v-38)/(1 - exp(-(-v-38)/6))
  h_inf = 1/(1 + exp((v+48.8)/10))
  alpha_h = -2.88e-6 (v+17)/(1 - exp((v+17)/4.63))
  beta_h  = 6.94e-6 (v+64.4)/(1 - exp(-(v+64.4)/2.63))
  tau_h = 1/((alpha_h+beta_h) qt)
  g = gbar m^3 h,  ina = g (v - ena)

qt = 2.3^((34-21)/10) is a constant; `celsius` is not read.  At the
removable singularities (v = -38, -17, -64.4 mV) the rate in question is
evaluated at v + 1e-4 mV; the membrane potential itself is not modified.
ENDCOMMENT

NEURON {
    SUFFIX Nap_Et2
    USEION na READ ena WRITE ina
    RANGE gNap_Et2bar, gNap_Et2, ina
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gNap_Et2bar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ena (mV)
    ina (mA/cm2)
    gNap_Et2 (S/cm2)
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
    gNap_Et2 = gNap_Et2bar*m*m*m*h
    ina = gNap_Et2*(v - ena)
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

    mInf = 1/(1 + exp(-(vm + 52.6)/4.6))
    vx = vm
    if (vx == -38) {
        vx = vx + 0.0001
    }
    a = 0.182*(vx + 38)/(1 - exp(-(vx + 38)/6))
    b = 0.124*(-vx - 38)/(1 - exp(-(-vx - 38)/6))
    mTau = 6/((a + b)*qt)

    hInf = 1/(1 + exp((vm + 48.8)/10))
    vx = vm
    if (vx == -17) {
        vx = vx + 0.0001
    }
    a = -2.88e-6*(vx + 17)/(1 - exp((vx + 17)/4.63))
    vx = vm
    if (vx == -64.4) {
        vx = vx + 0.0001
    }
    b = 6.94e-6*(vx + 64.4)/(1 - exp(-(vx + 64.4)/2.63))
    hTau = 1/((a + b)*qt)
    UNITSON
}
