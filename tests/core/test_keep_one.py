"""Keep one per duplicate group (model/audit/keep_one.py) on real Fashion-MNIST files: which file is kept, the
others moved into DEST at their relative paths through the sort machinery, undo puts everything back byte for
byte; and the hostile cases: a file gone, a name taken in DEST, DEST a link or inside the audited folder, files
outside the audited folder."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import pytest
from PIL import Image

from model.audit.keep_one import (
    KeepOneError,
    check_dest,
    default_dest,
    keep_one,
    keep_one_steps,
    plan_keep_one,
)
from model.audit.report import AuditResult, AuditRow
from model.batch.manifest import read_manifest
from model.batch.undo import undo_sort

SLICE = Path(__file__).resolve().parents[1] / "data" / "fmnist_test_slice"


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _write(path: Path, source: Path, scale: float = 1.0, fmt: str = "PNG") -> Path:
    """Write a copy of ``source`` at ``path``, scaled (a larger picture) and in ``fmt``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with Image.open(source) as image:
        if scale != 1.0:
            image = image.resize((round(image.width * scale), round(image.height * scale)))
        out = io.BytesIO()
        image.save(out, fmt, quality=70)
    path.write_bytes(out.getvalue())
    return path


@pytest.fixture()
def audited(tmp_path):
    """A class-folder tree (inside a split folder) with two duplicate groups and one lone image, and its
    AuditResult: group 1 is three copies of one Coat image (the 2x one the largest), group 2 a leak: the same
    Shirt image labelled Shirt twice and T-shirt/top once (the T-shirt/top copy the largest)."""
    root = tmp_path / "photos"
    coat, shirt, lone = (sorted(SLICE.glob(f"*_{c}.png"))[0] for c in ("Coat", "Shirt", "Bag"))
    paths = {
        "coat": _write(root / "train" / "Coat" / "coat.png", coat),
        "coat-big": _write(root / "train" / "Coat" / "coat-big.png", coat, 2.0),
        "coat-jpeg": _write(root / "train" / "Coat" / "coat.jpg", coat, fmt="JPEG"),
        "shirt": _write(root / "train" / "Shirt" / "shirt.png", shirt),
        "shirt-jpeg": _write(root / "train" / "Shirt" / "shirt.jpg", shirt, fmt="JPEG"),
        "shirt-big": _write(root / "train" / "T-shirt-top" / "shirt-big.png", shirt, 3.0),
        "lone": _write(root / "train" / "Bag" / "lone.png", lone),
    }
    given = {"coat": "Coat", "coat-big": "Coat", "coat-jpeg": "Coat", "shirt": "Shirt", "shirt-jpeg": "Shirt",
             "shirt-big": "T-shirt/top", "lone": "Bag"}  # fmt: skip
    group = {"coat": 1, "coat-big": 1, "coat-jpeg": 1, "shirt": 2, "shirt-jpeg": 2, "shirt-big": 2, "lone": 0}
    rows = [AuditRow(str(paths[k]), given[k], group=group[k]) for k in paths]
    result = AuditResult(rows, sorted(set(given.values())), groups=2)
    return root, paths, result


def test_the_largest_is_kept_and_a_leak_keeps_its_majority_class(audited):
    root, paths, result = audited
    plan = {g.number: g for g in plan_keep_one(result, root)}
    assert plan[1].keep == paths["coat-big"] and set(plan[1].move) == {paths["coat"], paths["coat-jpeg"]}
    assert plan[1].why == f"the largest ({56 * 56:,} pixels)"
    # the T-shirt/top copy is the largest, but Shirt is the group's majority: a Shirt file stays, of two with
    # the same pixels the larger file
    shirts = sorted((paths["shirt"], paths["shirt-jpeg"]), key=lambda p: p.stat().st_size)
    assert plan[2].keep == shirts[1] and set(plan[2].move) == {shirts[0], paths["shirt-big"]}
    assert plan[2].why == "labelled Shirt, the group's majority"
    assert [g.number for g in plan_keep_one(result, root, groups=[2, 7])] == [2]  # only groups that exist


def test_a_tied_leak_keeps_the_class_the_audit_suggests(audited):
    root, paths, result = audited
    rows = [r for r in result.rows if r.group == 2 and r.path != str(paths["shirt-jpeg"])]  # one of each class
    for r in rows:
        r.suggested = "T-shirt/top"
    tied = AuditResult(rows, result.classes)
    assert plan_keep_one(tied, root)[0].keep == paths["shirt-big"]
    for r in rows:
        r.suggested = ""  # no suggestion either way: the largest
    assert plan_keep_one(tied, root)[0].keep == paths["shirt-big"]
    rows[1].suggested, rows[0].suggested = "T-shirt/top", "Shirt"  # the audit is split too: the largest
    assert plan_keep_one(tied, root)[0].keep == paths["shirt-big"]
    rows[0].suggested = rows[1].suggested = "Shirt"
    assert plan_keep_one(tied, root)[0].keep == paths["shirt"]


