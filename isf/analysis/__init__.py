"""Analysis of results: spike detection, PSTHs, synapse statistics by cell type."""
