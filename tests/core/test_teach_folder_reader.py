"""The teach dataset reader's folder rules and the held-out split's limits, each checked on real digit images:
images at any depth in a class folder, a folder that cannot be listed, a folder without class folders, and a
split that always keeps an image to learn from and one to check."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from model.teach import TeachError, labelled_from_folder
from model.teach.dataset import stratified_split

DIGITS = Path(__file__).resolve().parents[1] / "data" / "digits"


def _digit(name: str, k: int = 0) -> Path:
    return sorted((DIGITS / name).iterdir())[k]


def test_images_at_any_depth_of_a_class_folder_take_its_name(tmp_path):
    for depth, k in (("", 0), ("scans", 1), ("scans/2024/march", 2)):
        folder = tmp_path / "zero" / depth
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(_digit("zero", k), folder / f"zero{k}.png")
    (tmp_path / "one").mkdir()
    shutil.copy(_digit("one"), tmp_path / "one" / "one.png")
    data = labelled_from_folder(tmp_path)
    found = {os.path.relpath(p, tmp_path): data.classes[c] for p, c in zip(data.paths, data.labels, strict=True)}
    assert found == {
        "zero/zero0.png": "zero",
        "zero/scans/zero1.png": "zero",
        "zero/scans/2024/march/zero2.png": "zero",
        "one/one.png": "one",
    }
    assert data.classes == ["one", "zero"]  # a nested folder is never a class of its own


def test_a_folder_that_cannot_be_listed_is_one_clear_error(tmp_path, monkeypatch):
    (tmp_path / "zero").mkdir()
    real = os.scandir

    def refuse(path="."):
        if Path(path) == tmp_path:
            raise PermissionError(13, "Permission denied")
        return real(path)

    monkeypatch.setattr(os, "scandir", refuse)
    with pytest.raises(TeachError, match=rf"^Cannot list {tmp_path}: Permission denied\.$"):
        labelled_from_folder(tmp_path)


def test_loose_images_without_class_folders_say_what_layout_is_needed(tmp_path):
    shutil.copy(_digit("zero"), tmp_path / "a.png")
    (tmp_path / ".hidden").mkdir()  # a hidden folder is no class
    with pytest.raises(TeachError, match="has no class folders: put each class's images in a sub-folder"):
        labelled_from_folder(tmp_path)
    with pytest.raises(TeachError, match="is not a folder"):
        labelled_from_folder(tmp_path / "a.png")


@pytest.mark.parametrize(("count", "val_split"), [(2, 0.9), (2, 0.1), (3, 0.99), (10, 0.5)])
def test_the_split_keeps_one_image_to_learn_from_and_one_to_check_per_class(count, val_split):
    labels = [0] * count + [1] * 20
    train, held = stratified_split(labels, val_split, seed=3)
    small_train = [i for i in train if labels[i] == 0]
    small_held = [i for i in held if labels[i] == 0]
    assert len(small_train) >= 1 and len(small_held) >= 1
    assert len(small_held) == min(max(1, round(count * val_split)), count - 1)
    assert sorted(train + held) == list(range(len(labels)))  # every image once
    assert len([i for i in held if labels[i] == 1]) == min(max(1, round(20 * val_split)), 19)


def test_a_held_out_fraction_outside_zero_to_one_is_refused():
    for bad in (0.0, 1.0, -0.1, 1.5):
        with pytest.raises(TeachError, match="between 0 and 1"):
            stratified_split([0, 0, 1, 1], bad, seed=0)
