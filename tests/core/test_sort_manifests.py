"""Undo trusts nothing a manifest says: crafted manifests, links and tampered lines cannot make it delete or move
a file outside the folder the sort wrote into (issue: hostile files cannot make the app destroy data)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from model import fileguard
from model.batch.journal import encode_path
from model.batch.manifest import MANIFEST_KEY, read_manifest
from model.batch.sort import apply_sort, plan_sort
from model.batch.undo import ForeignManifest, undo_question, undo_sort
from model.fileguard import claim, is_inside, transfer
from model.signing import key_path, signed, user_key


def _records(names: list[str], classes: list[int]) -> list[dict]:
    return [
        {**encode_path(n), "labels": ["?"], "indices": [c], "probs": [0.9], "error": None}
        for n, c in zip(names, classes, strict=True)
    ]


def _files(root: Path, *names: str) -> None:
    for name in names:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(f"content of {name}")


def _write(path: Path, lines: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(line) + "\n" for line in lines), encoding="utf-8")
    return path


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A user file outside every sort destination."""
    _files(tmp_path / "victim", "notes.txt")
    return tmp_path / "victim" / "notes.txt"


def test_the_reported_manifest_in_an_unrelated_folder_deletes_nothing(tmp_path: Path, victim: Path):
    evil = tmp_path / "evil"
    manifest = _write(
        evil / "coatnet-sort-evil.jsonl",
        [
            {MANIFEST_KEY: 1, "mode": "copy", "dest": str(evil / "dest")},
            {"src": str(victim), "dst": str(victim)},
        ],
    )
    with pytest.raises(ValueError, match="must lie in the folder it sorted into"):
        undo_sort(manifest, allow_foreign=True)
    assert victim.read_text() == "content of notes.txt"


@pytest.mark.parametrize("src_kind", ["same", "identical copy"])
def test_a_foreign_manifest_in_its_dest_cannot_reach_a_file_outside(tmp_path: Path, victim: Path, src_kind: str):
    dest = tmp_path / "dest"
    src = victim if src_kind == "same" else tmp_path / "copy.txt"
    src.write_text(victim.read_text())
    manifest = _write(
        dest / "coatnet-sort-x.jsonl",
        [{MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest)}, {"src": str(src), "dst": str(victim)}],
    )
    with pytest.raises(ForeignManifest, match="not written by this app"):
        undo_sort(manifest)
    result = undo_sort(manifest, allow_foreign=True)  # even when the user confirms
    assert result.restored == 0 and "not inside" in result.problems[0]
    assert victim.read_text() == "content of notes.txt"


def test_a_foreign_move_manifest_moves_nothing_out_of_dest_but_may_remove_identical_copies(tmp_path: Path):
    dest = tmp_path / "dest"
    _files(dest, "k/a.png", "k/b.png")
    _files(tmp_path / "orig", "b.png")
    (tmp_path / "orig" / "b.png").write_text("content of k/b.png")
    moved = _write(
        dest / "coatnet-sort-m.jsonl",
        [
            {MANIFEST_KEY: 1, "mode": "move", "dest": str(dest)},
            {"src": str(tmp_path / "autostart" / "a.png"), "dst": str(dest / "k" / "a.png")},
        ],
    )
    result = undo_sort(moved, allow_foreign=True)
    assert result.restored == 0 and "cannot move files out of" in result.problems[0]
    assert (dest / "k" / "a.png").exists() and not (tmp_path / "autostart").exists()

    copied = _write(
        dest / "coatnet-sort-c.jsonl",
        [
            {MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest)},
            {"src": str(tmp_path / "orig" / "b.png"), "dst": str(dest / "k" / "b.png")},
        ],
    )
    assert f"copied {tmp_path / 'orig' / 'b.png'} -> {dest / 'k' / 'b.png'}" in read_manifest(copied).describe()
    assert undo_sort(copied, allow_foreign=True).restored == 1
    assert not (dest / "k" / "b.png").exists() and (tmp_path / "orig" / "b.png").exists()


def test_a_genuine_sort_is_trusted_and_a_changed_line_makes_it_foreign(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "b.png")
    result = apply_sort(plan_sort(_records(["a.png", "b.png"], [0, 0]), root, dest, ["k"]), dest, move=True)
    manifest = read_manifest(result.manifest)
    assert manifest.trusted and manifest.files == 2 and manifest.mode == "move"
    assert oct(key_path().stat().st_mode & 0o777) == "0o600"

    lines = result.manifest.read_text(encoding="utf-8").splitlines(keepends=True)
    tampered = json.loads(lines[-1])
    tampered["src"] = str(tmp_path / "elsewhere" / "b.png")
    result.manifest.write_text("".join(lines[:-1]) + json.dumps(tampered) + "\n", encoding="utf-8")
    assert not read_manifest(result.manifest).trusted
    with pytest.raises(ForeignManifest):
        undo_sort(result.manifest)
    assert not (tmp_path / "elsewhere").exists() and (dest / "k" / "b.png").exists()

    result.manifest.write_text("".join(lines[:-1]) + lines[-1][:-1], encoding="utf-8")  # torn last line: ignored
    assert read_manifest(result.manifest).trusted and read_manifest(result.manifest).files == 1


