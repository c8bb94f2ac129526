"""Downloading public tags from a loopback server that speaks the hub's file protocol (no internet).

The server answers ``HEAD``/``GET /{repo_id}/resolve/{revision}/{filename}`` with the headers
huggingface_hub relies on (ETag = SHA-256 of the content, X-Repo-Commit, Content-Length) and honours
``Range: bytes=N-``. It serves a random-weight checkpoint of the smallest public config, coatnet_nano_rw_224,
under its public tag. ``HF_HOME`` points at a temporary folder and ``HF_ENDPOINT`` at the server.
"""

from __future__ import annotations

import hashlib
import json
import re
import socket
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import huggingface_hub.constants
import pytest
import torch
from safetensors.torch import save_file

from model import create_model
from model.cancel import Cancelled, CancelToken
from model.weights.layout import WeightsError
from model.weights.loading import DownloadCancelled, cached_tags, load_model

TAG = "coatnet_nano_rw_224.sw_in1k"
REPO = f"timm/{TAG}"
COMMIT = "0123456789abcdef0123456789abcdef01234567"
CHUNK = 1 << 16


@dataclass
class FakeHub:
    """What the server serves, and what it was asked."""

    files: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    etags: dict[tuple[str, str], str] = field(default_factory=dict)  # overrides the SHA-256 ETag
    requests: list[tuple[str, str, str | None]] = field(default_factory=list)  # method, path, Range
    drop_after: int | None = None  # cut the next GET's connection after this many body bytes
    ranges: str = "honour"  # or "ignore" (answer 200 with the whole file) or "refuse" (answer 416)
    sent: int = 0  # body bytes of model.safetensors sent in all
    endpoint: str = ""
    stop: Callable[[], None] = lambda: None  # shuts the server down (idempotent)
    streaming: int = 0  # weights responses still being written (a cancelled one ends when its write fails)
    changed: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def wait_until_idle(self, timeout: float = 30.0) -> None:
        """Wait until no weights response is being written, so ``sent`` counts no more for earlier requests."""
        with self.changed:
            assert self.changed.wait_for(lambda: self.streaming == 0, timeout), "a response is still being sent"

    def gets(self, filename: str = "model.safetensors") -> list[str | None]:
        """Return the Range header of every GET of ``filename`` (None for a whole-file GET)."""
        return [rng for method, path, rng in self.requests if method == "GET" and path.endswith(filename)]


class _Handler(BaseHTTPRequestHandler):
    timeout = 10  # a stuck client cannot hold a server thread forever
    server: _Server

    def log_message(self, format, *args):  # keep pytest output clean
        pass

    def do_HEAD(self):
        self._serve(body=False)

    def do_GET(self):
        self._serve(body=True)

    def _serve(self, body: bool) -> None:
        hub = self.server.hub
        hub.requests.append((self.command, self.path, self.headers.get("Range")))
        match = re.fullmatch(r"/(.+)/resolve/([^/]+)/(.+)", self.path)
        key = (match[1], match[3]) if match else None
        if key not in hub.files or match[2] not in ("main", COMMIT):
            self.send_response(404)
            self.send_header("X-Error-Code", "EntryNotFound")
            self.send_header("X-Repo-Commit", COMMIT)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = hub.files[key]
        etag = hub.etags.get(key, hashlib.sha256(data).hexdigest())
        start = 0
        requested = re.fullmatch(r"bytes=(\d+)-", self.headers.get("Range") or "")
        if requested and body and hub.ranges == "refuse":
            self.send_response(416)
            self.send_header("Content-Range", f"bytes */{len(data)}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if requested and body and hub.ranges == "honour":
            start = int(requested[1])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        self.send_header("ETag", f'"{etag}"')
        self.send_header("X-Repo-Commit", COMMIT)
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(len(data) - start))
        self.end_headers()
        if not body:
            return
        weights = key[1] == "model.safetensors"
        limit = None
        if weights:
            limit, hub.drop_after = hub.drop_after, None
        with hub.changed:
            hub.streaming += int(weights)
        try:
            for offset in range(start, len(data), CHUNK):
                piece = data[offset : offset + CHUNK]
                if limit is not None and offset - start + len(piece) > limit:
                    self.wfile.write(piece[: max(limit - (offset - start), 0)])
                    hub.sent += max(limit - (offset - start), 0)
                    self.close_connection = True
                    return
                self.wfile.write(piece)
                hub.sent += len(piece) if weights else 0
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client went away (a cancelled download)
        finally:
            with hub.changed:
                hub.streaming -= int(weights)
                hub.changed.notify_all()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    hub: FakeHub


@pytest.fixture(scope="module")
def nano(tmp_path_factory: pytest.TempPathFactory) -> tuple[torch.nn.Module, bytes]:
    """A random-weight coatnet_nano_rw_224 and its safetensors bytes (about 61 MB, like the real file)."""
    torch.manual_seed(0)
    net = create_model("coatnet_nano_rw_224").eval()
    path = tmp_path_factory.mktemp("nano") / "model.safetensors"
    save_file({k: v.contiguous() for k, v in net.state_dict().items()}, str(path))
    return net, path.read_bytes()


