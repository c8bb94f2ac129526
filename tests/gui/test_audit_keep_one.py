"""Keep one in the real window's Audit tab (coatnet_gui/audit/keep_one_dialog.py): a small class-folder set of
real Fashion-MNIST images with planted copies (renamed, JPEG quality 70, cropped by a pixel) is audited with the
small model as base; "Keep one…" previews the plan, refuses a DEST inside the audited folder, then moves the
copies into DEST off the GUI thread, the kept files untouched; "Undo keep one" puts every file back, byte for
byte, at its path."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from gui_helpers import TIMEOUT_MS
from PIL import Image

from model.audit.keep_one import default_dest
from model.names import folder_name

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"
AUDIT_MS = 300_000  # features of 27 images on a shared CPU


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root``: relative path -> bytes."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_keep_one_moves_the_planted_copies_and_undo_puts_every_byte_back(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    tab = window.audit
    tab.session.settings.folds = 2
    window.tabs.setCurrentWidget(tab)
    root = tmp_path / "photos"
    originals = {}
    for klass in ("Trouser", "Bag", "Sneaker"):
        for f in sorted(SLICE.glob(f"*_{folder_name(klass)}.png"))[:8]:
            (root / klass).mkdir(parents=True, exist_ok=True)
            originals[f"{klass}/{f.name}"] = shutil.copy(f, root / klass / f.name)
    bag = sorted(SLICE.glob("*_Bag.png"))[2]
    shutil.copy(bag, root / "Bag" / "renamed.png")
    with Image.open(bag) as image:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=70)
        (root / "Bag" / "bag-jpeg.jpg").write_bytes(out.getvalue())
        image.crop((0, 0, 28, 27)).resize((81, 84)).save(root / "Bag" / "bag-cropped-large.png")  # the largest
    before = tree(root)

    tab.result = None
    tab.audit_path(str(root))
    qtbot.waitUntil(lambda: tab.result is not None and not tab.session.running, timeout=AUDIT_MS)
    rows = {Path(r.path).name: r for r in tab.result.rows}
    copies = ("renamed.png", "bag-jpeg.jpg", "bag-cropped-large.png")
    group = rows[bag.name].group
    assert group > 0 and all(rows[c].group == group for c in copies), {n: r.group for n, r in rows.items()}
    assert tab.keeper.keep_button.isEnabled()

    tab.table.clearSelection()
    tab.keeper.keep_button.click()  # no selection: every group
    dialog = tab.keeper.dialog
    assert dialog is not None and dialog.isVisible()
    groups = {g.number: g for g in dialog.plan}
    assert groups[group].keep == root / "Bag" / "bag-cropped-large.png"
    assert {p.name for p in groups[group].move} == {bag.name, "renamed.png", "bag-jpeg.jpg"}
    assert dialog.dest() == str(default_dest(root))
    dialog.dest_edit.setText(str(root / "Trouser" / "dups"))  # inside the audited folder: refused
    assert not dialog.move_button.isEnabled() and "inside the audited folder" in dialog.problem.text()
    assert dialog.steps() == []
    dest = tmp_path / "chosen-dest"
    dialog.dest_edit.setText(str(dest))
    assert dialog.move_button.isEnabled() and dialog.problem.text() == ""
    assert {s.dst for s in dialog.steps()} >= {dest / "Bag" / bag.name, dest / "Bag" / "renamed.png"}
    preview = dialog.tree.topLevelItem(0)
    assert preview.text(0).startswith("Group ") and preview.childCount() >= 1

    with qtbot.waitSignal(tab.keeper.done, timeout=TIMEOUT_MS) as done:
        dialog.move_button.click()
    outcome = done.args[0]
    assert outcome.failed == [] and outcome.manifest.parent == dest
    moved = {f"Bag/{n}" for n in (bag.name, "renamed.png", "bag-jpeg.jpg")}
    assert moved <= set(tree(dest)) and all(tree(dest)[m] == before[m] for m in moved)
    assert tree(root) == {k: v for k, v in before.items() if k not in set(tree(dest))}
    assert (root / "Bag" / "bag-cropped-large.png").read_bytes() == before["Bag/bag-cropped-large.png"]
    assert "Keep one: " in tab.status.text() and str(outcome.manifest) in tab.status.text()
    assert rows["renamed.png"].group == 0 and rows["bag-cropped-large.png"].group == group
    assert tab.keeper.undo_button.isEnabled()

    with qtbot.waitSignal(tab.keeper.undone, timeout=TIMEOUT_MS) as undone:
        tab.keeper.undo_button.click()
    assert undone.args[0].problems == []
    assert tree(root) == before  # every path and byte back
    assert sorted(tree(dest)) == [outcome.manifest.name]
    assert rows["renamed.png"].group == group and "Undo keep one: Moved" in tab.status.text()
    assert not tab.keeper.undo_button.isEnabled()
