"""Fuzzing sort manifests: crafted and mutated manifests through ``read_manifest`` and ``undo_sort`` in a real
folder tree (originals, a DEST holding a link out, a victim folder with an identical copy, a link to DEST).

Properties: every case ends in a result or a documented error (``ValueError`` — ``ForeignManifest`` is one — or
``OSError``); nothing outside the manifest's own folder (its DEST) changes, except the originals that a manifest
this app signed, unchanged, puts back; a foreign manifest without ``allow_foreign`` changes nothing at all."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import event, given
from hypothesis import strategies as st

from model.batch.manifest import ManifestWriter, read_manifest
from model.batch.undo import undo_sort
from tests.fuzz.fuzzing import FUZZ, bounded, changes_outside, mostly, snapshot

# paths relative to the case's folder; "@" marks one to be made absolute there
PLACES = [
    "@photos/a.jpg",
    "@photos/b.jpg",
    "@victim/notes.txt",
    "@victim/a.jpg",
    "@dest/cat/a.jpg",
    "@dest/dog/b.jpg",
    "@dest/cat",
    "@dest/link_out/notes.txt",
    "@dest/../victim/notes.txt",
    "@dest_link/cat/a.jpg",
    "@dest",
    "@victim",
    "@",
    "relative/a.jpg",
    "",
]
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
NAME = st.sampled_from(PLACES) | st.text(max_size=20)
PATH = NAME | JSON
PAIRS = [  # (src, dst) that a real sort wrote, or that a crafted manifest would use against the user
    ("@photos/a.jpg", "@dest/cat/a.jpg"),
    ("@photos/b.jpg", "@dest/dog/b.jpg"),
    ("@victim/a.jpg", "@dest/cat/a.jpg"),
    ("@photos/a.jpg", "@victim/a.jpg"),
    ("@victim/notes.txt", "@victim/notes.txt"),
    ("@dest/cat/a.jpg", "@dest/cat/a.jpg"),
    ("@photos/a.jpg", "@dest/link_out/a.jpg"),
    ("@victim/notes.txt", "@dest/../victim/notes.txt"),
    ("@victim/b.jpg", "@dest/dog/b.jpg"),
]
GOOD_ENTRY = (
    st.sampled_from(PAIRS).map(lambda pair: {"src": pair[0], "dst": pair[1]})
    | st.fixed_dictionaries({"src": NAME, "dst": NAME})
    | st.fixed_dictionaries({"mkdir": NAME})
)
ODD_ENTRY = (
    st.fixed_dictionaries({"src": PATH, "dst": PATH})
    | st.fixed_dictionaries({"src_b64": st.text(), "dst": PATH})
    | JSON
)


HEADER = st.fixed_dictionaries(
    {
        "coatnet_sort_manifest": mostly(st.just(1), JSON),
        "mode": mostly(st.sampled_from(["copy", "move"]), JSON),
        "dest": mostly(st.just("HERE"), st.sampled_from(["@dest", "@dest_link", "@victim", "@nowhere", "dest"]) | JSON),
        "nonce": st.text(max_size=8) | JSON,
    }
)  # "HERE": the folder the manifest lies in


def resolve(value: object, base: Path) -> object:
    """Return ``value`` with "@..." strings made absolute under ``base`` (nested values too)."""
    if isinstance(value, str) and value.startswith("@"):
        return str(base / value[1:]) if value != "@" else str(base)
    if isinstance(value, dict):
        return {k: resolve(v, base) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve(v, base) for v in value]
    return value


def make_tree(base: Path) -> list[Path]:
    """Build the case's folders and two genuine signed manifests in ``base/dest`` (a copy sort and a move sort);
    return the manifests."""
    for folder in ("photos", "victim", "dest/cat", "dest/dog"):
        (base / folder).mkdir(parents=True)
    (base / "photos/a.jpg").write_bytes(b"picture a")
    (base / "dest/dog/b.jpg").write_bytes(b"picture b")  # moved there by the move sort
    (base / "victim/notes.txt").write_text("the user's notes")
    (base / "victim/a.jpg").write_bytes(b"picture a")  # identical to an original: deleting it would be a loss
    shutil.copyfile(base / "photos/a.jpg", base / "dest/cat/a.jpg")
    (base / "dest/link_out").symlink_to(base / "victim")
    (base / "dest_link").symlink_to(base / "dest")
    manifests = []
    for mode, src, dst, folder in (
        ("copy", "photos/a.jpg", "dest/cat/a.jpg", "cat"),
        ("move", "photos/b.jpg", "dest/dog/b.jpg", "dog"),
    ):
        with ManifestWriter(base / "dest", mode) as writer:
            writer.made_folder(base / "dest" / folder)
            writer.placed(base / src, base / dst)
        manifests.append(writer.path)
        if mode == "copy":  # the two writers must not claim the same name within one second
            writer.path.rename(writer.path.with_name("coatnet-sort-copy.jsonl"))
            manifests[-1] = writer.path.with_name("coatnet-sort-copy.jsonl")
    return manifests


def check_undo(base: Path, path: Path, allow_foreign: bool) -> None:
    """Run read + undo on ``path`` and check the properties of the module docstring."""
    before = snapshot(base)
    try:
        manifest = read_manifest(path)
    except (ValueError, OSError):
        event("refused when read")
        assert changes_outside(before, snapshot(base), []) == []
        return
    allowed = [manifest.dest]
    if manifest.trusted:
        allowed += [src.parent for kind, src, _ in manifest.entries if kind == "file"]
    try:
        result = undo_sort(manifest, allow_foreign=allow_foreign)
        event(f"undone ({'signed' if manifest.trusted else 'foreign'}, {'some' if result.restored else 'no'} files)")
    except (ValueError, OSError):
        event("undo refused")
        allowed = []
    assert changes_outside(before, snapshot(base), allowed) == []
    if not manifest.trusted and not allow_foreign:
        assert changes_outside(before, snapshot(base), []) == []


@FUZZ
@given(
    header=HEADER,
    entries=st.lists(mostly(GOOD_ENTRY, ODD_ENTRY), max_size=6),
    junk=st.lists(st.binary(max_size=20), max_size=1),
    where=st.sampled_from(["dest", "victim", "dest/cat"]),
    allow_foreign=st.booleans(),
)
def test_crafted_manifests(header: dict, entries: list, junk: list[bytes], where: str, allow_foreign: bool):
    with tempfile.TemporaryDirectory() as tmp, bounded("sort manifests (crafted)"):
        base = Path(tmp)
        make_tree(base)
        if header["dest"] == "HERE":
            header["dest"] = f"@{where}"
        lines = [json.dumps(resolve(obj, base)).encode() + b"\n" for obj in [header, *entries]] + junk
        path = base / where / "coatnet-sort-evil.jsonl"
        path.write_bytes(b"".join(lines))
        check_undo(base, path, allow_foreign)


@FUZZ
@given(
    which=st.integers(0, 1),
    edits=st.lists(
        st.tuples(
            st.sampled_from(["drop", "repeat", "swap", "field", "byte"]), st.integers(0, 10), PATH, st.integers(0, 255)
        ),
        min_size=0,
        max_size=3,
    ),
    allow_foreign=st.booleans(),
)
def test_mutated_signed_manifests(which: int, edits: list, allow_foreign: bool):
    with tempfile.TemporaryDirectory() as tmp, bounded("sort manifests (mutated)"):
        base = Path(tmp)
        path = make_tree(base)[which]
        lines = path.read_bytes().splitlines(keepends=True)
        for op, at, value, byte in edits:
            i = at % len(lines)
            if op == "drop":
                del lines[i]
            elif op == "repeat":
                lines.insert(i, lines[i])
            elif op == "swap":
                lines[i], lines[-1] = lines[-1], lines[i]
            elif op == "field":
                try:
                    obj = json.loads(lines[i])
                except ValueError:
                    continue  # a line an earlier edit broke
                if isinstance(obj, dict) and obj:
                    obj[sorted(obj)[byte % len(obj)]] = resolve(value, base)
                    lines[i] = json.dumps(obj).encode() + b"\n"
            else:
                line = bytearray(lines[i])
                line[byte % len(line)] = byte
                lines[i] = bytes(line)
            if not lines:
                break
        path.write_bytes(b"".join(lines))
        check_undo(base, path, allow_foreign)


def test_an_unchanged_signed_manifest_is_undone():
    """The mutation test's baseline: with no edit, the genuine manifests are trusted and undo both sorts."""
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        copy, move = make_tree(base)
        assert read_manifest(copy).trusted and read_manifest(move).trusted
        assert undo_sort(copy).restored == 1 and undo_sort(move).restored == 1
        assert not (base / "dest/cat/a.jpg").exists() and (base / "photos/b.jpg").read_bytes() == b"picture b"
        assert (base / "victim/a.jpg").exists() and os.path.islink(base / "dest/link_out")