def test_another_users_manifest_is_foreign(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png")
    monkeypatch.setenv("COATNET_LENS_DATA", str(tmp_path / "someone-else"))
    result = apply_sort(plan_sort(_records(["a.png"], [0]), root, dest, ["k"]), dest, move=True)
    monkeypatch.setenv("COATNET_LENS_DATA", str(tmp_path / "me"))
    assert not read_manifest(result.manifest).trusted
    with pytest.raises(ForeignManifest):
        undo_sort(result.manifest)


def test_lines_cannot_be_reordered_or_moved_into_another_manifest(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png", "b.png")
    first = apply_sort(plan_sort(_records(["a.png"], [0]), root, dest, ["k"]), dest)
    second = apply_sort(plan_sort(_records(["b.png"], [0]), root, dest, ["k"]), dest)
    one, two = (m.read_text(encoding="utf-8").splitlines(keepends=True) for m in (first.manifest, second.manifest))
    second.manifest.write_text(two[0] + one[2], encoding="utf-8")  # a's signed line under b's header
    assert not read_manifest(second.manifest).trusted


def test_a_link_cannot_redirect_an_undo(tmp_path: Path, victim: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "notes.txt")
    (root / "notes.txt").write_text(victim.read_text())
    result = apply_sort(plan_sort(_records(["notes.txt"], [0]), root, dest, ["k"]), dest)
    assert read_manifest(result.manifest).trusted
    # the class folder is swapped for a link to the victim's folder, which holds an identical file
    (dest / "k" / "notes.txt").unlink()
    (dest / "k").rmdir()
    (dest / "k").symlink_to(victim.parent, target_is_directory=True)
    undone = undo_sort(result.manifest)
    assert undone.restored == 0 and "not inside" in undone.problems[0]
    assert victim.read_text() == "content of notes.txt"

    linked = tmp_path / "linked-dest"
    linked.symlink_to(dest, target_is_directory=True)
    with pytest.raises(ValueError, match="must not be a link"):
        read_manifest(linked / result.manifest.name)
    with pytest.raises(ValueError, match="is a link"):
        apply_sort([], linked)


def test_rules_hold_for_a_signed_manifest_too(tmp_path: Path):
    """Even a manifest signed with the user's key (say, written by a buggy version) never acts outside DEST or
    on a dst that is its own src."""
    dest, key = tmp_path / "dest", user_key()
    _files(dest, "k/a.png")
    _files(tmp_path, "outside.png")
    header = {MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest), "nonce": "n"}
    lines = [header, {"src": str(dest / "k" / "a.png"), "dst": str(dest / "k" / "a.png")}]
    lines.append({"src": str(tmp_path / "outside.png"), "dst": str(tmp_path / "outside.png")})
    lines.append({"mkdir": str(tmp_path)})
    manifest = _write(
        dest / "coatnet-sort-s.jsonl", [signed(key, line, f"{MANIFEST_KEY}:n:{i}") for i, line in enumerate(lines)]
    )
    assert read_manifest(manifest).trusted
    result = undo_sort(manifest)
    assert result.restored == 0 and len(result.problems) == 2
    assert "same file" in result.problems[1] and "not inside" in result.problems[0]
    assert (dest / "k" / "a.png").exists() and (tmp_path / "outside.png").exists()


def test_a_moved_file_goes_back_only_onto_a_free_name(tmp_path: Path):
    root, dest = tmp_path / "in", tmp_path / "out"
    _files(root, "a.png")
    result = apply_sort(plan_sort(_records(["a.png"], [0]), root, dest, ["k"]), dest, move=True)
    (root / "a.png").write_text("the user's new file")
    undone = undo_sort(result.manifest)
    assert undone.restored == 0 and "exists again" in undone.problems[0]
    assert (root / "a.png").read_text() == "the user's new file"
    assert (dest / "k" / "a.png").read_text() == "content of a.png"


@pytest.mark.parametrize("name", ["../escape.png", "/etc/passwd"])
def test_a_record_outside_the_labelled_folder_is_refused(tmp_path: Path, name: str):
    with pytest.raises(ValueError, match="must lie inside"):
        list(plan_sort(_records([name], [0]), tmp_path / "in", tmp_path / "out", ["k"]))


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "no manifest header"),
        ("not json\n", "unreadable line"),
        ("[1, 2]\n", "no manifest header"),
        (json.dumps({MANIFEST_KEY: 1, "mode": "erase", "dest": "/"}) + "\n", "its header names no valid mode"),
        (
            json.dumps({MANIFEST_KEY: 1, "mode": "copy", "dest": "relative"}) + "\n",
            "its header names no valid mode or absolute destination",
        ),
        (json.dumps({MANIFEST_KEY: 1, "mode": "copy"}) + "\n", "its header names no mode or destination"),
    ],
)
def test_what_is_not_a_manifest_is_refused_with_a_clear_error(tmp_path: Path, text: str, why: str):
    path = tmp_path / "coatnet-sort-bad.jsonl"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=f"not a sort manifest this app can undo: {why}"):
        undo_question(path)


