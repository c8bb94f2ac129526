"""Colour maps as 256-entry lookup tables: the tables live in :mod:`model.explain.colormaps` (the folder-map
overlays of ``label --maps`` draw with them too, without Qt); the window imports them from here."""

from model.explain.colormaps import COLORMAPS, DIVERGING, DIVERGING_MAPS, apply, for_map, lookup_table

__all__ = ["COLORMAPS", "DIVERGING", "DIVERGING_MAPS", "apply", "for_map", "lookup_table"]
