"""What the app knows about a loaded model besides its weights: its name, where it came from, its class names and
its preprocessing (:class:`ModelInfo`). No torch: a run of a cached export carries it without the network
(:mod:`model.runtime.export_card` keeps it as JSON)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields

from model.data.pixels import PreprocessCfg


@dataclass
class ModelInfo:
    """Where a loaded model came from and how to feed it."""

    name: str  # e.g. "coatnet_0_rw_224.sw_in1k", or "coatnet_fmnist_96 (bundled)"
    config_name: str  # our config name
    source: str  # "bundled" | "hub" | "file"
    location: str  # file/folder path or hub repo id
    num_classes: int
    label_names: list[str]
    label_set: str  # e.g. "ImageNet-1k (1000 classes)", "custom (7 classes)"
    preprocess: PreprocessCfg  # how to turn an image into this model's input
    label_source: str = ""  # where the class names came from, e.g. "the checkpoint", "class_map.txt beside it"
    label_warning: str = ""  # the checkpoint's class names were unreadable: what was used instead
    preprocess_warning: str = ""  # some of its preprocessing was unreadable: what was used instead

    @property
    def warnings(self) -> list[str]:
        """Return the sentences saying what of the checkpoint's own description was unreadable and replaced."""
        return [w for w in (self.label_warning, self.preprocess_warning) if w]

    def as_json(self) -> dict:
        """Return every field as JSON-ready values (the preprocessing as a dict of its fields)."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> ModelInfo:
        """Return the :class:`ModelInfo` that :meth:`as_json` gave ``data`` for. Raises ``TypeError`` or
        ``ValueError`` when ``data`` is not such a dict."""
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        cfg = dict(values["preprocess"])
        cfg.update(input_size=tuple(cfg["input_size"]), mean=tuple(cfg["mean"]), std=tuple(cfg["std"]))
        values["preprocess"] = PreprocessCfg(**cfg)
        values["label_names"] = [str(name) for name in values["label_names"]]
        return cls(**values)
