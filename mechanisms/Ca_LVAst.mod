TITLE Ca_LVAst: low-voltage-activated (T-type) calcium current

COMMENT
Written for the isf project directly from the published equations.

Source of the kinetics:
  Avery RB, Johnston D (1996) Multiple channel types contribute to the
  low-voltage-activated calcium current in hippocampal CA3 pyramidal
  neurons. J Neurosci 16:5567-5582.
  Randall AD, Tsien RW (1997) Contrasting biophysical and pharmacological
  properties of T-type and R-type calcium channels. Neuropharmacology
  36:879-893.
Parameterisation used here (voltage shift of 10 mV, temperature factor):
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107.

Equations (v in mV, times in ms), with the shifted potential v' = v + 10:
  m_inf = 1/(1 + exp(-(v'+30)/6))
  tau_m = (5 + 20/(1 + exp((v'+25)/5)))/qt
  h_inf = 1/(1 + exp((v'+80)/6.4))
  tau_h = (20 + 50/(1 + exp((v'+40)/7)))/qt
  g = gbar m^2 h,  ica = g (v - eca)

qt = 2.3^((34-21)/10) is a constant; `celsius` is not read.
ENDCOMMENT

NEURON {
    SUFFIX Ca_LVAst
    USEION ca READ eca WRITE ica
    RANGE gCa_LVAstbar, gCa_LVAst, ica
    RANGE mInf, mTau, hInf, hTau
}

UNITS {
    (S) = (siemens)
    (mV) = (millivolt)
    (mA) = (milliamp)
}

PARAMETER {
    gCa_LVAstbar = 0.00001 (S/cm2)
}

ASSIGNED {
    v (mV)
    eca (mV)
    ica (mA/cm2)
    gCa_LVAst (S/cm2)
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
    gCa_LVAst = gCa_LVAstbar*m*m*h
    ica = gCa_LVAst*(v - eca)
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

    mInf = 1/(1 + exp(-(vs + 30)/6))
    mTau = (5 + 20/(1 + exp((vs + 25)/5)))/qt

    hInf = 1/(1 + exp((vs + 80)/6.4))
    hTau = (20 + 50/(1 + exp((vs + 40)/7)))/qt
    UNITSON
}
