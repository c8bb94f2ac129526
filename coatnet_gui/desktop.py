"""Linux desktop integration without Qt: ``coatnet-gui --install-desktop-entry`` writes a freedesktop ``.desktop``
file and the app's icons under the user's data folder, so menus list "CoAtNet Lens" and file managers offer
"Open with CoAtNet Lens" for images and folders; ``--remove-desktop-entry`` takes them away again.

Files go to ``$XDG_DATA_HOME`` (``~/.local/share`` when unset): ``applications/coatnet-lens.desktop`` and
``icons/hicolor/<size>/apps/coatnet-lens.{png,svg}``. The entry we write carries the line :data:`MARKER`; a file
of the same name without it was made by someone else and is never overwritten or removed (the command refuses
and says so). An icon counts as ours when it holds exactly our icon's bytes or our own entry is installed.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from model.atomic import atomic_writer, write_bytes_atomically
from model.resources import asset_path

APP_ID = "coatnet-lens"  # the entry's file name, the icon name and Qt's desktopFileName
MARKER = "X-CoAtNet-Lens-Generated=true"
# The image types the app decodes (model.data.decode.IMAGE_SUFFIXES) and folders (they open in the Batch tab).
# Listed one by one rather than image/*, which would also offer SVG and RAW files the app cannot read.
MIME_TYPES = (
    "image/png", "image/apng", "image/jpeg", "image/webp", "image/bmp", "image/gif", "image/tiff",
    "image/x-portable-pixmap", "image/x-portable-graymap", "image/x-portable-bitmap", "image/x-portable-anymap",
    "image/x-tga", "image/vnd.microsoft.icon", "image/heic", "image/heif", "image/avif", "inode/directory",
)  # fmt: skip
ICON_SIZES = (16, 32, 48, 64, 128, 256)
RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")  # an Exec argument holding one of these is quoted (Desktop Entry spec)


class DesktopEntryError(Exception):
    """Nothing was written or removed: a file of ours has a foreign namesake, or the data folder is unusable."""


@dataclass(frozen=True)
class Placement:
    """Where one file of the integration goes: ``target`` under the data folder, its bytes from ``source``."""

    target: Path
    source: Path


def data_home() -> Path:
    """Return the user's XDG data folder: ``$XDG_DATA_HOME``, else ``~/.local/share``."""
    return Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")


def entry_path(home: Path) -> Path:
    """Return the path of our ``.desktop`` file under the data folder ``home``."""
    return home / "applications" / f"{APP_ID}.desktop"


def icon_placements(home: Path) -> list[Placement]:
    """Return the icons to install under ``home``: the PNG renderings per size and the scalable SVG."""
    hicolor = home / "icons" / "hicolor"
    icons = [
        Placement(hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png", asset_path("icons", f"{APP_ID}-{n}.png"))
        for n in ICON_SIZES
    ]
    return [*icons, Placement(hicolor / "scalable" / "apps" / f"{APP_ID}.svg", asset_path("icons", f"{APP_ID}.svg"))]


def launch_command(argv0: str | None = None) -> list[str]:
    """Return the command that starts this install of the app: the bundle's executable, the ``coatnet-gui``
    script that was run (``argv0``, default ``sys.argv[0]``), else this Python with ``-m coatnet_gui``."""
    if getattr(sys, "frozen", False):
        return [sys.executable]
    script = Path(argv0 if argv0 is not None else sys.argv[0])
    if script.name in ("coatnet-gui", "coatnet-gui.exe") and script.is_file():
        return [str(script.resolve())]
    return [sys.executable, "-m", "coatnet_gui"]


def exec_argument(arg: str) -> str:
    """Return ``arg`` written for an Exec line: quoted when it holds a reserved character, ``%`` doubled, then
    escaped as a desktop-file string value (backslashes doubled)."""
    arg = arg.replace("%", "%%")
    if RESERVED & set(arg):
        arg = '"' + "".join("\\" + c if c in '"`$\\' else c for c in arg) + '"'
    return arg.replace("\\", "\\\\")


def entry_text(command: list[str]) -> str:
    """Return the ``.desktop`` file that runs ``command`` with the chosen files and folders (``%F``)."""
    exec_line = " ".join(exec_argument(a) for a in command)
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.4",
            "Name=CoAtNet Lens",
            "GenericName=Image Classifier Explorer",
            "Comment=See what a CoAtNet image classifier computes: relative attention, activations, Grad-CAM",
            f"Exec={exec_line} %F",
            f"Icon={APP_ID}",
            "Terminal=false",
            "StartupNotify=true",
            "Categories=Science;ArtificialIntelligence;ImageProcessing;",
            "MimeType=" + "".join(f"{t};" for t in MIME_TYPES),
            "Keywords=attention;Grad-CAM;classifier;CoAtNet;",
            MARKER,
            "",
        ]
    )


