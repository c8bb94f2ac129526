"""Drawing overlays in the window: screen geometry (``geometry.py``, Qt-free) and painting (``paint.py``, Qt).
Which map to show and computing it live in the core: :mod:`model.explain.maps`, :mod:`model.explain.blocks`."""
