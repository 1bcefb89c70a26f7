"""geoplan: pure-Python planning library for Yizhan (geometry, coordinate systems, coverage).

It never imports Django: inputs and outputs are numpy arrays, floats and frozen dataclasses.
"""
