"""``coatnet-gui train``: teaches from a class-folder tree, reports progress on stderr, refuses bad input with
exit status 2, continues after a real kill with ``--resume``; ``--labels`` names a model's classes."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from coatnet_gui.cli.main import main

REPO = Path(__file__).resolve().parents[2]
DIGITS = REPO / "tests" / "data" / "digits"


@pytest.fixture()
def src(tmp_path) -> Path:
    """Two classes of five digit images each."""
    for name in ("one", "two"):
        (tmp_path / "src" / name).mkdir(parents=True)
        for f in sorted((DIGITS / name).iterdir())[:5]:
            shutil.copy(f, tmp_path / "src" / name / f.name)
    return tmp_path / "src"


@pytest.fixture()
def cache(tmp_path, monkeypatch) -> Path:
    monkeypatch.setenv("COATNET_LENS_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_train_writes_a_checkpoint_and_refuses_to_overwrite_it(src, cache, tmp_path, capsys):
    out = tmp_path / "m.safetensors"
    assert main(["train", str(src), "--out", str(out), "--epochs", "5", "--device", "cpu"]) == 0
    captured = capsys.readouterr()
    assert "10 images in 2 classes" in captured.err
    assert "features 10/10" in captured.err and "epoch 5/5" in captured.err
    assert re.search(r"held-out accuracy \d\.\d{3} \(", captured.out)
    assert out.is_file() and out.with_suffix(".md").is_file()
    assert main(["train", str(src), "--out", str(out)]) == 2
    assert "already exists" in capsys.readouterr().err


def test_bad_input_exits_2_with_the_reason(src, cache, tmp_path, capsys):
    shutil.rmtree(src / "two")
    assert main(["train", str(src), "--out", str(tmp_path / "m.safetensors")]) == 2
    assert "at least two classes" in capsys.readouterr().err
    assert main(["train", str(tmp_path / "nowhere"), "--out", str(tmp_path / "m.safetensors")]) == 2
    assert "is not a folder" in capsys.readouterr().err
    assert main(["train", str(src), "--out", str(tmp_path / "m.pt")]) == 2
    assert ".safetensors" in capsys.readouterr().err


def test_classify_names_classes_from_a_labels_file(tmp_path, capsys):
    names = tmp_path / "names.txt"
    names.write_text("".join(f"thing {i}\n" for i in range(10)))
    sample = REPO / "assets" / "samples" / "fashion_bag.png"
    assert main(["classify", str(sample), "--labels", str(names), "--topk", "1", "--device", "cpu"]) == 0
    out = capsys.readouterr().out
    assert "from names.txt (--labels)" in out.splitlines()[0]
    assert "%  thing 8" in out  # the bag's class, under the file's name for it


def test_a_killed_run_continues_with_resume(src, tmp_path):
    out = tmp_path / "m.safetensors"
    state = out.with_name(out.name + ".resume")
    cmd = [sys.executable, "-m", "coatnet_gui", "train", str(src), "--out", str(out), "--mode", "finetune"]
    cmd += ["--epochs", "6", "--device", "cpu"]
    env = {**os.environ, "COATNET_LENS_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.communicate()
    assert state.exists(), "the run ended before it saved an epoch"
    assert not out.exists()
    done = subprocess.run([*cmd, "--resume"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    epochs = [int(n) for n in re.findall(r"epoch (\d+)/6", done.stderr)]
    assert epochs and epochs[0] >= 2 and epochs[-1] == 6  # it went on from the saved epoch, not from the start
    assert out.is_file() and not state.exists()


def test_ctrl_c_stops_with_130_and_writes_nothing(src, tmp_path):
    out = tmp_path / "m.safetensors"
    cmd = [sys.executable, "-m", "coatnet_gui", "train", str(src), "--out", str(out), "--epochs", "1000000"]
    env = {**os.environ, "COATNET_LENS_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    state = out.with_name(out.name + ".resume")
    deadline = time.monotonic() + 240
    while not state.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted after epoch" in err and "--resume" in err
    assert not out.exists()


def test_the_first_ctrl_c_cancels_the_token_and_the_second_interrupts_at_once():
    from coatnet_gui.cli.train import cancel_on_ctrl_c
    from model.cancel import Cancelled, CancelToken

    token, before = CancelToken(), signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt), cancel_on_ctrl_c(token):
        signal.raise_signal(signal.SIGINT)  # the first: the work stops at its next step
        assert token.cancelled
        with pytest.raises(Cancelled):
            token.check()
        signal.raise_signal(signal.SIGINT)  # the second: at once
    assert signal.getsignal(signal.SIGINT) is before  # the caller's handler is back
