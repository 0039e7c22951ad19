TITLE K_Pst: slow, persistent potassium current

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
  m_inf = 1/(1 + exp(-(v'+1)/12))
  tau_m = (1.25 + 175.03 exp(0.026 v'))/qt    if v' < -50
        = (1.25 + 13 exp(-0.026 v'))/qt       otherwise
  h_inf = 1/(1 + exp((v'+54)/11))
  tau_h = (360 + (1010 + 24 (v'+55)) exp(-((v'+75)/48)^2))/qt
  g = gbar m^2 h,  ik = g (v - ek)

qt = 2.3^((34-21)/10) is a constant; `celsius` is not read.
ENDCOMMENT

NEURON {
    SUFFIX K_Pst
    USEION k READ ek WRITE ik
    RANGE gK_Pstbar, gK_Pst, ik
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gK_Pstbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    ek (mV)
    ik (mA/cm2)
    gK_Pst (S/cm2)
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
    gK_Pst = gK_Pstbar*m*m*h
    ik = gK_Pst*(v - ek)
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

    mInf = 1/(1 + exp(-(vs + 1)/12))
    if (vs < -50) {
        mTau = (1.25 + 175.03*exp(0.026*vs))/qt
    } else {
        mTau = (1.25 + 13*exp(-0.026*vs))/qt
    }

    hInf = 1/(1 + exp((vs + 54)/11))
    hTau = (360 + (1010 + 24*(vs + 55))*exp(-((vs + 75)/48)^2))/qt
    UNITSON
}
