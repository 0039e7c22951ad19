TITLE K_Tst: fast, inactivating (transient) potassium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Korngreen A, Sakmann B (2000) Voltage-gated K+ channels in layer 5
  neocortical pyramidal neurones from young rats: subtypes and gradients.
  J Physiol 525:621-639.
Parameterisation used here (voltage shift of 10 mV, temperature factor):
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, times in ms), with the shifted potential v' = v + 10:
  m_inf = 1/(1 + exp(-v'/19))
  tau_m = (0.34 + 0.92 exp(-((v'+71)/59)^2))/qt
  h_inf = 1/(1 + exp((v'+66)/10))
  tau_h = (8 + 49 exp(-((v'+73)/23)^2))/qt
  g = gbar m^4 h,  ik = g (v - ek)

qt = 2.3^((34-21)/10) is a constant; `celsius` is not read.
ENDCOMMENT

NEURON {
    SUFFIX K_Tst
    USEION k READ ek WRITE ik
    RANGE gK_Tstbar, gK_Tst, ik
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gK_Tstbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    gK_Tst (S/cm2)
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
    gK_Tst = gK_Tstbar*m*m*m*m*h
    ik = gK_Tst*(v - ek)
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
    LOCAL qt, vs
    UNITSOFF
    qt = 2.3^((34 - 21)/10)
    vs = vm + 10

    mInf = 1/(1 + exp(-vs/19))
    mTau = (0.34 + 0.92*exp(-((vs + 71)/59)^2))/qt

    hInf = 1/(1 + exp((vs + 66)/10))
    hTau = (8 + 49*exp(-((vs + 73)/23)^2))/qt
    UNITSON
}
