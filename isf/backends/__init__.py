"""Backends: the ways out of the model (NEURON)."""
