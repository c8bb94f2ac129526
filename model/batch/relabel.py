"""What relabelling a run would change, before the user accepts it: the labels that move, from which class to
which, and the corrections kept. Plain Python on the two runs' records, so the window and scripts share it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from model.batch.journal import decode_path


def _top1(records: Iterable[dict]) -> dict[str, str]:
    """Return ``{path: top-1 label}`` of the labelled records (error rows left out)."""
    return {decode_path(r): r["labels"][0] for r in records if not r.get("error") and r.get("labels")}


@dataclass
class RelabelPreview:
    """The change from the ``old`` labels to the ``new`` ones: ``changes`` counts ``(from, to)`` class pairs of
    the uncorrected rows whose label moves; ``kept`` is the number of corrections that stay as they are
    (a corrected row shows its correction before and after); ``unchanged`` the rows whose label stays;
    ``missing`` the rows the new run could not label (they keep their old label)."""

    changes: Counter = field(default_factory=Counter)
    kept: int = 0
    unchanged: int = 0
    missing: int = 0

    @property
    def changed(self) -> int:
        """Return how many labels the relabel changes."""
        return sum(self.changes.values())

    def summary(self) -> str:
        """Return the preview in words, e.g. "Relabel will change 42 labels; your 31 corrections are kept."."""
        labels = "label" if self.changed == 1 else "labels"
        corrections = "correction is" if self.kept == 1 else "corrections are"
        text = f"Relabel will change {self.changed:,} {labels}; your {self.kept:,} {corrections} kept."
        if self.missing:
            images = (
                "1 image the new model could not read keeps its"
                if self.missing == 1
                else (f"{self.missing:,} images the new model could not read keep their")
            )
            text += f" {images} label."
        return text

    def table(self) -> list[tuple[str, str, int]]:
        """Return ``(from, to, count)`` rows, the largest moves first."""
        return [(a, b, n) for (a, b), n in sorted(self.changes.items(), key=lambda item: (-item[1], item[0]))]


def preview_relabel(old: Iterable[dict], new: Iterable[dict], corrections: Mapping[str, str]) -> RelabelPreview:
    """Return the :class:`RelabelPreview` of replacing the ``old`` run's records by the ``new`` run's, with the
    user's ``corrections`` (``{path: class}``, the paths as the records name them) kept on both."""
    before, after = _top1(old), _top1(new)
    preview = RelabelPreview()
    for path, label in before.items():
        if path in corrections:
            preview.kept += 1
        elif path not in after:
            preview.missing += 1
        elif after[path] == label:
            preview.unchanged += 1
        else:
            preview.changes[(label, after[path])] += 1
    return preview
