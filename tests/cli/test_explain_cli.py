"""``coatnet-gui explain`` through the command's entry on real Fashion-MNIST images with the bundled model: one JSON
object per image and map, the verdicts and the fill, the sanity cascade, the saved maps, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from PIL import Image

from coatnet_gui.cli.main import main

SLICE = Path(__file__).resolve().parent.parent / "data" / "fmnist_test_slice"
VERDICTS = {"better", "worse", "inconclusive"}


def test_explain_prints_one_json_object_per_image_and_map_with_the_cascade(tmp_path, capsys):
    images = [str(p) for p in sorted(SLICE.glob("*.png"))[:2]]
    out = tmp_path / "maps"
    argv = ["explain", *images, "--map", "gradcam", "rollout", "--fill", "mean", "--sanity", "--json"]
    code = main([*argv, "--out", str(out), "--device", "cpu"])
    assert code == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["path"], r["map"]) for r in records] == [(p, k) for p in images for k in ("gradcam", "rollout")]
    for r in records:
        # the top-1 class is explained: the true class of these two images
        assert r["fill"] == "mean" and r["steps"] == 16 and r["class_name"] in Path(r["path"]).stem.replace("-", " ")
        assert r["verdict"]["deletion"] in VERDICTS and r["verdict"]["insertion"] in VERDICTS
        interval = r["random"]["deletion"]
        assert interval["lo"] <= interval["mean"] <= interval["hi"] and interval["orders"] == 6
        assert 0.0 <= r["deletion"] <= 1.0 and isinstance(r["flat"], bool)
        steps = r["sanity"]["steps"]
        assert [s["randomised"] for s in steps] == ["head", "S4", "S3", "S2", "S1", "stem"]
        assert {"spearman", "ssim", "ssim_abs"} <= set(steps[-1]) and r["sanity"]["threshold"] == 0.5
        # the maps and overlays, as label --maps writes them
        grid = np.load(r["map_file"])
        assert grid.ndim == 2 and Path(r["map_file"]).name == f"{Path(r['path']).name}.{r['map']}.npy"
        assert Image.open(r["overlay_file"]).size == Image.open(r["path"]).size
    gradcam = [r for r in records if r["map"] == "gradcam"]
    assert not any(r["sanity"]["insensitive"] for r in gradcam)  # Grad-CAM changes once the weights are random


def test_explain_reads_a_class_name_prints_text_and_reports_bad_input(tmp_path, capsys):
    image = str(sorted(SLICE.glob("*.png"))[0])
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    code = main(["explain", image, str(broken), "--map", "activation", "--class", "trouser", "--device", "cpu"])
    captured = capsys.readouterr()
    assert code == 1 and f"{broken}: error:" in captured.err
    lines = [line for line in captured.out.splitlines() if line.startswith(image)]
    assert len(lines) == 1 and "activation" in lines[0] and "“Trouser”" in lines[0] and "fill blur" in lines[0]
    assert any(word in lines[0] for word in VERDICTS)
    assert main(["explain", image, "--class", "spaceship", "--device", "cpu"]) == 2
    assert "neither a class index" in capsys.readouterr().err
    assert main(["explain", image, "--fill", "paint"]) == 2  # argparse refuses an unknown fill


def test_two_images_of_the_same_name_keep_their_own_maps(tmp_path, capsys):
    first, second = sorted(SLICE.glob("*.png"))[:2]
    for folder, source in (("a", first), ("b", second)):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "photo.png").write_bytes(source.read_bytes())
    images = [str(tmp_path / "a" / "photo.png"), str(tmp_path / "b" / "photo.png")]
    out = tmp_path / "maps"
    assert main(["explain", *images, "--map", "activation", "--json", "--out", str(out), "--device", "cpu"]) == 0
    records = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    files = [Path(r["map_file"]) for r in records]
    assert files == [out / "a" / "photo.png.activation.npy", out / "b" / "photo.png.activation.npy"]
    assert not np.array_equal(np.load(files[0]), np.load(files[1]))  # each image's own map, none written over