@pytest.fixture
def hf_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private, empty hub cache; online mode. Returns the cache folder ($HF_HOME/hub)."""
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf_home"))
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN"):
        monkeypatch.delenv(var, raising=False)
    # huggingface_hub reads HF_HUB_OFFLINE once, at import; its request hook consults that copy
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
    return tmp_path / "hf_home" / "hub"


@pytest.fixture
def server(hf_env: Path, monkeypatch: pytest.MonkeyPatch, nano) -> Iterator[FakeHub]:
    """The loopback hub on a free port, serving the nano checkpoint and a timm-style config.json."""
    hub = FakeHub()
    hub.files[(REPO, "model.safetensors")] = nano[1]
    config = {"architecture": "coatnet_nano_rw_224", "num_classes": 1000, "pretrained_cfg": {"crop_pct": 0.9}}
    hub.files[(REPO, "config.json")] = json.dumps(config).encode()
    hub.etags[(REPO, "config.json")] = "a" * 40  # small files carry a git blob id, not a SHA-256
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.hub = hub
    hub.endpoint = f"http://127.0.0.1:{httpd.server_address[1]}"
    monkeypatch.setenv("HF_ENDPOINT", hub.endpoint)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()

    def stop() -> None:
        if thread.is_alive():
            httpd.shutdown()
            httpd.server_close()
            thread.join(timeout=5)

    hub.stop = stop
    try:
        yield hub
    finally:
        stop()


def _logits(net: torch.nn.Module) -> torch.Tensor:
    with torch.no_grad():
        return net(torch.randn(1, 3, 224, 224, generator=torch.Generator().manual_seed(1)))


def _assert_same_weights(net: torch.nn.Module, ref: torch.nn.Module) -> None:
    ours, theirs = net.state_dict(), ref.state_dict()
    assert ours.keys() == theirs.keys()
    assert all(torch.equal(ours[k], theirs[k]) for k in theirs)


def _cancel_at(fraction: float, token: CancelToken) -> Callable[[int, int], None]:
    """Return a progress callback that cancels ``token`` once ``fraction`` of the file has arrived."""

    def progress(done: int, total: int) -> None:
        if done >= total * fraction:
            token.cancel()

    return progress


def _blob(cache: Path) -> Path:
    return cache / "models--timm--coatnet_nano_rw_224.sw_in1k" / "blobs"


def test_download_with_progress_into_the_hub_cache(server: FakeHub, hf_env: Path, nano):
    net, data = nano
    seen: list[tuple[int, int]] = []
    loaded = load_model(f"hf-hub:{REPO}", progress=lambda done, total: seen.append((done, total)))
    info = loaded.info
    assert (info.name, info.config_name, info.source, info.location) == (TAG, "coatnet_nano_rw_224", "hub", REPO)
    assert info.label_set == "ImageNet-1k (1000 classes)"
    assert info.preprocess.crop_pct == 0.9 and info.preprocess.mean == (0.5, 0.5, 0.5)
    torch.testing.assert_close(_logits(loaded.net), _logits(net), rtol=0, atol=0)

    assert seen[0] == (0, len(data)) and seen[-1] == (len(data), len(data))
    assert all(a[0] <= b[0] for a, b in zip(seen, seen[1:], strict=False))
    assert server.gets() == [None]

    # the standard cache layout, which huggingface_hub (and so timm) reads back
    snapshot = hf_env / "models--timm--coatnet_nano_rw_224.sw_in1k" / "snapshots" / COMMIT
    assert (snapshot / "model.safetensors").read_bytes() == data
    assert (snapshot / "config.json").is_file()
    assert (_blob(hf_env) / hashlib.sha256(data).hexdigest()).is_file()
    assert not list(_blob(hf_env).glob("*.incomplete"))
    found = huggingface_hub.hf_hub_download(REPO, "model.safetensors", cache_dir=hf_env, local_files_only=True)
    assert Path(found) == snapshot / "model.safetensors"
    assert cached_tags() == [TAG]

    # a second load uses the cache without asking the server
    count = len(server.requests)
    assert load_model(TAG).info.source == "hub"
    assert len(server.requests) == count


def test_cancel_keeps_no_final_file_and_the_next_call_resumes(server: FakeHub, hf_env: Path, nano):
    net, data = nano
    cancel = CancelToken()
    with pytest.raises(DownloadCancelled, match="cancelled; it resumes where it stopped"):
        load_model(TAG, progress=_cancel_at(1 / 3, cancel), cancel=cancel)
    partial = list(_blob(hf_env).glob("*.incomplete"))
    assert len(partial) == 1
    kept = partial[0].stat().st_size
    assert len(data) // 3 <= kept < len(data)
    assert not list((hf_env / "models--timm--coatnet_nano_rw_224.sw_in1k").glob("snapshots/*/model.safetensors"))
    assert cached_tags() == []

    seen: list[tuple[int, int]] = []
    server.wait_until_idle()
    sent_before = server.sent
    loaded = load_model(TAG, progress=lambda done, total: seen.append((done, total)))
    assert server.gets()[-1] == f"bytes={kept}-"
    assert server.sent - sent_before == len(data) - kept
    assert seen[0] == (kept, len(data)) and seen[-1] == (len(data), len(data))
    _assert_same_weights(loaded.net, net)
    assert cached_tags() == [TAG]


@pytest.mark.parametrize("ranges", ["ignore", "refuse"])
def test_resume_falls_back_to_a_whole_download(server: FakeHub, hf_env: Path, nano, ranges: str):
    cancel = CancelToken()
    with pytest.raises(DownloadCancelled):
        load_model(TAG, progress=_cancel_at(1 / 2, cancel), cancel=cancel)
    server.ranges = ranges
    server.wait_until_idle()
    sent = server.sent
    _assert_same_weights(load_model(TAG).net, nano[0])
    assert server.sent - sent == len(nano[1])
    assert server.gets()[1].startswith("bytes=")
    assert not list(_blob(hf_env).glob("*.incomplete"))


def test_cancel_before_start(server: FakeHub):
    cancel = CancelToken()
    cancel.cancel()
    with pytest.raises(Cancelled) as stopped:  # the one way work stops, still a WeightsError for old callers
        load_model(TAG, cancel=cancel)
    assert isinstance(stopped.value, DownloadCancelled) and isinstance(stopped.value, WeightsError)
    assert server.requests == []


def test_broken_transfer_resumes_within_the_call(server: FakeHub, nano):
    net, data = nano
    server.drop_after = len(data) // 2
    loaded = load_model(TAG)
    assert server.gets() == [None, f"bytes={len(data) // 2}-"]
    assert server.sent == len(data)
    _assert_same_weights(loaded.net, net)


def test_offline_with_the_server_gone(server: FakeHub, monkeypatch: pytest.MonkeyPatch, nano):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(WeightsError, match=r"not in the Hugging Face cache .*\(HF_HUB_OFFLINE is set\)"):
        load_model(TAG)
    assert server.requests == []
    monkeypatch.delenv("HF_HUB_OFFLINE")
    load_model(TAG)
    server.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    loaded = load_model(TAG)
    assert loaded.info.location == REPO
    _assert_same_weights(loaded.net, nano[0])
    assert cached_tags() == [TAG]
    monkeypatch.delenv("HF_HUB_OFFLINE")
    with pytest.raises(WeightsError, match="local_files_only is set"):
        load_model("coatnet_rmlp_nano_rw_224.sw_in1k", local_files_only=True)


def test_checkpoint_that_huggingface_hub_downloaded_is_used_offline(
    server: FakeHub, hf_env: Path, monkeypatch: pytest.MonkeyPatch, nano
):
    """What timm leaves behind: huggingface_hub's own download of model.safetensors, no config.json."""
    path = huggingface_hub.hf_hub_download(REPO, "model.safetensors", cache_dir=hf_env, endpoint=server.endpoint)
    assert Path(path).read_bytes() == nano[1]
    server.stop()
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    assert cached_tags() == [TAG]
    loaded = load_model(f"timm/{TAG}")
    assert loaded.info.source == "hub" and loaded.info.preprocess.crop_pct == 0.9
    _assert_same_weights(loaded.net, nano[0])


