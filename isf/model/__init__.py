"""The object model: frozen, validated attrs values (no I/O, no NEURON)."""
