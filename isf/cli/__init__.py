"""The ``isf`` command line."""
