"""Where a cluster run's images are: a local (or shared) folder, or a URL that pyarrow or fsspec can list.

    source = open_source("s3://bucket/photos")       # or "/mnt/share/photos", "gs://…", "memory://…"
    for entry in iter_source(source, recursive=True): # ScanEntry("cats/01.jpg"), in the local engine's order
        rel, pixels, error = read_entry(source, entry.rel, cfg)

A local folder is listed and read by the local engine's own code (:mod:`model.batch.scan`,
:func:`model.batch.pipeline.load_entry`). A URL goes through pyarrow's file systems (``s3://``, ``gs://``,
``abfs://``, ``hdfs://``, ``file://``), or fsspec's for the schemes pyarrow does not know (``memory://``, and
any fsspec plugin installed), with the same rules: image suffixes of :func:`~model.batch.scan.is_image_name`
(and video files' when videos are labelled), no hidden (dot) names, each level sorted by name. A bad file gives
the same reasons as locally, naming the URL. A video file is decoded per file in one task
(:func:`read_video`, the local engine's :func:`~model.batch.videos.video_items`; a URL's video is first copied
into a temporary folder where the task runs), which yields one item per sampled frame.
"""

from __future__ import annotations

import os
import posixpath
import re
import tempfile
from collections.abc import Container, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from model.batch.journal import printable
from model.batch.pipeline import Loaded, load_entry
from model.batch.scan import ScanEntry, is_image_name, iter_images
from model.batch.videos import video_items
from model.data.decode import ImageLoadError
from model.data.pixels import PreprocessCfg, load_array
from model.video.files import Sampling, is_video

if TYPE_CHECKING:
    import pyarrow.fs

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_BYTES_NAME = "image data: "  # how model.data.decode names bytes in its reasons; a URL replaces it


class SourceError(Exception):
    """The source cannot be used (not a folder, unknown scheme, unreachable); ``str()`` says why."""


@dataclass(frozen=True)
class Source:
    """A folder of images. ``fs`` is None for a local folder (``root`` is its path); for a URL, ``root`` is the
    folder's path inside ``fs`` and ``url`` the URL as given. Picklable, so Ray tasks can read from it."""

    root: str
    url: str | None = None
    fs: pyarrow.fs.FileSystem | None = None

    @property
    def name(self) -> str:
        """How messages and the journal name the folder: the URL, or the local folder's absolute path."""
        return self.url.rstrip("/") if self.url else printable(os.path.abspath(self.root))

    def describe(self, rel: str) -> str:
        """Return the full name of the image ``rel`` for messages."""
        return f"{self.name}/{printable(rel)}" if self.url else os.path.join(self.root, rel)


def is_url(text: str) -> bool:
    """Return True when ``text`` starts with a scheme (``s3://``, ``file://`` ...), not a plain path."""
    return bool(_URL.match(text))


def _url_fs(url: str) -> tuple[pyarrow.fs.FileSystem, str]:
    """Return the pyarrow file system of ``url`` and the path inside it (fsspec wrapped for other schemes)."""
    import pyarrow
    import pyarrow.fs as pafs

    try:
        return pafs.FileSystem.from_uri(url)
    except pyarrow.ArrowInvalid:  # a scheme pyarrow does not know: fsspec may (memory://, plugins)
        import fsspec

        try:
            fs, path = fsspec.core.url_to_fs(url)
        except (ImportError, ValueError) as exc:
            raise SourceError(f"{url}: no file system for this URL ({exc})") from None
        return pafs.PyFileSystem(pafs.FSSpecHandler(fs)), path


def open_source(text: str) -> Source:
    """Return the :class:`Source` for a folder path or URL; raises :class:`SourceError` when it is not a
    folder that can be listed."""
    if not is_url(text):
        if not os.path.isdir(text):
            raise SourceError(f"{text} is not a folder")
        return Source(str(Path(text)))  # the local engine's spelling of the folder, in its messages too
    import pyarrow.fs as pafs

    try:
        fs, path = _url_fs(text)
        kind = fs.get_file_info(path).type
    except OSError as exc:
        raise SourceError(f"{text}: cannot reach it ({exc})") from None
    if kind != pafs.FileType.Directory:
        raise SourceError(f"{text} is not a folder (or holds no files)")
    return Source(path.rstrip("/") or "/", text, fs)


def _sort_key(rel: str) -> list[str]:
    """Sort key giving the local scan's order: each level by name, a folder's files where the folder sorts."""
    return rel.split("/")


