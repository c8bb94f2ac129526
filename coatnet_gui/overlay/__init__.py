"""Overlays: which map to compute, geometry and colour maps (Qt-free) and painting (paint.py, Qt)."""