def test_a_header_with_a_nonce_but_no_signature_is_not_trusted(tmp_path: Path):
    dest = tmp_path / "dest"
    user_key()
    header = {MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest), "nonce": "n"}
    assert not read_manifest(_write(dest / "coatnet-sort-x.jsonl", [header])).trusted


def test_describe_lists_every_entry_or_says_how_many_more(tmp_path: Path):
    dest = tmp_path / "dest"
    lines = [{MANIFEST_KEY: 1, "mode": "move", "dest": str(dest)}, {"mkdir": str(dest / "k")}]
    lines += [{"src": f"/in/{i}.png", "dst": str(dest / "k" / f"{i}.png")} for i in range(3)]
    manifest = read_manifest(_write(dest / "coatnet-sort-x.jsonl", lines))
    assert manifest.describe().splitlines() == [
        f"move-sort into {dest} (3 files)",
        f"created folder {dest / 'k'}",
        *(f"moved /in/{i}.png -> {dest / 'k' / f'{i}.png'}" for i in range(3)),
    ]
    assert manifest.describe(limit=2).splitlines()[-1] == "... and 2 more"
    assert len(manifest.describe(limit=4).splitlines()) == 5 and "more" not in manifest.describe(limit=4)


def test_a_bad_entry_line_is_refused(tmp_path: Path):
    dest = tmp_path / "dest"
    manifest = _write(dest / "coatnet-sort-x.jsonl", [{MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest)}, {"x": 1}])
    with pytest.raises(ValueError, match="line 2 names no files"):
        read_manifest(manifest)


def test_is_inside(tmp_path: Path):
    (tmp_path / "root" / "sub").mkdir(parents=True)
    (tmp_path / "out").mkdir()
    (tmp_path / "root" / "link").symlink_to(tmp_path / "out", target_is_directory=True)
    (tmp_path / "root" / "file-link").symlink_to(tmp_path / "out" / "x")
    root = tmp_path / "root"
    assert is_inside(root / "sub" / "x", root) and is_inside(root / "x", root)
    assert is_inside(root / "file-link", root)  # a link itself is renamed or unlinked, not followed
    assert is_inside(root, root) is False and is_inside(root / "sub" / "x", root) is True
    assert not is_inside(root / ".." / "out" / "x", root)
    assert not is_inside(root / "link" / "x", root)
    assert not is_inside(tmp_path / "rootx" / "a", root)
    assert os.path.lexists(root / "file-link")


@pytest.mark.parametrize("key", ["..", ".", "", "a/../..", "../victim"])
def test_discarding_a_run_deletes_only_a_run_folder(tmp_path: Path, key: str):
    from coatnet_gui.batch.runs import RunStore  # Qt-free module in the GUI package

    store = RunStore(tmp_path / "runs")
    (tmp_path / "runs").mkdir()
    (tmp_path / "victim").mkdir()
    with pytest.raises(ValueError, match="not a run folder"):
        store.discard(key)
    assert (tmp_path / "victim").is_dir() and (tmp_path / "runs").is_dir()


def test_discarding_a_linked_run_leaves_its_target(tmp_path: Path):
    from coatnet_gui.batch.runs import RunStore

    store = RunStore(tmp_path / "runs")
    (tmp_path / "runs").mkdir()
    _files(tmp_path / "victim", "x.txt")
    (tmp_path / "runs" / "k").symlink_to(tmp_path / "victim", target_is_directory=True)
    with pytest.raises(ValueError):
        store.discard("k")
    (tmp_path / "runs" / "real").mkdir()
    store.discard("real")
    assert (tmp_path / "victim" / "x.txt").exists() and not (tmp_path / "runs" / "real").exists()


