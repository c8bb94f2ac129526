"""The UI's languages: which one to show (the Settings choice, ``$COATNET_LENS_LANG``, else the system locale), the
translators that show it, and the refresh of the translation files.

The app's strings are English in the source, marked with Qt's ``self.tr()`` / ``QCoreApplication.translate()``.
``pyside6-lupdate`` collects them into ``assets/i18n/coatnet_lens_<lang>.ts`` (edited by translators, with Qt
Linguist or by hand) and ``pyside6-lrelease`` compiles that into the ``.qm`` the app loads. After changing UI
strings, refresh both with ``python -m coatnet_gui.i18n`` (the command line stays English: ``coatnet_gui/cli`` is
not scanned). A language change takes effect at the next start.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from model.resources import asset_path

ENV_LANG = "COATNET_LENS_LANG"
SYSTEM = "system"
ENGLISH = "en"
LANGUAGES = {"zh_CN": "简体中文"}  # the shipped translations, each named in its own language
CHOICES = (SYSTEM, ENGLISH, *LANGUAGES)
CATALOG = "coatnet_lens"
SOURCE_DIR = "coatnet_gui"
SKIPPED_DIRS = ("cli",)  # the command line stays English


def translation_file(language: str, suffix: str = ".qm") -> Path:
    """Return the path of the app's translation for ``language`` (e.g. "zh_CN"); it may not exist."""
    return asset_path("i18n", f"{CATALOG}_{language}{suffix}")


def resolve(choice: str, system: QLocale | None = None) -> str:
    """Return the language to show: ``$COATNET_LENS_LANG`` when set (``en``, ``zh_CN``, ``zh``…), else ``choice``
    (one of :data:`CHOICES`), where ``system`` follows ``system`` (default: ``QLocale.system()``). A language
    without a translation gives :data:`ENGLISH`."""
    wanted = os.environ.get(ENV_LANG, "").strip() or choice
    if wanted == SYSTEM:
        wanted = (system or QLocale.system()).name()
    wanted = wanted.replace("-", "_").split(".")[0]
    if wanted in LANGUAGES:
        return wanted
    prefix = wanted.split("_")[0].lower()
    return next((lang for lang in LANGUAGES if lang.split("_")[0].lower() == prefix), ENGLISH)


def install(app: QCoreApplication, language: str) -> list[QTranslator]:
    """Install the translators of ``language`` into ``app``: the app's own ``.qm`` and Qt's ``qtbase`` one (the
    standard buttons and dialogs), and make ``language`` the default locale (numbers, dates). Return the
    installed translators (kept on ``app`` too, so that they live as long as it); empty for English or when a
    file is missing."""
    QLocale.setDefault(QLocale(language if language != ENGLISH else "en_US"))
    installed: list[QTranslator] = []
    if language == ENGLISH:
        return installed
    qt_folder = QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)
    for folder, name in (
        (str(translation_file(language).parent), f"{CATALOG}_{language}"),
        (qt_folder, f"qtbase_{language}"),
    ):
        translator = QTranslator(app)
        if translator.load(name, folder) and app.installTranslator(translator):
            installed.append(translator)
    app.setProperty("coatnet_translators", len(installed))
    return installed


def percent(fraction: float, decimals: int = 1) -> str:
    """Return ``fraction`` (0-1) as a percentage in the default locale's digits and decimal point, e.g. "90.7%"."""
    return QLocale().toString(fraction * 100, "f", decimals) + "%"


def source_files(root: Path) -> list[Path]:
    """Return the Python files of ``root``/coatnet_gui whose strings are translated (all but the command line's),
    sorted."""
    files = sorted((root / SOURCE_DIR).rglob("*.py"))
    return [f for f in files if not any(part in SKIPPED_DIRS for part in f.relative_to(root / SOURCE_DIR).parts)]


def _tool(name: str) -> str:
    """Return the path of the PySide6 tool ``name`` beside this Python (a virtual environment's bin/), else
    ``name`` (found on PATH)."""
    beside = Path(sys.executable).with_name(name)
    return str(beside) if beside.exists() else name


def refresh(root: Path, languages: tuple[str, ...] = tuple(LANGUAGES)) -> list[Path]:
    """Update the ``.ts`` of each of ``languages`` under ``root``/assets/i18n from the source strings (new strings
    come in unfinished, vanished ones go; no line numbers, so a moved string is no change), then compile each
    into its ``.qm``. Return the written ``.qm`` paths. Raises ``subprocess.CalledProcessError`` when a tool
    fails."""
    folder = root / "assets" / "i18n"
    folder.mkdir(parents=True, exist_ok=True)
    files = [str(f.relative_to(root)) for f in source_files(root)]
    written = []
    for language in languages:
        ts = folder / f"{CATALOG}_{language}.ts"
        lupdate = [_tool("pyside6-lupdate"), *files, "-locations", "none", "-no-obsolete", "-ts", str(ts)]
        subprocess.run(lupdate, cwd=root, check=True)
        qm = ts.with_suffix(".qm")
        subprocess.run([_tool("pyside6-lrelease"), str(ts), "-qm", str(qm)], cwd=root, check=True)
        written.append(qm)
    return written


if __name__ == "__main__":
    for path in refresh(Path(__file__).resolve().parent.parent):
        print(f"wrote {path}")
