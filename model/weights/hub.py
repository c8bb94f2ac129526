"""Downloading public checkpoints from the Hugging Face hub into its standard cache, resumably.

huggingface_hub 2.4's own download cannot continue a transfer across calls (its temporary file is deleted on
failure), so the file is streamed here through huggingface_hub's HTTP session into the cache layout it uses
(``blobs/<etag>`` + ``snapshots/<commit>/<file>``): a partial ``blobs/<etag>.incomplete`` is continued with a
``Range`` request next time, and a finished file is checked for length and SHA-256 before it is used.
"""

from __future__ import annotations

import hashlib
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx2
from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url, try_to_load_from_cache
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.file_download import repo_folder_name
from huggingface_hub.utils import WeakFileLock, build_hf_headers, get_session

from model.weights.checkpoint import CONFIG_JSON, WEIGHTS_NAME, WEIGHTS_NAMES, WeightsError

Progress = Callable[[int, int], None]

_RETRIES = 3  # reconnections in a row that bring no new bytes, within one call
_HASH_BLOCK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


class DownloadCancelled(WeightsError):
    """The download was cancelled through the ``cancel`` event; what arrived is kept for the next attempt."""


def hub_cache_dir() -> Path:
    """Return the hub cache folder as huggingface_hub derives it, from the environment as it is now."""
    env = os.environ
    cache_home = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    hf_home = env.get("HF_HOME") or os.path.join(cache_home, "huggingface")
    hub = env.get("HF_HUB_CACHE") or env.get("HUGGINGFACE_HUB_CACHE") or os.path.join(hf_home, "hub")
    return Path(os.path.expandvars(os.path.expanduser(hub)))


def _offline() -> bool:
    """Return whether HF_HUB_OFFLINE (or TRANSFORMERS_OFFLINE) is set now."""
    value = os.environ.get("HF_HUB_OFFLINE") or os.environ.get("TRANSFORMERS_OFFLINE") or ""
    return value.upper() in {"1", "ON", "YES", "TRUE"}


def cached_file(repo_id: str, filenames: tuple[str, ...], cache_dir: Path) -> Path | None:
    """Return the first of ``filenames`` cached for ``repo_id`` at the revision ``main``, or None."""
    for filename in filenames:
        found = try_to_load_from_cache(repo_id, filename, cache_dir=cache_dir)
        if isinstance(found, str):
            return Path(found)
    return None


