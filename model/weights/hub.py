"""Public checkpoints in the Hugging Face hub cache: finding them, and fetching what is missing.

The transfer itself lives in :mod:`model.weights.download`, imported only when a file has to be downloaded, so
loading a model that is already here does not import the hub client (huggingface_hub, httpx2).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from model.cancel import Cancelled, CancelToken
from model.weights.layout import CONFIG_JSON, WEIGHTS_NAME, WEIGHTS_NAMES, WeightsError

Progress = Callable[[int, int], None]


class DownloadCancelled(Cancelled, WeightsError):
    """The download was cancelled through its ``cancel`` token; what arrived is kept for the next attempt. A
    :class:`~model.cancel.Cancelled` (the one way work stops) that is also a :class:`WeightsError`."""


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


def repo_folder(cache_dir: Path, repo_id: str) -> Path:
    """Return the folder of model repo ``repo_id`` in the hub cache (``models--owner--name``, as huggingface_hub
    names it)."""
    return cache_dir / ("models--" + repo_id.replace("/", "--"))


def cached_file(repo_id: str, filenames: tuple[str, ...], cache_dir: Path) -> Path | None:
    """Return the first of ``filenames`` cached for ``repo_id`` at the revision ``main``, or None.

    Read from the cache layout (``refs/main`` names the snapshot) rather than through huggingface_hub, whose
    import brings its HTTP client.
    """
    storage = repo_folder(cache_dir, repo_id)
    try:
        commit = (storage / "refs" / "main").read_text().strip()
    except OSError:
        return None
    for filename in filenames:
        path = storage / "snapshots" / commit / filename
        if path.is_file():
            return path
    return None


def fetch(
    repo_id: str, progress: Progress | None, cancel: CancelToken | None, local_files_only: bool
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
    from model.weights.download import download, hub_endpoint

    endpoint = hub_endpoint()
    check_cancel(cancel, repo_id)
    config_path = download(repo_id, CONFIG_JSON, cache_dir, endpoint, None, cancel, optional=True)
    weights = download(repo_id, WEIGHTS_NAME, cache_dir, endpoint, progress, cancel)
    assert weights is not None  # only optional files may be absent
    return weights, config_path


def check_cancel(cancel: CancelToken | None, repo_id: str) -> None:
    """The download's yield point: raise :class:`DownloadCancelled` once ``cancel`` is cancelled (wait while it is
    paused)."""
    if cancel is None:
        return
    try:
        cancel.check()
    except Cancelled:
        raise DownloadCancelled(
            f"The download of {repo_id} was cancelled; it resumes where it stopped next time."
        ) from None