def test_undo_says_one_and_many_and_what_it_did(tmp_path: Path):
    root = tmp_path / "in"
    _files(root, "a.png", "b.png", "c.png")
    one = apply_sort(plan_sort(_records(["a.png"], [0]), root, tmp_path / "one", ["k"]), tmp_path / "one")
    assert undo_question(one.manifest) == f"Remove 1 copy from {tmp_path / 'one'}? The originals are untouched."
    assert undo_sort(one.manifest).report() == f"Removed 1 copy from {tmp_path / 'one'}; the originals were untouched."
    two = apply_sort(
        plan_sort(_records(["b.png", "c.png"], [0, 0]), root, tmp_path / "two", ["k"]), tmp_path / "two", True
    )
    assert undo_question(two.manifest) == f"Move 2 files back from {tmp_path / 'two'} to where they were?"
    (root / "c.png").write_text("new")
    report = undo_sort(two.manifest).report()
    kept = f"kept {tmp_path / 'two' / 'k' / 'c.png'}: {root / 'c.png'} exists again"
    assert report == f"Moved 1 file back from {tmp_path / 'two'}. 1 left as they are: {kept}"


def test_a_foreign_manifest_error_carries_the_manifest(tmp_path: Path):
    dest = tmp_path / "dest"
    manifest = _write(dest / "coatnet-sort-x.jsonl", [{MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest)}])
    with pytest.raises(ForeignManifest) as raised:
        undo_sort(manifest)
    assert raised.value.manifest.path == manifest and not raised.value.manifest.trusted


def test_a_dst_that_is_its_src_under_another_name_is_refused(tmp_path: Path):
    """A hard link inside DEST to the source, listed as its copy: deleting it would be harmless here, but the rule
    (src and dst differ) is what keeps an undo from ever deleting the only copy."""
    dest, key = tmp_path / "dest", user_key()
    _files(dest, "k/a.png")
    os.link(dest / "k" / "a.png", dest / "k" / "alias.png")
    header = {MANIFEST_KEY: 1, "mode": "copy", "dest": str(dest), "nonce": "n"}
    lines = [header, {"src": str(dest / "k" / "a.png"), "dst": str(dest / "k" / "alias.png")}]
    lines.append({"mkdir": str(tmp_path / "empty-outside")})
    (tmp_path / "empty-outside").mkdir()
    manifest = _write(
        dest / "coatnet-sort-s.jsonl", [signed(key, line, f"{MANIFEST_KEY}:n:{i}") for i, line in enumerate(lines)]
    )
    result = undo_sort(manifest)
    assert result.restored == 0 and "same file" in result.problems[0]
    assert (dest / "k" / "alias.png").exists() and (tmp_path / "empty-outside").is_dir()


def test_is_inside_with_relative_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    (tmp_path / "root").mkdir()
    monkeypatch.chdir(tmp_path)
    assert is_inside("root/a.png", "root") and not is_inside("a.png", "root")
    assert not is_inside("root/../a.png", "root")


def test_a_claimed_name_follows_the_umask_and_a_failed_move_keeps_the_source(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    old = os.umask(0o022)
    try:
        claimed = claim(tmp_path / "a.png")
    finally:
        os.umask(old)
    assert claimed == tmp_path / "a.png" and (claimed.stat().st_mode & 0o777) == 0o644
    assert claim(tmp_path / "a.png") == tmp_path / "a (2).png"
    (tmp_path / "src.png").write_text("keep me")

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(fileguard.os, "replace", refuse)
    with pytest.raises(PermissionError):
        transfer(tmp_path / "src.png", claimed, move=True)
    assert (tmp_path / "src.png").read_text() == "keep me" and not claimed.exists()


def test_sorting_leaves_frame_rows_out_and_never_touches_the_video(tmp_path: Path):
    from model.batch.sort import is_frame_record

    root, dest = tmp_path / "in", tmp_path / "sorted"
    root.mkdir()
    (root / "a.png").write_bytes(b"png")
    (root / "clip.mp4").write_bytes(b"video")
    names = ["a.png", "clip.mp4#t=0.000", "clip.mp4#t=0.500"]
    records = [{**encode_path(n), "indices": [0], "probs": [0.9], "error": None} for n in names]
    assert [is_frame_record(r) for r in records] == [False, True, True]
    steps = list(plan_sort(records, root, dest, ["k"]))
    assert [s.src.name for s in steps] == ["a.png"]
    result = apply_sort(steps, dest, move=True)
    assert result.done == 1 and not result.failed
    assert (root / "clip.mp4").read_bytes() == b"video" and (dest / "k" / "a.png").is_file()
