"""Analysis of results: PSTHs, synapse statistics by cell type (spike detection: :mod:`isf.model.spikes`)."""