def is_ours(entry: Path) -> bool:
    """Return whether ``entry`` is a desktop file this app wrote (it carries :data:`MARKER`)."""
    try:
        return MARKER in entry.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return False


def _icon_is_ours(place: Placement, entry_ours: bool) -> bool:
    try:
        return entry_ours or place.target.read_bytes() == place.source.read_bytes()
    except OSError:
        return False


def install_desktop_entry(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Write our desktop entry and icons under ``home`` (default :func:`data_home`) for ``command`` (default
    :func:`launch_command`); return the files written. Raises :class:`DesktopEntryError`, having written nothing,
    when a file of the same name that we did not write is in the way or an icon is missing from the assets."""
    home = home or data_home()
    entry = entry_path(home)
    entry_ours = is_ours(entry)
    if entry.exists() and not entry_ours:
        raise DesktopEntryError(f"{entry} exists and was not written by CoAtNet Lens; move it away first")
    icons = icon_placements(home)
    for place in icons:
        if not place.source.is_file():
            raise DesktopEntryError(f"the app's icon {place.source} is missing from this install")
        if place.target.exists() and not _icon_is_ours(place, entry_ours):
            raise DesktopEntryError(f"{place.target} exists and was not written by CoAtNet Lens; move it away first")
    for place in icons:
        place.target.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(place.target, place.source.read_bytes())
    entry.parent.mkdir(parents=True, exist_ok=True)
    with atomic_writer(entry) as out:  # last: the entry only appears once its icons are in place
        out.write(entry_text(command or launch_command()))
    _refresh_caches(home)
    return [entry, *(p.target for p in icons)]


def remove_desktop_entry(home: Path | None = None) -> tuple[list[Path], list[Path]]:
    """Remove our desktop entry and icons from ``home`` (default :func:`data_home`); return (removed, kept):
    kept are icons of our names that someone else made. Raises :class:`DesktopEntryError`, removing nothing,
    when the entry of our name was not written by this app."""
    home = home or data_home()
    entry = entry_path(home)
    entry_ours = is_ours(entry)
    if entry.exists() and not entry_ours:
        raise DesktopEntryError(f"{entry} was not written by CoAtNet Lens; leaving it alone")
    removed: list[Path] = []
    kept: list[Path] = []
    if entry_ours:
        entry.unlink()
        removed.append(entry)
    for place in icon_placements(home):
        if not place.target.exists():
            continue
        if _icon_is_ours(place, entry_ours):
            place.target.unlink()
            removed.append(place.target)
        else:
            kept.append(place.target)
    _refresh_caches(home)
    return removed, kept


def _refresh_caches(home: Path) -> None:
    """Tell the desktop about the change where its tools are installed (menus and "Open with" read the MIME
    cache); without them, desktops notice the files at their next scan."""
    tools = (
        ("update-desktop-database", "-q", str(home / "applications")),
        ("gtk-update-icon-cache", "-q", "-t", str(home / "icons" / "hicolor")),
    )
    for tool, *args in tools:
        if shutil.which(tool) and Path(args[-1]).is_dir():
            subprocess.run([tool, *args], capture_output=True, timeout=60, check=False)


def desktop_entry_command(flag: str) -> int:
    """Run ``--install-desktop-entry`` or ``--remove-desktop-entry``; print what was done; return the exit status
    (0 done, 2 refused)."""
    if sys.platform in ("win32", "darwin"):
        print("coatnet-gui: desktop entries are for Linux desktops (freedesktop.org)", file=sys.stderr)
        return 2
    try:
        if flag == "--install-desktop-entry":
            written = install_desktop_entry()
            print(f"Installed {written[0]} and {len(written) - 1} icons; \"Open with CoAtNet Lens\" is offered for "
                  "images and folders.")  # fmt: skip
        else:
            removed, kept = remove_desktop_entry()
            print(f"Removed {len(removed)} files." if removed else "No desktop entry of CoAtNet Lens was installed.")
            for path in kept:
                print(f"Kept {path}: not written by CoAtNet Lens.")
    except (DesktopEntryError, OSError) as e:
        print(f"coatnet-gui: {e}", file=sys.stderr)
        return 2
    return 0
