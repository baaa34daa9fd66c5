"""Experiments behind ``cryo-equi reproduce`` / ``bench`` / ``simulate`` (not part of the library API)."""
