"""docs/CLUSTER.md's two-machine recipe, run as written: a head and a second node on 127.0.0.1, each "machine" with
its own home folder (so the token reaches the worker only the way the doc says), then ``label --engine ray
--address`` through them; the rows must equal the local engine's.

The commands come from the doc's three ``bash`` blocks under "Two machines with `ray start`", so the doc and this
test cannot drift. The test changes only what a single-machine run needs: HEAD_IP is 127.0.0.1, 6379 a free port,
TOKEN the token the first command printed, the bucket a folder of six Fashion-MNIST test images, the output a
file in tmp_path, ``coatnet-gui`` this checkout's ``python -m coatnet_gui``; each ``ray start`` gets ``--block``
(the test owns the node's processes and ends them itself, never with ``ray stop``, which would stop every Ray on
the machine), ``--num-cpus=2`` and ``--node-ip-address=127.0.0.1``, and the head ``--include-dashboard=false``.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from model.batch.journal import read_records
from model.batch.pipeline import BatchSettings, label_folder, open_journal
from model.runtime.inference import Classifier
from model.weights.loading import load_model
from tests.cluster.conftest import image_folder

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "CLUSTER.md"
SECTION = "## Two machines with `ray start`"
RAY = Path(sys.executable).parent / "ray"
NODE_FLAGS = ["--block", "--num-cpus=2", "--node-ip-address=127.0.0.1"]
HEAD_FLAGS = ["--include-dashboard=false"]
START_TIMEOUT_S = 300  # a node on a loaded 2-core machine takes up to a minute; a refused one exits at once
BF16_TOLERANCE = 2e-2  # the actors run in bf16 and may batch differently from the local engine


def recipe() -> list[str]:
    """Return the command lines of the doc's recipe, in order (comments and blank lines dropped)."""
    text = DOC.read_text(encoding="utf-8")
    section = text[text.index(SECTION) : text.index("\n## ", text.index(SECTION) + 1)]
    lines = [line.split("  #")[0].strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S) for line in
             block.splitlines()]  # fmt: skip
    return [line for line in lines if line and not line.startswith("#")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def split(line: str, values: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """Return (environment assignments, argv) of a doc line with the placeholders replaced by ``values``."""
    for name, value in values.items():  # whole words only: TOKEN, not the TOKEN of RAY_AUTH_TOKEN
        line = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", lambda _, v=value: v, line)
    words = shlex.split(line)
    env = {}
    while words and re.fullmatch(r"[A-Z_]+=.*", words[0]):
        name, value = words.pop(0).split("=", 1)
        env[name] = value
    return env, words


def program(argv: list[str]) -> list[str]:
    """Map the doc's programs onto this environment's: its ``ray`` and this checkout's ``coatnet-gui``."""
    if argv[0] == "ray":
        flags = (NODE_FLAGS + (HEAD_FLAGS if "--head" in argv else [])) if argv[1] == "start" else []
        return [str(RAY), *argv[1:], *flags]
    assert argv[0] == "coatnet-gui", argv
    return [sys.executable, "-m", "coatnet_gui", *argv[1:]]


def machine_env(home: Path, extra: dict[str, str]) -> dict[str, str]:
    """The environment of a command on one "machine": its own HOME, nothing of Ray's from the test's process."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("RAY_")}
    # the node ends as soon as it is told to (its actors are ours alone), rather than draining for 30 s
    return {**base, "HOME": str(home), "OMP_NUM_THREADS": "1", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0", **extra}


def start_node(argv: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    """Start one ``ray start --block`` node; return it once it runs (fail with its log when it exits)."""
    out = log.open("w")
    node = subprocess.Popen(argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, cwd=log.parent)
    deadline = time.monotonic() + START_TIMEOUT_S
    while "will now block forever" not in log.read_text(errors="replace"):
        assert node.poll() is None, f"{shlex.join(argv)} exited {node.returncode}:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, f"{shlex.join(argv)} did not start:\n{log.read_text()[-3000:]}"
        time.sleep(0.5)
    return node


def stop_node(node: subprocess.Popen) -> None:
    """End a node the test started: SIGTERM to its ``ray start --block``, which stops its processes; then its
    process group, should anything be left."""
    if node.poll() is None:
        node.send_signal(signal.SIGTERM)
        try:
            node.wait(timeout=60)
        except subprocess.TimeoutExpired:
            pass
    try:
        os.killpg(node.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def forget_head(port: int) -> None:
    """Remove the address file our head wrote (``ray stop`` would, but it stops every Ray on the machine): left
    behind, it names a dead cluster that a later ``ray.init()`` without an address would try to join."""
    from ray._common.utils import get_ray_address_file

    address_file = Path(get_ray_address_file(None))
    try:
        if address_file.read_text().strip().endswith(f":{port}"):
            address_file.unlink()
    except OSError:
        pass


def local_rows(folder: Path, tmp_path: Path) -> dict[str, dict]:
    clf = Classifier(load_model("bundled"))
    settings = BatchSettings(batch_size=8)
    with open_journal(tmp_path / "local.journal", clf, folder, settings) as journal:
        label_folder(clf, folder, journal, settings)
    return {r["path"]: r for r in read_records(tmp_path / "local.journal")}


def test_the_two_machine_recipe_labels_as_the_local_engine(tmp_path: Path):
    pytest.importorskip("ray")
    pq = pytest.importorskip("pyarrow.parquet")
    make_token, start_head, start_worker, drive = recipe()
    folder = image_folder(tmp_path / "images", 6, bad=False)
    head_home, worker_home = tmp_path / "head-home", tmp_path / "worker-home"
    head_home.mkdir()
    worker_home.mkdir()
    out = tmp_path / "products.parquet"
    values = {"HEAD_IP": "127.0.0.1", "6379": str(free_port()), "s3://my-bucket/products": str(folder)}
    values["products.parquet"] = str(out)

    env, argv = split(make_token, values)
    made = subprocess.run(program(argv), env=machine_env(head_home, env), capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    values["TOKEN"] = made.stdout.strip()
    assert len(values["TOKEN"]) >= 32 and (head_home / ".ray" / "auth_token").read_text() == values["TOKEN"]

    nodes = []
    try:
        env, argv = split(start_head, values)
        nodes.append(start_node(program(argv), machine_env(head_home, env), tmp_path / "head.log"))
        env, argv = split(start_worker, values)
        assert not (worker_home / ".ray").exists()  # the worker has no token but the one the doc hands it
        nodes.append(start_node(program(argv), machine_env(worker_home, env), tmp_path / "worker.log"))

        env, argv = split(drive, values)
        driver = subprocess.run(
            program(argv), env=machine_env(head_home, env), cwd=tmp_path, capture_output=True, text=True, timeout=600
        )
        assert driver.returncode == 0, driver.stderr[-3000:]
    finally:
        for node in reversed(nodes):
            stop_node(node)
        forget_head(int(values["6379"]))

    on_ray = {row["path"]: row for row in pq.read_table(out).to_pylist()}
    local = local_rows(folder, tmp_path)
    assert on_ray.keys() == local.keys() and len(local) == 6
    for path, row in on_ray.items():
        assert row["error"] is None and local[path]["error"] is None
        assert row["index"] == local[path]["indices"][0], path
        assert list(row["probs"]) == pytest.approx(local[path]["probs"], abs=BF16_TOLERANCE)
    truth = {p: p.split("_", 1)[1].removesuffix(".png") for p in local}  # 00003_Trouser.png -> Trouser
    right = sum(re.sub(r"[ /]", "-", row["label"]) == truth[p] for p, row in on_ray.items())
    assert right >= 5, {p: (row["label"], truth[p]) for p, row in on_ray.items()}