def test_keep_one_moves_the_rest_keeping_relative_paths_and_undo_restores_everything(audited, tmp_path):
    root, paths, result = audited
    before = _tree(root)
    dest = default_dest(root)
    assert dest == tmp_path / "photos-duplicates"
    plan = plan_keep_one(result, root)
    done = keep_one(plan, root, dest)
    assert (done.kept, done.moved, done.failed) == (2, 4, [])
    assert done.manifest is not None and done.manifest.parent == dest
    moved = {p.relative_to(root).as_posix() for g in plan for p in g.move}
    assert len(moved) == 4 and "train/T-shirt-top/shirt-big.png" in moved and "train/Coat/coat.png" in moved
    assert set(_tree(dest)) == moved | {done.manifest.name}
    assert all(_tree(dest)[m] == before[m] for m in moved)
    assert _tree(root) == {k: v for k, v in before.items() if k not in moved}  # the kept files untouched
    manifest = read_manifest(done.manifest)
    assert manifest.trusted and manifest.mode == "move" and manifest.files == 4
    undone = undo_sort(done.manifest)
    assert undone.restored == 4 and undone.problems == []
    assert _tree(root) == before
    assert [p.name for p in dest.iterdir()] == [done.manifest.name]  # nested folders it made are gone


def test_a_file_gone_after_planning_fails_alone_and_a_gone_file_is_never_kept(audited):
    root, paths, result = audited
    plan = plan_keep_one(result, root)
    paths["coat"].unlink()
    done = keep_one(plan, root, default_dest(root))
    assert done.moved == 3 and [(p, why) for p, why in done.failed] == [(paths["coat"], "no such file")]
    assert all(g.keep.is_file() for g in plan)
    assert undo_sort(done.manifest).restored == 3
    paths["coat-big"].unlink()  # the largest is gone before planning (and coat.png was already): coat.jpg stays
    plan = {g.number: g for g in plan_keep_one(result, root)}
    assert plan[1].keep == paths["coat-jpeg"] and set(plan[1].move) == {paths["coat"], paths["coat-big"]}
    paths["coat-jpeg"].unlink()
    gone = {g.number: g for g in plan_keep_one(result, root)}[1]
    assert gone.keep is None and gone.why == "every file is gone"
    assert keep_one([gone], root, default_dest(root)).kept == 0


def test_a_name_taken_in_dest_is_never_overwritten(audited):
    root, paths, result = audited
    dest = default_dest(root)
    (dest / "train" / "Coat").mkdir(parents=True)
    (dest / "train" / "Coat" / "coat.png").write_bytes(b"the user's own file")
    before = _tree(root)
    done = keep_one(plan_keep_one(result, root, groups=[1]), root, dest)
    assert done.moved == 2 and done.failed == []
    assert (dest / "train" / "Coat" / "coat.png").read_bytes() == b"the user's own file"
    assert (dest / "train" / "Coat" / "coat (2).png").read_bytes() == before["train/Coat/coat.png"]
    undo_sort(done.manifest)
    assert _tree(root) == before
    assert (dest / "train" / "Coat" / "coat.png").read_bytes() == b"the user's own file"  # theirs, kept


def test_refused_destinations(audited, tmp_path):
    root, paths, result = audited
    plan = plan_keep_one(result, root)
    before = _tree(root)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "link").symlink_to(elsewhere)
    (tmp_path / "into-root").symlink_to(root)
    (tmp_path / "a-file").write_text("x")
    refused = {
        tmp_path / "link": "is a link",
        root: "lies inside the audited folder",
        root / "train" / "dups": "lies inside the audited folder",
        tmp_path / "into-root" / "dups": "lies inside the audited folder",  # inside it through a link
        tmp_path: "holds the audited folder",
        tmp_path / "a-file": "is not a folder",
    }
    for dest, why in refused.items():
        with pytest.raises(KeepOneError, match=why):
            keep_one(plan, root, dest)
    assert _tree(root) == before and list(elsewhere.iterdir()) == []
    assert check_dest(tmp_path / "new" / "dups", root) == tmp_path / "new" / "dups"


def test_files_outside_the_audited_folder_are_kept_never_moved(audited, tmp_path):
    root, paths, result = audited
    held = tmp_path / "held-out" / "Coat"
    held.mkdir(parents=True)
    outside = [shutil.copy(paths["coat"], held / name) for name in ("a.png", "b.png")]
    rows = [r for r in result.rows if r.group == 1] + [AuditRow(str(p), "Coat", group=1) for p in outside]
    plan = plan_keep_one(AuditResult(rows, ["Coat"]), root)
    assert plan[0].keep == Path(outside[0]) and plan[0].why == "outside the audited folder, never moved"
    assert all(s.src != Path(outside[1]) for s in keep_one_steps(plan, root, default_dest(root)))
    done = keep_one(plan, root, default_dest(root))
    assert done.moved == 3  # the three copies inside the audited folder
    assert done.failed == [(Path(outside[1]), f"not moved: it is outside the audited folder {root}")]
    assert Path(outside[0]).is_file() and Path(outside[1]).is_file()