def iter_source(source: Source, recursive: bool = False, videos: bool = False) -> Iterator[ScanEntry]:
    """Yield the images of ``source`` (and with ``videos`` its video files) as :class:`~model.batch.scan.ScanEntry`
    (``rel`` relative to the root, ``/``-separated), in the local engine's order. A local folder streams; a URL is
    listed in one call (object stores list flat anyway). Raises :class:`SourceError` when the root cannot be
    listed."""
    if source.fs is None:
        try:
            yield from iter_images(source.root, recursive, videos)
        except OSError as exc:
            raise SourceError(f"{source.root}: cannot list: {exc.strerror or exc}") from None
        return
    import pyarrow.fs as pafs

    try:
        infos = source.fs.get_file_info(pafs.FileSelector(source.root, recursive=recursive))
    except OSError as exc:
        raise SourceError(f"{source.name}: cannot list: {exc}") from None
    prefix = source.root.rstrip("/") + "/"
    names = []
    for info in infos:
        if info.type != pafs.FileType.File or not info.path.startswith(prefix):
            continue
        rel = info.path[len(prefix) :]
        wanted = is_image_name(rel) or (videos and is_video(rel))
        if wanted and not any(part.startswith(".") for part in rel.split("/")):
            names.append(rel)
    for rel in sorted(names, key=_sort_key):
        yield ScanEntry(rel)


def read_entry(source: Source, rel: str, cfg: PreprocessCfg) -> Loaded:
    """Return ``(rel, pixels, None)`` with the model's uint8 view ``(C, H, W)`` of the image ``rel``
    (:func:`~model.data.pixels.load_array`), or ``(rel, None, reason)`` when it cannot be used: the local
    engine's :func:`~model.batch.pipeline.load_entry` for a folder, the same reasons naming the URL else."""
    if source.fs is None:
        return load_entry(source.root, rel, cfg)
    import pyarrow

    name = source.describe(rel)
    try:
        with source.fs.open_input_stream(posixpath.join(source.root, rel)) as f:
            data = f.read()
    except FileNotFoundError:
        return rel, None, f"{name}: no such file"
    except (OSError, pyarrow.ArrowException) as exc:
        return rel, None, printable(f"{name}: cannot read: {exc}")
    if not data:
        return rel, None, f"{name}: empty file (0 bytes)"
    try:
        pixels, _ = load_array(data, cfg)
    except ImageLoadError as exc:
        reason = str(exc)
        return rel, None, printable(f"{name}: {reason.removeprefix(_BYTES_NAME)}")
    return rel, pixels, None


def read_video(
    source: Source, rel: str, sampling: Sampling, cfg: PreprocessCfg, done: Container[str]
) -> Iterator[tuple[Loaded, dict]]:
    """Yield, per sampled frame of the video ``rel`` not in ``done``, its :data:`Loaded` (named
    ``rel#t=SECONDS``) and its ``frame``/``time`` fields, as the local engine's
    :func:`~model.batch.videos.video_items` makes them; a video that cannot be read, or stops early, ends with its
    error item named ``rel`` (and no fields). A URL's video is copied into a temporary folder first."""
    if source.fs is None:
        yield from _frames(source.root, rel, sampling, cfg, done)
        return
    import pyarrow

    with tempfile.TemporaryDirectory(prefix="coatnet-video-") as tmp:
        local = os.path.join(tmp, *rel.split("/"))
        os.makedirs(os.path.dirname(local), exist_ok=True)
        try:
            with source.fs.open_input_stream(posixpath.join(source.root, rel)) as f, open(local, "wb") as out:
                while chunk := f.read(1 << 20):
                    out.write(chunk)
        except (OSError, pyarrow.ArrowException) as exc:
            yield (rel, None, printable(f"{source.describe(rel)}: cannot read: {exc}")), {}
            return
        for (key, pixels, error), fields in _frames(tmp, rel, sampling, cfg, done):
            yield (key, pixels, error and error.replace(local, source.describe(rel))), fields


def _frames(
    root: str, rel: str, sampling: Sampling, cfg: PreprocessCfg, done: Container[str]
) -> Iterator[tuple[Loaded, dict]]:
    """Yield :func:`read_video`'s items for the video ``root/rel`` on this machine."""
    fields: dict[str, dict] = {}
    for item in video_items(root, rel, sampling, cfg, done, fields):
        loaded = item() if callable(item) else item
        yield loaded, fields.pop(loaded[0], {})
