"""The per-user key that signs sort manifests (model/signing.py): made once, private, durable, shared by two
processes racing to make it, and a signature format that stays the same across versions (manifests written by
an older app must still verify). Each test fails on a mutant of model/signing.py that survived the manifest tests."""

from __future__ import annotations

import hashlib
import hmac
import os
import stat
from pathlib import Path

import pytest

from model import signing


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("COATNET_LENS_DATA", str(tmp_path / "data"))
    return tmp_path / "data"


def test_the_key_is_32_private_bytes_made_once_in_a_private_folder(data: Path):
    """Mutants: the key's length; the keys folder's mode."""
    old = os.umask(0o022)
    try:
        key = signing.user_key()
    finally:
        os.umask(old)
    assert isinstance(key, bytes) and len(key) == 32
    path = data / "keys" / "user.key"
    assert path.read_bytes() == key and signing.user_key() == key  # made once, read back after
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_a_keys_folder_without_a_key_gets_one_and_no_key_is_made_when_not_asked(data: Path):
    """Mutant: ``exist_ok`` off (a folder left empty, e.g. by a user who deleted the key, refused the new key)."""
    (data / "keys").mkdir(parents=True)
    assert signing.user_key(create=False) is None and not (data / "keys" / "user.key").exists()
    assert len(signing.user_key()) == 32


def test_the_key_is_on_disk_when_it_is_synced(data: Path, monkeypatch: pytest.MonkeyPatch):
    """Mutants: the flush or the fsync left out (a crash right after could leave an empty key, and every
    manifest signed with it unverifiable)."""
    synced: list[int] = []
    fsync = os.fsync

    def checking_fsync(fd: int) -> None:
        synced.append(os.fstat(fd).st_size)
        fsync(fd)

    monkeypatch.setattr(signing.os, "fsync", checking_fsync)
    signing.user_key()
    assert synced == [32]


def test_a_process_that_loses_the_race_to_make_the_key_uses_the_winners(data: Path, monkeypatch: pytest.MonkeyPatch):
    """Mutant: the loser returning None instead of the key the other process wrote."""
    winner = b"w" * 32
    real_open = os.open

    def racing_open(path, flags, mode=0o777):
        if flags & os.O_EXCL:  # another process makes the key between our read and our create
            Path(path).write_bytes(winner)
        return real_open(path, flags, mode)

    monkeypatch.setattr(signing.os, "open", racing_open)
    assert signing.user_key() == winner
    monkeypatch.setattr(signing.os, "open", real_open)
    assert signing.user_key() == winner


def test_the_signature_format_is_stable_and_independent_of_key_order():
    """Mutants: ``sort_keys`` off (a record read back with its keys in another order fails); ``ensure_ascii`` on
    (manifests signed by earlier versions, over UTF-8, would no longer verify)."""
    key = bytes(range(32))
    record = {"src": "café/猫.png", "dst": "Bag/猫.png", "op": "move"}
    canonical = '{"dst":"Bag/猫.png","op":"move","src":"café/猫.png"}'
    expected = hmac.new(key, ("m1:3\n" + canonical).encode("utf-8"), hashlib.sha256).hexdigest()
    assert signing.signed(key, record, "m1:3")["mac"] == expected
    reordered = dict(reversed(list(signing.signed(key, record, "m1:3").items())))
    assert signing.verify(key, reordered, "m1:3")
    assert not signing.verify(key, reordered, "m1:4") and not signing.verify(None, reordered, "m1:3")