def test_nothing_to_move_writes_no_manifest(audited):
    root, paths, result = audited
    done = keep_one([], root, default_dest(root))
    assert (done.kept, done.moved, done.failed, done.manifest) == (0, 0, [], None)
    assert not default_dest(root).exists()


def test_a_tied_leak_follows_the_suggestion_most_of_its_files_get(audited):
    root, paths, result = audited
    given = (("shirt", "Shirt"), ("shirt-jpeg", "Shirt"), ("shirt-big", "T-shirt/top"), ("coat", "T-shirt/top"))
    rows = [AuditRow(str(paths[k]), g) for k, g in given]
    for row, suggested in zip(rows, ("Shirt", "Shirt", "Shirt", "T-shirt/top"), strict=True):
        row.group, row.suggested = 1, suggested
    kept = plan_keep_one(AuditResult(rows, ["Shirt", "T-shirt/top"]), root)[0]
    assert kept.keep in (paths["shirt"], paths["shirt-jpeg"])  # not the largest, shirt-big
    assert kept.why == "labelled Shirt, as the audit suggests for most of the group"


def test_keep_one_never_plans_a_frame_and_keeps_the_image(tmp_path: Path):
    from model.audit.keep_one import keep_one, plan_keep_one
    from model.audit.report import AuditResult, AuditRow

    root = tmp_path / "in"
    root.mkdir()
    Image.new("RGB", (8, 8)).save(root / "copy.png")
    (root / "clip.mp4").write_bytes(b"video")
    rows = [
        AuditRow(str(root / "copy.png"), "A", group=1),
        AuditRow(str(root / "clip.mp4#t=0.000"), "A", group=1),
        AuditRow(str(root / "clip.mp4#t=2.000"), "A", group=2),  # a group of frames only
        AuditRow(str(root / "other.mp4#t=0.000"), "A", group=2),
    ]
    plan = plan_keep_one(AuditResult(rows, ["A"]), root)
    assert [(g.number, g.keep, g.move) for g in plan] == [(1, root / "copy.png", ())]
    assert plan[0].why.endswith("1 video frames of the group stay in their videos")
    outcome = keep_one(plan, root, tmp_path / "dups")
    assert (outcome.kept, outcome.moved, outcome.failed) == (1, 0, [])
    assert (root / "clip.mp4").read_bytes() == b"video" and (root / "copy.png").is_file()


def test_a_file_literally_named_like_a_frame_is_a_file_to_keep_or_move(tmp_path: Path):
    """The audit reads ``odd.mp4#t=1.000`` as the file of that name when it exists (model.video.stills.frame_source):
    keep-one plans it like any file, not as a frame left in its video."""
    from model.audit.keep_one import plan_keep_one
    from model.audit.report import AuditResult, AuditRow

    root = tmp_path / "in"
    root.mkdir()
    Image.new("RGB", (16, 16)).save(root / "odd.mp4#t=1.000", format="PNG")
    Image.new("RGB", (8, 8)).save(root / "small.png")
    rows = [AuditRow(str(root / "odd.mp4#t=1.000"), "A", group=1), AuditRow(str(root / "small.png"), "A", group=1)]
    plan = plan_keep_one(AuditResult(rows, ["A"]), root)
    assert [(g.keep, g.move, g.why) for g in plan] == [
        (root / "odd.mp4#t=1.000", (root / "small.png",), "the largest (256 pixels)")
    ]


def test_the_reason_names_pixels_and_an_unreadable_header_is_still_a_file(tmp_path: Path):
    from model.audit.keep_one import plan_keep_one

    root = tmp_path / "in"
    root.mkdir()
    Image.new("L", (30, 20)).save(root / "big.png")
    Image.frombytes("L", (10, 10), bytes(range(0, 250, 5)) * 2).save(root / "small.png")  # more bytes, fewer pixels
    (root / "x.png").write_bytes(b"not an image, longer")
    (root / "y.png").write_bytes(b"not one")
    rows = [
        AuditRow(str(root / n), "A", group=g) for n, g in (("big.png", 1), ("small.png", 1), ("x.png", 2), ("y.png", 2))
    ]
    assert (root / "small.png").stat().st_size > (root / "big.png").stat().st_size
    first, second = plan_keep_one(AuditResult(rows, ["A"]), root)
    assert (first.keep, first.why) == (root / "big.png", "the largest (600 pixels)")
    assert (second.keep, second.why) == (root / "x.png", "the largest file")  # headers unreadable, files there


def test_keep_one_names_the_audited_folder_absolutely(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    from model.audit.keep_one import KeptGroup, keep_one

    (tmp_path / "in").mkdir()
    Image.new("L", (4, 4)).save(tmp_path / "in" / "a.png")
    Image.new("L", (4, 4)).save(tmp_path / "out.png")
    monkeypatch.chdir(tmp_path)
    plan = [KeptGroup(1, tmp_path / "in" / "a.png", (tmp_path / "out.png",), "")]
    outcome = keep_one(plan, "in", tmp_path / "dups")
    assert outcome.failed == [(tmp_path / "out.png", f"not moved: it is outside the audited folder {tmp_path / 'in'}")]
