"""``label --maps``: on odd images (EXIF-rotated, portrait, tiny, grey) the overlays have the originals' sizes and
the map covers exactly the crop box the model saw; the results gain the map columns."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from coatnet_gui.cli.main import main
from model.data.decode import load_image
from model.data.pixels import crop_box
from model.explain.render import BOX_COLOUR, box_pixels
from model.weights.loading import load_model

SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"
EXIF_ORIENTATION = 0x0112


def _slice_image(index: int, size: tuple[int, int]) -> Image.Image:
    """A real test-slice image (28x28 grey) resized to ``size`` (width, height), RGB."""
    path = sorted(SLICE.glob("*.png"))[index]
    return Image.open(path).convert("RGB").resize(size, Image.Resampling.BICUBIC)


@pytest.fixture(scope="module")
def odd_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    """A folder of odd images and, per file, the pixels a viewer shows (after EXIF orientation)."""
    folder = tmp_path_factory.mktemp("odd")
    shown: dict[str, np.ndarray] = {}
    portrait = _slice_image(0, (60, 140))
    portrait.save(folder / "portrait.png")
    shown["portrait.png"] = np.asarray(portrait)
    upright = _slice_image(1, (70, 130))  # stored on its side, orientation 6: turn 90 degrees clockwise to show
    exif = Image.Exif()
    exif[EXIF_ORIENTATION] = 6
    upright.transpose(Image.Transpose.ROTATE_90).save(folder / "rotated.png", exif=exif)
    shown["rotated.png"] = np.asarray(upright)
    tiny = _slice_image(2, (9, 7))
    tiny.save(folder / "tiny.png")
    shown["tiny.png"] = np.asarray(tiny)
    grey = _slice_image(3, (110, 50)).convert("L")
    grey.save(folder / "grey.png")
    shown["grey.png"] = np.asarray(grey.convert("RGB"))
    (folder / "broken.png").write_text("not an image")
    return folder, shown


def test_maps_of_odd_images_line_up_with_the_crop_box(tmp_path: Path, odd_folder, capsys):
    folder, shown = odd_folder
    maps, out = tmp_path / "maps", tmp_path / "labels.csv"
    status = main(["label", str(folder), "--maps", str(maps), "--map-steps", "4", "--out", str(out), "--device", "cpu"])
    assert status == 1  # the broken file is an error row
    cfg = load_model("bundled").info.preprocess
    rows = {r["path"]: r for r in csv.DictReader(out.open(encoding="utf-8"))}
    assert rows["broken.png"]["error"] and rows["broken.png"]["map"] == rows["broken.png"]["deletion"] == ""
    for name, pixels in shown.items():
        row = rows[name]
        assert Path(row["map"]) == maps / f"{name}.gradcam.npy" and Path(row["overlay"]) == maps / f"{name}.gradcam.png"
        grid = np.load(row["map"])
        assert grid.dtype == np.float32 and grid.shape == (12, 12)
        assert 0.0 <= float(row["deletion"]) <= 1.0
        assert np.array_equal(np.asarray(load_image(folder / name)), pixels)  # the viewer's orientation
        overlay = np.asarray(Image.open(row["overlay"]).convert("RGB"))
        height, width = pixels.shape[:2]
        assert overlay.shape == (height, width, 3), name
        box = crop_box((width, height), cfg)
        x0, y0, x1, y1 = box_pixels(box, (width, height))
        outside = np.ones((height, width), dtype=bool)
        outside[y0:y1, x0:x1] = False
        assert np.array_equal(overlay[outside], pixels[outside]), name  # the map never covers what was not seen
        inside = overlay[y0:y1, x0:x1] != pixels[y0:y1, x0:x1]
        assert inside.any(-1).mean() > 0.5, name
        assert tuple(overlay[y0, (x0 + x1) // 2]) == BOX_COLOUR, name
    # the portrait's box by hand: shortest side to 96, centre 96x96 crop -> rows 40..99 of 140
    assert box_pixels(crop_box((60, 140), cfg), (60, 140)) == (0, 40, 60, 100)
    assert "labelled 4, failed 1" in capsys.readouterr().out


def test_maps_need_a_folder_apart_from_the_images(tmp_path: Path, odd_folder, capsys):
    folder, _ = odd_folder
    assert main(["label", str(folder), "--maps", str(folder), "--out", str(tmp_path / "x.csv")]) == 2
    assert "among the images" in capsys.readouterr().err
    assert main(["label", str(folder), "--map", "rollout", "--out", str(tmp_path / "x.csv")]) == 2
    assert "need --maps" in capsys.readouterr().err
    status = main(["label", str(folder), "--maps", str(tmp_path / "m"), "--map", "rollout", "--map-stage", "S1"])
    assert status == 2
    assert "no block 'S1' for a rollout map" in capsys.readouterr().err
    (tmp_path / "a_file").write_text("")
    assert main(["label", str(folder), "--maps", str(tmp_path / "a_file" / "maps"), "--device", "cpu"]) == 2
    assert "cannot create --maps" in capsys.readouterr().err
