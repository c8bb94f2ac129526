"""One way to make names: class folders, parts of saved files' names, comparison keys and block labels, valid on
every platform and readable in any script."""

from __future__ import annotations

import pytest

from coatnet_gui.image.saving import suggested_name
from model.explain.capture import BlockInfo
from model.explain.maps import OverlayResult, OverlaySpec
from model.names import MAX_NAME_BYTES, file_stem, folder_name, slug

WINDOWS_FORBIDDEN = set('/\\:*?"<>|')


@pytest.mark.parametrize(
    ("text", "stem"),
    [
        ("猫", "猫"),
        ("my photo (1)", "my_photo_1"),
        ("stages.2.blocks.0", "stages.2.blocks.0"),
        ("../..", "view"),
        (".hidden", "hidden"),
        ("--rm", "rm"),
        ('a\\b:c*?<d>|e"f', "a_b_c_d_e_f"),
        ("हिन्दी फ़ोटो", "हिन्दी_फ़ोटो"),  # vowel signs are marks: kept, or the word is torn apart
        ("e\u0301te\u0301", "\u00e9t\u00e9"),  # NFC: one code point per accented letter
        ("con", "_con"),
        ("Ankle boot", "Ankle_boot"),
        ("", "view"),
    ],
)
def test_file_stems_keep_every_script_and_drop_the_rest(text: str, stem: str):
    assert file_stem(text) == stem


def test_file_stem_options():
    assert file_stem("T-shirt/top", sep="-") == "T-shirt-top"
    assert file_stem("!!!", empty="map") == "map"
    long = file_stem("猫" * 100, max_bytes=10)
    assert long == "猫" * 3 and len(long.encode()) <= 10  # cut on a character boundary


@pytest.mark.parametrize("text", ["a/b", "x" * 400, "猫" * 100, " trailing. ", "nul", "LPT1.txt", "\x00\x1f", "a..."])
def test_folder_names_are_valid_on_every_platform(text: str):
    name = folder_name(text)
    assert name and len(name.encode()) <= MAX_NAME_BYTES
    assert not (set(name) & WINDOWS_FORBIDDEN) and all(ord(c) >= 32 for c in name)
    assert not name.endswith((".", " ")) and name == name.strip()
    assert name.split(".")[0].upper() not in {"CON", "PRN", "AUX", "NUL", "LPT1"}


def test_folder_names_keep_the_label_as_written():
    assert folder_name("Ankle boot") == "Ankle boot" and folder_name("猫") == "猫" and folder_name("v1.2") == "v1.2"
    assert folder_name("abc. " + "x" * 200, max_bytes=5) == "abc"  # no trailing dot after the cut


def test_slug_compares_names_across_case_and_punctuation():
    assert slug("T-shirt/top") == slug("t_shirt top") == "t-shirt-top"
    assert slug("Ankle boot") in slug("fashion_ankle-boot") and slug("猫") == "猫"


def test_a_saved_views_suggested_name_is_readable():
    block = BlockInfo("stages.2.blocks.1", "transformer", 3, 1, 96, (6, 6), 4)
    result = OverlayResult(OverlaySpec(kind="attention", head=1), block, [], 1, "", "")
    assert suggested_name("猫.jpg", result, ".png") == "猫_S3.1_query_head1.png"
    assert suggested_name("my photo (1).png", None, ".npy") == "my_photo_1.npy"
    stem = BlockInfo("stem", "stem", 0, 0, 32, (48, 48))
    gradcam = OverlayResult(OverlaySpec(kind="gradcam", class_index=3), stem, [], 1, "", "")
    assert suggested_name(None, gradcam, ".npy") == "view_S0_gradcam_class3.npy"
