"""Turning text (a class name, an image's name, a block's label) into part of a file or folder name.

Every name the app makes is valid on Linux, macOS and Windows, at most :data:`MAX_NAME_BYTES` bytes of UTF-8, and
stays readable in any script (``猫.jpg`` -> ``猫``, ``Ankle boot`` -> ``Ankle_boot``)::

    folder_name("T-shirt/top")             # "T-shirt-top": a class folder of a sort, the label kept as written
    file_stem("my photo (1)")              # "my_photo_1": one part of a saved file's name
    file_stem("T-shirt/top", sep="-")      # "T-shirt-top"
    slug("fashion_T-shirt-top")            # "fashion-t-shirt-top": to compare names, never to write one

A block's short label (``S3.1``, not ``stages.2.blocks.1``) is :func:`model.explain.blocks.block_label`.
"""

from __future__ import annotations

import re
import unicodedata

MAX_NAME_BYTES = 120  # well below the 255 bytes of a name on every common file system, leaving room for suffixes
_WINDOWS_FORBIDDEN = frozenset('/\\:*?"<>|')
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
)


def folder_name(label: str, max_bytes: int = MAX_NAME_BYTES) -> str:
    """Return ``label`` as a folder name valid on Linux, macOS and Windows, otherwise as written (spaces, case and
    every script kept): path separators, the other characters Windows forbids and control characters become
    ``-``; leading and trailing spaces go, and trailing dots; a Windows device name (``con``, ``LPT1.txt``) gets
    a ``_`` prefix; cut to ``max_bytes`` bytes of UTF-8. An empty result is ``_``."""
    name = "".join("-" if c in _WINDOWS_FORBIDDEN or ord(c) < 32 else c for c in label)
    return _fit(name, max_bytes, strip=None, rstrip=". ", empty="_")


def file_stem(text: str, sep: str = "_", max_bytes: int = MAX_NAME_BYTES, empty: str = "view") -> str:
    """Return ``text`` as a compact part of a file name, valid on Linux, macOS and Windows: letters, digits and
    marks of every script are kept, as are ``.``, ``-`` and ``_``; each run of other characters (spaces,
    separators, brackets, punctuation) becomes one ``sep``; dots, dashes and underscores at either end go (no
    hidden file, nothing read as an option); a Windows device name gets a ``_`` prefix; cut to ``max_bytes``
    bytes of UTF-8. Text is NFC-normalised first. An empty result is ``empty``."""
    normal = unicodedata.normalize("NFC", text)
    kept = "".join(c if c in "._-" or _in_words(c) else "\0" for c in normal)
    name = re.sub("\0+", sep, kept)
    return _fit(name, max_bytes, strip="._- ", rstrip="._- ", empty=empty)


def slug(text: str) -> str:
    """Return ``text`` lower-cased, each run of characters other than letters, digits and marks made one ``-``:
    a key to compare names that differ in case and punctuation (``"T-shirt/top"`` and ``"t_shirt top"`` both
    give ``"t-shirt-top"``)."""
    lowered = unicodedata.normalize("NFC", text).lower()
    return "-".join("".join(c if _in_words(c) else " " for c in lowered).split())


def _in_words(c: str) -> bool:
    """Return whether the character ``c`` is a letter, digit or mark (accents, vowel signs) of any script."""
    return unicodedata.category(c)[0] in "LNM"


def _fit(name: str, max_bytes: int, strip: str | None, rstrip: str, empty: str) -> str:
    """Return ``name`` stripped of ``strip`` (None: white space) at both ends and of ``rstrip`` at the end, a
    Windows device name prefixed with ``_``, then cut to ``max_bytes`` bytes of UTF-8 on a character boundary (and
    stripped of ``rstrip`` again); ``empty`` when nothing is left."""
    name = name.strip(strip).rstrip(rstrip)
    if name.split(".")[0].upper() in _WINDOWS_DEVICES:
        name = "_" + name
    encoded = name.encode("utf-8")
    if len(encoded) > max_bytes:
        name = encoded[:max_bytes].decode("utf-8", errors="ignore").rstrip(rstrip)
    return name or empty
