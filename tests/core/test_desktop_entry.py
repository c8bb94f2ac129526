"""``--install-desktop-entry`` / ``--remove-desktop-entry`` against a temporary ``XDG_DATA_HOME``: the entry is
valid (``desktop-file-validate`` when installed), offers the app for images and folders, its Exec line runs this
app on the files it is given, and files of our names that someone else made are never overwritten or removed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coatnet_gui.desktop import (
    MARKER,
    DesktopEntryError,
    entry_path,
    icon_placements,
    install_desktop_entry,
    launch_command,
    remove_desktop_entry,
)

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "assets" / "samples" / "fashion_bag.png"


def read_entry(path: Path) -> dict[str, str]:
    """Return the keys of a desktop file's ``[Desktop Entry]`` group (a small reader of the spec's format)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "[Desktop Entry]"
    return dict(line.split("=", 1) for line in lines[1:] if line and not line.startswith("#"))


def exec_argv(value: str, files: list[str]) -> list[str]:
    """Return the command an Exec value runs for ``files``, as the Desktop Entry spec reads it: string escapes
    undone; words split on spaces outside double quotes, where a backslash escapes one of ``"`$\\``; ``%F``
    replaced by the files, ``%%`` by ``%``."""
    text = value.replace("\\\\", "\0").replace("\\s", " ").replace("\0", "\\")
    words: list[str] = []
    word: list[str] | None = None  # None: between words
    quoted, i = False, 0
    while i < len(text):
        c = text[i]
        if quoted and c == "\\" and text[i + 1 : i + 2] in ('"', "`", "$", "\\"):
            word.append(text[i + 1])
            i += 1
        elif c == '"':
            quoted, word = not quoted, word if word is not None else []
        elif c == " " and not quoted:
            if word is not None:
                words.append("".join(word))
            word = None
        else:
            word = (word or []) + [c]
        i += 1
    if word is not None:
        words.append("".join(word))
    argv: list[str] = []
    for word in words:
        argv += files if word == "%F" else [word.replace("%%", "%")]
    return argv


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "share"))
    return tmp_path / "share"


def test_install_writes_a_valid_entry_and_icons_then_remove_takes_them_away(home: Path):
    written = install_desktop_entry()
    entry = entry_path(home)
    assert written[0] == entry == home / "applications" / "coatnet-lens.desktop"
    keys = read_entry(entry)
    assert keys["Type"] == "Application" and keys["Name"] == "CoAtNet Lens" and keys["Icon"] == "coatnet-lens"
    mime = keys["MimeType"].split(";")
    assert {"image/png", "image/jpeg", "image/webp", "inode/directory"} <= set(mime) and mime[-1] == ""
    assert keys["Exec"].endswith(" %F") and MARKER in entry.read_text()
    for place in icon_placements(home):
        assert place.target.read_bytes() == place.source.read_bytes()
    assert (home / "icons" / "hicolor" / "256x256" / "apps" / "coatnet-lens.png").is_file()
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / "coatnet-lens.svg").is_file()
    if shutil.which("desktop-file-validate"):  # Debian's desktop-file-utils
        check = subprocess.run(["desktop-file-validate", str(entry)], capture_output=True, text=True)
        assert check.returncode == 0 and not check.stdout.strip(), check.stdout + check.stderr

    assert install_desktop_entry() == written  # ours: installed again in place
    removed, kept = remove_desktop_entry()
    assert set(removed) == set(written) and kept == []
    assert not entry.exists() and not any(p.target.exists() for p in icon_placements(home))


def test_the_exec_line_runs_this_app_on_the_files_it_is_given(home: Path, tmp_path: Path):
    """The entry's command, with a file manager's %F, classifies the image (without a display the app says so and
    works in the terminal, which shows that the file reached it)."""
    install_desktop_entry(command=launch_command())
    argv = exec_argv(read_entry(entry_path(home))["Exec"], [str(SAMPLE)])
    assert argv[:3] == [sys.executable, "-m", "coatnet_gui"]  # run by pytest: this Python, not a script
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(OMP_NUM_THREADS="1", COATNET_LENS_DATA=str(tmp_path / "data"))
    proc = subprocess.run(argv, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert str(SAMPLE) in proc.stdout and proc.stdout.splitlines()[2].split()[-1] == "Bag", proc.stdout


def test_exec_arguments_survive_spaces_quotes_and_percent_signs(home: Path):
    odd = ['/opt/My Apps/coat$net `x` "q" 100%\\/coatnet-gui', "--flag"]
    install_desktop_entry(command=odd)
    assert exec_argv(read_entry(entry_path(home))["Exec"], ["/a b.png", "/dir"]) == [*odd, "/a b.png", "/dir"]


def test_a_file_someone_else_made_is_never_overwritten_or_removed(home: Path):
    entry = entry_path(home)
    entry.parent.mkdir(parents=True)
    entry.write_text("[Desktop Entry]\nType=Application\nName=Mine\nExec=mine\n")
    with pytest.raises(DesktopEntryError, match="not written by CoAtNet Lens"):
        install_desktop_entry()
    with pytest.raises(DesktopEntryError, match="not written by CoAtNet Lens"):
        remove_desktop_entry()
    assert entry.read_text().startswith("[Desktop Entry]\nType=Application\nName=Mine")
    assert not any(p.target.exists() for p in icon_placements(home))  # refused before writing anything

    entry.unlink()
    icon = icon_placements(home)[-1].target
    icon.parent.mkdir(parents=True)
    icon.write_text("<svg>my own icon</svg>")
    with pytest.raises(DesktopEntryError, match=str(icon)):
        install_desktop_entry()
    assert not entry.exists() and icon.read_text() == "<svg>my own icon</svg>"
    removed, kept = remove_desktop_entry()
    assert removed == [] and kept == [icon] and icon.read_text() == "<svg>my own icon</svg>"


def test_the_command_line_flags(home: Path, tmp_path: Path):
    def run(flag: str) -> subprocess.CompletedProcess[str]:
        env = {**os.environ, "XDG_DATA_HOME": str(home)}
        return subprocess.run(
            [sys.executable, "-m", "coatnet_gui", flag], cwd=REPO, env=env, capture_output=True, text=True, timeout=120
        )

    installed = run("--install-desktop-entry")
    assert installed.returncode == 0 and "Open with CoAtNet Lens" in installed.stdout, installed.stderr
    assert exec_argv(read_entry(entry_path(home))["Exec"], [])[:3] == [sys.executable, "-m", "coatnet_gui"]
    removed = run("--remove-desktop-entry")
    assert removed.returncode == 0 and "Removed 8 files." in removed.stdout
    entry_path(home).write_text("[Desktop Entry]\nName=Mine\n")
    refused = run("--install-desktop-entry")
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1 and "move it away first" in refused.stderr
