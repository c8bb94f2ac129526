"""Where an image comes from (a file, a web address, pasted or dragged pixels) and reading it off the GUI thread.

:func:`sources_from_mime` turns a drop or the clipboard into image sources and folders; :func:`read_image`
(run in a worker) decodes a source with :func:`model.data.decode.load_image`.
"""

from __future__ import annotations

import os
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

from PIL import Image
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QMimeData, QUrl
from PySide6.QtGui import QImage

from coatnet_gui.qimage import pil_to_qimage
from model.data.decode import IMAGE_SUFFIXES, load_image

URL_TIMEOUT_S = 20
URL_LIMIT_BYTES = 64 * 1024 * 1024
THUMBNAIL_SIDE = 72
_ENCODED_FORMATS = ("image/png", "image/jpeg", "image/webp", "image/gif", "image/bmp", "image/tiff")


@dataclass(frozen=True, eq=False)
class ImageSource:
    """An image to open: a file ``path``, a web ``url``, encoded ``data`` or a ``qimage`` (pasted pixels).
    ``name`` is what the window shows."""

    name: str
    path: str | None = None
    url: str | None = None
    data: bytes | None = None
    qimage: QImage | None = None

    @property
    def key(self) -> str:
        """Return an identity for the source (its path or address; its name for in-memory images)."""
        return self.path or self.url or f"memory:{id(self)}"

    @classmethod
    def file(cls, path: str | Path) -> ImageSource:
        """Return the source of the image file at ``path``."""
        return cls(Path(path).name, path=str(path))


@dataclass
class LoadedImage:
    """A decoded image: the ``source``, the RGB ``image``, the same as a ``qimage`` and a small ``thumbnail``."""

    source: ImageSource
    image: Image.Image
    qimage: QImage
    thumbnail: QImage


def _encode_png(image: QImage) -> bytes:
    """Return ``image`` encoded as PNG bytes."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(buffer.data().data())


def fetch_url(url: str) -> bytes:
    """Return the bytes at ``url`` (at most :data:`URL_LIMIT_BYTES`); raises OSError with a readable message."""
    request = urllib.request.Request(url, headers={"User-Agent": "CoAtNet-Lens"})
    try:
        with urllib.request.urlopen(request, timeout=URL_TIMEOUT_S) as response:
            data = response.read(URL_LIMIT_BYTES + 1)
    except (OSError, ValueError) as exc:
        raise OSError(f"Could not download {url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > URL_LIMIT_BYTES:
        raise OSError(f"{url} is larger than {URL_LIMIT_BYTES // 2**20} MB; save it and open the file instead.")
    return data


def read_image(source: ImageSource, ratio: float = 1.0) -> LoadedImage:
    """Decode ``source`` (downloading a web address first); raises ImageLoadError/OSError when it cannot. The
    thumbnail fits :data:`THUMBNAIL_SIDE` logical pixels at ``ratio`` device pixels each (the screen's
    :func:`~coatnet_gui.qimage.screen_ratio`): ``THUMBNAIL_SIDE * ratio`` pixels a side, its device pixel ratio
    set, so that it stays sharp on a HiDPI screen."""
    if source.path is not None:
        image = load_image(source.path)
    elif source.data is not None:
        image = load_image(source.data)
    elif source.qimage is not None:
        image = load_image(_encode_png(source.qimage))
    else:
        image = load_image(fetch_url(source.url or ""))
    side = max(1, round(THUMBNAIL_SIDE * max(1.0, ratio)))
    scale = side / max(image.size)
    if scale > 1:  # tiny images (28x28 Fashion-MNIST) are scaled up, their pixels kept sharp
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        thumb = image.resize(size, Image.Resampling.NEAREST)
    else:
        thumb = image.copy()
        thumb.thumbnail((side, side))
    thumbnail = pil_to_qimage(thumb)
    thumbnail.setDevicePixelRatio(side / THUMBNAIL_SIDE)
    return LoadedImage(source, image, pil_to_qimage(image), thumbnail)


def image_subfolders(folder: str | os.PathLike) -> int:
    """Return how many folders below ``folder`` (at any depth, not ``folder`` itself) hold image files."""
    count = 0
    for depth, (_root, dirs, files) in enumerate(os.walk(folder)):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        if depth and any(os.path.splitext(name)[1].lower() in IMAGE_SUFFIXES for name in files):
            count += 1
    return count


def _url_name(url: QUrl) -> str:
    return Path(unquote(urlparse(url.toString()).path)).name or url.host() or "image"


def sources_from_mime(mime: QMimeData) -> tuple[list[ImageSource], list[str]]:
    """Return ``(images, folders)`` carried by a drop or the clipboard.

    Local files and folders come from the URL list; a browser's image drag brings the encoded image or its
    pixels (used as they are) and/or its web address (downloaded later, in a worker); text holding a path
    or an http(s) address works too.
    """
    images: list[ImageSource] = []
    folders: list[str] = []
    remote: list[QUrl] = []
    for url in mime.urls():
        if url.isLocalFile():
            path = Path(url.toLocalFile())
            if path.is_dir():
                folders.append(str(path))
            else:
                images.append(ImageSource.file(path))
        elif url.scheme() in ("http", "https"):
            remote.append(url)
    if images or folders:
        return images, folders
    name = _url_name(remote[0]) if remote else "pasted image"
    for fmt in _ENCODED_FORMATS:
        if mime.hasFormat(fmt):
            return [ImageSource(name, data=bytes(QByteArray(mime.data(fmt)).data()))], []
    if mime.hasImage():
        pixels = QImage(mime.imageData())
        if not pixels.isNull():
            return [ImageSource(name, qimage=pixels)], []
    if remote:
        return [ImageSource(_url_name(u), url=u.toString()) for u in remote], []
    text = mime.text().strip() if mime.hasText() else ""
    if text.startswith(("http://", "https://")):
        return [ImageSource(_url_name(QUrl(text)), url=text)], []
    if text and Path(text).expanduser().exists():
        path = Path(text).expanduser()
        return ([], [str(path)]) if path.is_dir() else ([ImageSource.file(path)], [])
    return [], []