def test_hub_cache_location_follows_hf_hub_cache(server: FakeHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    load_model(TAG)
    assert (tmp_path / "elsewhere" / "models--timm--coatnet_nano_rw_224.sw_in1k").is_dir()
    assert cached_tags() == [TAG]
    monkeypatch.delenv("HF_HUB_CACHE")
    assert cached_tags() == []


def test_hub_errors_are_readable(server: FakeHub, hf_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # weights that do not fit the tag's config
    fmnist = create_model("coatnet_fmnist_96")
    other = "coatnet_0_rw_224.sw_in1k"
    path = tmp_path / "fmnist.safetensors"
    save_file(fmnist.state_dict(), str(path))
    server.files[(f"timm/{other}", "model.safetensors")] = path.read_bytes()
    with pytest.raises(WeightsError, match=f"model.safetensors of timm/{other} does not fit the config coatnet_0"):
        load_model(other)
    # content that does not hash to its ETag is discarded
    server.etags[(REPO, "model.safetensors")] = "0" * 64
    with pytest.raises(WeightsError, match="checksum mismatch"):
        load_model(TAG)
    assert [p.name for p in _blob(hf_env).iterdir() if p.name.startswith("0")] == []
    # a repo the server does not have
    del server.files[(REPO, "model.safetensors")]
    with pytest.raises(WeightsError, match=rf"{server.endpoint} has no model.safetensors in {REPO} \(HTTP 404\)"):
        load_model(TAG)
    # no server at all
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("HF_ENDPOINT", f"http://127.0.0.1:{port}")
    with pytest.raises(WeightsError, match=f"Could not reach http://127.0.0.1:{port} to download {REPO}"):
        load_model(TAG)
