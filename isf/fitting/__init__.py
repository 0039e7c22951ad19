"""Hay et al. (2011)-style biophysical model generation: protocols, features and objectives, the
parameter space, evaluation, multi-objective optimisation (deap) and random-walk exploration."""
