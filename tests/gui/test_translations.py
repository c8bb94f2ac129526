"""The translation files: the committed .ts holds every translatable string of coatnet_gui/ (lupdate finds nothing
new), each one finished, with the same placeholders and mnemonic as its source; the committed .qm is the .ts
compiled; and the language choice (Settings, $COATNET_LENS_LANG, the system locale) resolves as documented."""

from __future__ import annotations

import re
import shutil
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PySide6.QtCore import QLocale

from coatnet_gui import i18n
from coatnet_gui.app.settings import Settings
from coatnet_gui.model_texts import MARKED
from model.audit.report import ISSUES
from model.choices import FILL_CHOICES
from model.explain.maps import ACTIVATION_MODES, ATTENTION_MODES, KINDS

ROOT = Path(__file__).resolve().parents[2]
TS = ROOT / "assets" / "i18n" / "coatnet_lens_zh_CN.ts"
PLACEHOLDER = re.compile(r"\{[^{}]*\}|%n|%\d")
CJK = re.compile(r"[\u4e00-\u9fff]")
STAYS_LATIN = {  # proper nouns and file types, the same in Chinese
    "&CUDA (NVIDIA GPU)",
    "&MPS (Apple GPU)",
    "C&PU",
    "CSV (*.csv);;JSON Lines (*.jsonl)",
    "Top-1",
    "the CPU",
}


def tool(name: str) -> str:
    """Return the path of the PySide6 tool ``name`` (the test needs it: PySide6 ships it)."""
    found = i18n._tool(name)
    if shutil.which(found) is None:
        pytest.skip(f"{name} is not installed")
    return found


def messages(path: Path = TS) -> list[tuple[str, ET.Element]]:
    """Return ``(context, message element)`` for every message of the .ts at ``path``."""
    return [(c.findtext("name"), m) for c in ET.parse(path).getroot().iter("context") for m in c.iter("message")]


def test_the_ts_holds_every_string_of_the_source(tmp_path: Path):
    """lupdate over coatnet_gui/ (the CLI left out) changes nothing in the committed .ts: no string is missing, none
    is left over. Fails after a UI string is added or changed: run `python -m coatnet_gui.i18n` and translate."""
    copy = tmp_path / TS.name
    shutil.copy(TS, copy)
    files = [str(f.relative_to(ROOT)) for f in i18n.source_files(ROOT)]
    assert files and not any(f.startswith("coatnet_gui/cli/") for f in files)
    command = [tool("pyside6-lupdate"), *files, "-locations", "none", "-no-obsolete", "-ts", str(copy)]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    assert copy.read_text(encoding="utf-8") == TS.read_text(encoding="utf-8"), "run `python -m coatnet_gui.i18n`"


def test_every_message_is_translated_with_its_placeholders_and_mnemonic():
    found = messages()
    assert len(found) > 600
    for context, message in found:
        source, translation = message.findtext("source"), message.find("translation")
        where = f"{context}: {source!r}"
        assert context, f"no context (lupdate could not tell the class of a tr() call): {where}"
        assert translation is not None and translation.get("type") is None, f"unfinished or obsolete: {where}"
        text = translation.text or ""
        assert text.strip(), f"empty translation: {where}"
        assert sorted(PLACEHOLDER.findall(text)) == sorted(PLACEHOLDER.findall(source)), where
        assert text.format(**{k: 0 for k in re.findall(r"\{(\w+)", text)}) is not None  # format specs still parse
        assert ("&" in source.replace("&&", "")) == ("&" in text.replace("&&", "")), f"mnemonic: {where}"
        latin = re.search(r"[A-Za-z]{3,}", re.sub(r"\{[^}]*\}", "", source))
        assert CJK.search(text) or not latin or source in STAYS_LATIN, f"not translated: {where}"


def test_the_committed_qm_is_the_ts_compiled(tmp_path: Path):
    qm = tmp_path / "compiled.qm"
    subprocess.run([tool("pyside6-lrelease"), str(TS), "-qm", str(qm)], check=True, capture_output=True)
    assert qm.read_bytes() == TS.with_suffix(".qm").read_bytes(), "run `python -m coatnet_gui.i18n`"


def test_the_core_words_shown_in_the_ui_are_marked_for_translation():
    """Every kind, mode, fill and issue name the UI shows from the Qt-free core is in model_texts' list."""
    words = {*KINDS.values(), *ATTENTION_MODES.values(), *ACTIVATION_MODES.values(), *FILL_CHOICES.values(), *ISSUES}
    assert words <= MARKED, words - MARKED


def test_the_language_follows_the_env_then_the_choice_then_the_system(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv(i18n.ENV_LANG, raising=False)
    chinese, german = QLocale("zh_CN"), QLocale("de_DE")
    assert i18n.resolve(i18n.SYSTEM, chinese) == "zh_CN" and i18n.resolve(i18n.SYSTEM, QLocale("zh_TW")) == "zh_CN"
    assert i18n.resolve(i18n.SYSTEM, german) == i18n.ENGLISH  # no German translation: English
    assert i18n.resolve(i18n.ENGLISH, chinese) == i18n.ENGLISH and i18n.resolve("zh_CN", german) == "zh_CN"
    monkeypatch.setenv(i18n.ENV_LANG, "zh_CN.UTF-8")
    assert i18n.resolve(i18n.ENGLISH, german) == "zh_CN"
    monkeypatch.setenv(i18n.ENV_LANG, "en")
    assert i18n.resolve("zh_CN", chinese) == i18n.ENGLISH


def test_the_language_setting_is_validated(tmp_path: Path):
    settings = Settings(str(tmp_path / "settings.ini"))
    assert settings.language == i18n.SYSTEM
    settings.language = "zh_CN"
    assert Settings(str(tmp_path / "settings.ini")).language == "zh_CN"
    settings.store.setValue("ui/language", "klingon")
    assert settings.language == i18n.SYSTEM


def test_the_translation_is_found_through_the_assets():
    assert i18n.translation_file("zh_CN").is_file() and i18n.translation_file("zh_CN", ".ts").is_file()


def test_percentages_follow_the_default_locale():
    """The prediction bars and the Batch table's confidence write their percentages as the locale does."""
    before = QLocale()
    try:
        QLocale.setDefault(QLocale("zh_CN"))
        assert i18n.percent(0.9071) == "90.7%"
        QLocale.setDefault(QLocale("de_DE"))  # a locale with a decimal comma: the formatting is QLocale's
        assert i18n.percent(0.9071) == "90,7%"
    finally:
        QLocale.setDefault(before)
