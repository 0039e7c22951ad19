"""The NEURON backend: compiles model values into NEURON objects and returns numpy results.

Importing this package tells NEURON to start without its GUI (no ``DISPLAY`` warning on servers).
"""

import os

os.environ.setdefault("NEURON_MODULE_OPTIONS", "-nogui")