def fetch(
    repo_id: str, progress: Progress | None, cancel: threading.Event | None, local_files_only: bool
) -> tuple[Path, Path | None]:
    """Return the cached weights and ``config.json`` (None if the repo has none) of ``repo_id``, downloading
    what is missing. A cached copy is used without asking the hub."""
    cache_dir = hub_cache_dir()
    weights = cached_file(repo_id, WEIGHTS_NAMES, cache_dir)
    if weights is not None:
        return weights, cached_file(repo_id, (CONFIG_JSON,), cache_dir)
    if local_files_only or _offline():
        why = "local_files_only is set" if local_files_only else "HF_HUB_OFFLINE is set"
        raise WeightsError(
            f"{repo_id} is not in the Hugging Face cache ({cache_dir}) and downloading is off ({why}). "
            "Load it once while online, or choose a model that is already downloaded."
        )
    endpoint = (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")
    _check_cancel(cancel, repo_id)
    config_path = _download(repo_id, CONFIG_JSON, cache_dir, endpoint, None, cancel, optional=True)
    weights = _download(repo_id, WEIGHTS_NAME, cache_dir, endpoint, progress, cancel)
    assert weights is not None  # only optional files may be absent
    return weights, config_path


def _check_cancel(cancel: threading.Event | None, repo_id: str) -> None:
    """Raise :class:`DownloadCancelled` when ``cancel`` is set."""
    if cancel is not None and cancel.is_set():
        raise DownloadCancelled(f"The download of {repo_id} was cancelled; it resumes where it stopped next time.")


def _download(
    repo_id: str,
    filename: str,
    cache_dir: Path,
    endpoint: str,
    progress: Progress | None,
    cancel: threading.Event | None,
    optional: bool = False,
) -> Path | None:
    """Download ``filename`` of ``repo_id`` into the hub cache layout; return its snapshot path (None when an
    ``optional`` file does not exist). Blob ``blobs/<etag>`` is written through ``blobs/<etag>.incomplete``,
    which a later call resumes with an HTTP Range request."""
    url = hf_hub_url(repo_id, filename, endpoint=endpoint)
    try:
        meta = get_hf_file_metadata(url, endpoint=endpoint)
    except HfHubHTTPError as e:
        status = e.response.status_code if e.response is not None else None
        if status == 404:
            if optional:
                return None
            raise WeightsError(f"{endpoint} has no {filename} in {repo_id} (HTTP 404).") from None
        raise WeightsError(f"{endpoint} refused {filename} of {repo_id} (HTTP {status}).") from None
    except (httpx2.HTTPError, OfflineModeIsEnabled) as e:
        raise WeightsError(
            f"Could not reach {endpoint} to download {repo_id} ({str(e) or type(e).__name__}). Check the "
            "internet connection, or choose a model that is already downloaded."
        ) from None
    if not meta.etag or not meta.commit_hash:
        raise WeightsError(f"{endpoint} does not answer like a Hugging Face hub (no ETag or X-Repo-Commit).")
    storage = cache_dir / repo_folder_name(repo_id=repo_id, repo_type="model")
    blob = storage / "blobs" / meta.etag
    pointer = storage / "snapshots" / meta.commit_hash / filename
    lock = cache_dir / ".locks" / storage.name / f"{meta.etag}.lock"
    try:
        for folder in (blob.parent, pointer.parent, lock.parent, storage / "refs"):
            folder.mkdir(parents=True, exist_ok=True)
        with WeakFileLock(lock):
            if not pointer.exists():
                if not blob.exists():
                    pinned = hf_hub_url(repo_id, filename, revision=meta.commit_hash, endpoint=endpoint)
                    _stream_to_blob(pinned, blob, meta.size, repo_id, progress, cancel)
                _link(blob, pointer)
            ref = storage / "refs" / "main"
            if not ref.is_file() or ref.read_text() != meta.commit_hash:
                ref.write_text(meta.commit_hash)
    except httpx2.HTTPError as e:
        raise WeightsError(f"The download of {repo_id} failed ({str(e) or type(e).__name__}).") from None
    except OSError as e:
        raise WeightsError(f"Could not write to the Hugging Face cache {cache_dir}: {e}.") from None
    return pointer


def _link(blob: Path, pointer: Path) -> None:
    """Make the snapshot entry ``pointer`` a relative symlink to ``blob`` (or move the blob there when the
    file system has no symlinks), as huggingface_hub does."""
    if pointer.is_symlink():
        pointer.unlink()  # dangling: its blob is gone
    try:
        os.symlink(os.path.relpath(blob, pointer.parent), pointer)
    except OSError:
        os.replace(blob, pointer)


def _stream_to_blob(
    url: str,
    blob: Path,
    size: int | None,
    repo_id: str,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> None:
    """Download ``url`` to ``blob``, continuing ``<blob>.incomplete`` if an earlier attempt left one.

    The length and (when the ETag is a SHA-256, as for hub LFS files) the checksum are checked before the file
    is moved in place.
    """
    partial = blob.with_name(blob.name + ".incomplete")
    headers = build_hf_headers()
    headers["Accept-Encoding"] = "identity"
    attempts = 0
    while True:
        done = partial.stat().st_size if partial.exists() else 0
        if size is not None and done > size:
            partial.unlink()
            done = 0
        try:
            size = _get(url, headers, partial, done, size, repo_id, progress, cancel)
            break
        except _RangeRefused:
            continue  # the partial file is gone: the next request asks for the whole file
        except httpx2.TransportError as e:
            if (partial.stat().st_size if partial.exists() else 0) > done:
                attempts = 0  # it moved on before breaking off: reconnect at once
                continue
            attempts += 1
            if attempts > _RETRIES:
                raise WeightsError(
                    f"The download of {repo_id} broke off ({str(e) or type(e).__name__}). Load it again to "
                    "continue where it stopped."
                ) from None
            time.sleep(attempts)
    got = partial.stat().st_size
    if size is not None and got != size:
        partial.unlink()
        raise WeightsError(f"The download of {repo_id} has {got} bytes instead of {size}; load it again.")
    if _SHA256.fullmatch(blob.name) and _sha256(partial, repo_id, cancel) != blob.name:
        partial.unlink()
        raise WeightsError(f"The download of {repo_id} was corrupt (checksum mismatch) and was discarded.")
    os.replace(partial, blob)


class _RangeRefused(Exception):
    """The server answered 416 to a resume request: the partial file was dropped, start over."""


def _get(
    url: str,
    headers: dict[str, str],
    partial: Path,
    done: int,
    size: int | None,
    repo_id: str,
    progress: Progress | None,
    cancel: threading.Event | None,
) -> int | None:
    """Append ``url`` from byte ``done`` on to ``partial``; return the total size if it became known."""
    if size is not None and done == size:
        return size
    request_headers = dict(headers, Range=f"bytes={done}-") if done else headers
    timeout = constants.HF_HUB_DOWNLOAD_TIMEOUT
    with get_session().stream("GET", url, headers=request_headers, timeout=timeout) as response:
        if response.status_code == 416 and done:
            partial.unlink()
            raise _RangeRefused("the server refused to resume")
        if response.status_code >= 400:
            raise WeightsError(f"The download of {repo_id} failed (HTTP {response.status_code}).")
        if done and response.status_code != 206:
            done = 0  # the server ignored the Range header: start over
        if size is None and response.headers.get("Content-Length") is not None:
            size = done + int(response.headers["Content-Length"])
        total = size or 0
        with partial.open("ab" if done else "wb") as f:
            if progress is not None:
                progress(done, total)
            for chunk in response.iter_bytes():
                _check_cancel(cancel, repo_id)
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    return size


def _sha256(path: Path, repo_id: str, cancel: threading.Event | None) -> str:
    """Return the hex SHA-256 of ``path`` (cancellable between blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            _check_cancel(cancel, repo_id)
            digest.update(block)
    return digest.hexdigest()
