"""The window's wiring between the Audit tab and the others (the Audit tab imports no other tab):
the Batch tab's run as rows to audit and the corrections an accepted suggestion makes, and "given vs suggested"
Grad-CAM in the Image tab for a double-clicked audit row."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QStatusBar

from coatnet_gui.batch.view import BatchView
from coatnet_gui.widgets.overlay_controls import OverlayControls
from model.names import folder_name
from model.runtime.inference import Classifier

translate = QCoreApplication.translate


def model_class(names: list[str], name: str) -> int | None:
    """Return the index of class ``name`` among the model's class ``names``: the same name, else the one class
    whose folder name it is (a class folder ``T-shirt-top`` is the model's ``T-shirt/top``); None when none."""
    if name in names:
        return names.index(name)
    found = [i for i, n in enumerate(names) if folder_name(n) == name]
    return found[0] if len(found) == 1 else None


class AuditLink:
    """Answers the Audit tab's questions about the Batch tab's run and carries out its intents on the Batch
    and Image tabs. ``open_path(path)`` opens an image in the Image tab; ``status`` says what was shown."""

    def __init__(
        self,
        batch: BatchView,
        controls: OverlayControls,
        classifier_getter: Callable[[], Classifier | None],
        open_path: Callable[[str], None],
        status: QStatusBar,
    ):
        self.batch, self.controls, self.classifier_getter = batch, controls, classifier_getter
        self.open_path, self.status = open_path, status

    def batch_rows(self) -> tuple[str, list[tuple[str, str]]] | None:
        """Return the Batch run as ``(root, [(absolute path, given class)])`` (given: the row's correction, else
        its top-1; error rows left out), or None before the first run."""
        store = self.batch.table_model.store
        if not store.root or not len(store):
            return None
        pairs = []
        for i, row in enumerate(store.rows):
            if row.error is None:
                pairs.append((store.absolute_path(row), store.corrected_name(i) or store.label(row.top1)))
        return store.root, pairs

    def _row_indices(self) -> dict[str, int]:
        store = self.batch.table_model.store
        return {store.absolute_path(row): i for i, row in enumerate(store.rows)}

    def batch_corrections(self, paths: list[str]) -> dict[str, str | None]:
        """Return the Batch run's correction of each of ``paths`` now (None: none, or not in the run)."""
        store, where = self.batch.table_model.store, self._row_indices()
        return {p: store.corrected_name(where[p]) if p in where else None for p in paths}

    def apply_batch_corrections(self, changes: dict) -> None:
        """Set the Batch run's correction of each path of ``changes`` to its class (None: the model's label);
        the Batch tab stores them as if the user had set them there."""
        where = self._row_indices()
        by_class: dict[str | None, list[int]] = defaultdict(list)
        for path, name in changes.items():
            if path in where:
                by_class[name].append(where[path])
        for name, rows in by_class.items():
            self.batch.table_model.set_class(rows, name)

    def open_versus(self, path: str, given: str, suggested: str) -> None:
        """Open ``path`` in the Image tab with Grad-CAM of ``given`` versus ``suggested`` ("why given and not
        suggested"); when the active model lacks one of them, plain Grad-CAM of the one it has (the suggested
        first), and the status line says why."""
        clf = self.classifier_getter()
        names = clf.label_names if clf is not None else []
        a, b = model_class(names, given), model_class(names, suggested)
        spec = replace(self.controls.spec(), kind="gradcam")
        if a is not None and b is not None and a != b:
            spec = replace(spec, class_index=a, versus=b)
            note = translate("AuditLink", "Grad-CAM: why {given} (given) and not {suggested} (suggested).").format(
                given=given, suggested=suggested
            )
        else:
            shown = b if b is not None else a
            spec = replace(spec, class_index=shown, versus=None)
            missing = [c for c, k in ((given, a), (suggested, b)) if c and k is None]
            why = (
                translate("AuditLink", "the active model has no class {names}").format(
                    names=translate("AuditLink", " or ").join(map(repr, missing))
                )
                if missing
                else translate("AuditLink", "given and suggested agree")
                if given and given == suggested
                else translate("AuditLink", "nothing to compare")
            )
            top = names[shown] if shown is not None else translate("AuditLink", "the top class")
            note = translate("AuditLink", "Grad-CAM of {name} only: {why}.").format(name=top, why=why)
        self.controls.choose(spec)
        self.open_path(path)
        self.status.showMessage(note, 15_000)
