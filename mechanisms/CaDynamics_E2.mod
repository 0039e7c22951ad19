TITLE CaDynamics_E2: intracellular calcium buffering and extrusion (submembrane shell)

COMMENT
Written for the isf project directly from the published equations.

Source:
  Hay E, Hill S, Schuermann F, Markram H, Segev I (2011) Models of neocortical
  layer 5b pyramidal cells capturing a wide range of dendritic and
  perisomatic active properties. PLoS Comput Biol 7(7):e1002107
  (calcium dynamics: first-order extrusion/buffering in a submembrane shell;
  cf. Destexhe A, Babloyantz A, Sejnowski TJ (1993) Ionic mechanisms for
  intrinsic slow oscillations in thalamic relay neurons. Biophys J
  65:1538-1552).

Equation (ica in mA/cm2, depth in um, decay in ms, cai in mM):
  d cai/dt = -10000 ica gamma/(2 F depth) - (cai - minCai)/decay
gamma is the fraction of calcium that stays free (unbuffered), F is the
Faraday constant (C/mol); the factor 10000 converts
(mA/cm2)/(C/mol * um) into mM/ms.

There is deliberately NO INITIAL block: [Ca]i starts from NEURON's ion
initial value cai0_ca_ion (default 5e-5 mM), as in the Hay et al. model.
ENDCOMMENT

NEURON {
    SUFFIX CaDynamics_E2
    USEION ca READ ica WRITE cai
    RANGE gamma, decay, depth, minCai
}

UNITS {
    (mA) = (milliamp)
    (mM) = (milli/liter)
    (um) = (micron)
    FARADAY = (faraday) (coulomb)
}

PARAMETER {
    gamma = 0.05 (1)
    decay = 80 (ms)
    depth = 0.1 (um)
    minCai = 1e-4 (mM)
}

ASSIGNED {
    ica (mA/cm2)
}

STATE {
    cai (mM)
}

BREAKPOINT {
    SOLVE states METHOD cnexp
}

DERIVATIVE states {
    UNITSOFF
    cai' = -10000*ica*gamma/(2*FARADAY*depth) - (cai - minCai)/decay
    UNITSON
}
