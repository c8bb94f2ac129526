"""The transfer behind :func:`model.weights.hub.fetch`: one file from the Hugging Face hub into its cache, resumably.

huggingface_hub 2.4's own download cannot continue a transfer across calls (its temporary file is deleted on
failure), so the file is streamed here through huggingface_hub's HTTP session into the cache layout it uses
(``blobs/<etag>`` + ``snapshots/<commit>/<file>``): a partial ``blobs/<etag>.incomplete`` is continued with a
``Range`` request next time, and a finished file is checked for length and SHA-256 before it is used.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from pathlib import Path

import httpx2
from huggingface_hub import constants, get_hf_file_metadata, hf_hub_url
from huggingface_hub.errors import HfHubHTTPError, OfflineModeIsEnabled
from huggingface_hub.utils import WeakFileLock, build_hf_headers, get_session

from model.cancel import CancelToken
from model.weights.hub import Progress, check_cancel, repo_folder
from model.weights.layout import WeightsError

_RETRIES = 3  # reconnections in a row that bring no new bytes, within one call
_HASH_BLOCK = 1 << 20
_SHA256 = re.compile(r"[0-9a-f]{64}")


def hub_endpoint() -> str:
    """Return the hub's address: ``HF_ENDPOINT`` as it is now, else huggingface_hub's default, no final slash."""
    return (os.environ.get("HF_ENDPOINT") or constants.ENDPOINT).rstrip("/")


def download(
    repo_id: str,
    filename: str,
    cache_dir: Path,
    endpoint: str,
    progress: Progress | None,
    cancel: CancelToken | None,
    optional: bool = False,
) -> Path | None:
    """Download ``filename`` of ``repo_id`` into the hub cache layout; return its snapshot path (None when an
    ``optional`` file does not exist). Blob ``blobs/<etag>`` is written through ``blobs/<etag>.incomplete``,
    which a later call resumes with an HTTP Range request. ``cancel`` is checked between received chunks and
    hashed blocks (:class:`~model.weights.hub.DownloadCancelled`; the partial file stays for the next call)."""
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
    storage = repo_folder(cache_dir, repo_id)
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
    cancel: CancelToken | None,
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
    cancel: CancelToken | None,
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
                check_cancel(cancel, repo_id)
                f.write(chunk)
                done += len(chunk)
                if progress is not None:
                    progress(done, total)
    return size


def _sha256(path: Path, repo_id: str, cancel: CancelToken | None) -> str:
    """Return the hex SHA-256 of ``path`` (cancellable between blocks)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(_HASH_BLOCK):
            check_cancel(cancel, repo_id)
            digest.update(block)
    return digest.hexdigest()
