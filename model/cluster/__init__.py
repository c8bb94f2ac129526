"""Labelling on a Ray cluster (``coatnet-gui label --engine ray``): ``source`` (folders and URLs), ``stages``
(Ray's decode and classify steps), ``run`` (the driver), ``output`` (CSV, JSON Lines, Parquet). Needs the
``cluster`` extra (``ray[data]``); only ``label --engine ray`` imports this package, and only when it runs."""
