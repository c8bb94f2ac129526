"""A per-user secret that lets the app recognise files it wrote itself (sort manifests), so that a crafted
file dropped into a folder cannot make the app move or delete anything.

The key is 32 random bytes in ``<data dir>/keys/user.key`` (mode 0600, created on first use). A record is
signed with HMAC-SHA256 over its canonical JSON plus a context (which file, which line), so lines cannot be
moved between files or reordered without the signature failing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from pathlib import Path

from model.paths import data_dir

KEY_FILE = ("keys", "user.key")
MAC_FIELD = "mac"
_KEY_BYTES = 32


def key_path() -> Path:
    """Return where the user key lives (inside :func:`model.paths.data_dir`)."""
    return data_dir().joinpath(*KEY_FILE)


def user_key(create: bool = True) -> bytes | None:
    """Return the user key; create it (readable by the user only) when missing and ``create``, else return None.
    Raises OSError when it cannot be read or made."""
    path = key_path()
    try:
        key = path.read_bytes()
    except FileNotFoundError:
        if not create:
            return None
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        key = secrets.token_bytes(_KEY_BYTES)
        try:  # O_EXCL: two processes making the key at once keep the first one's
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return path.read_bytes()
        with os.fdopen(fd, "wb") as f:
            f.write(key)
            f.flush()
            os.fsync(f.fileno())
        return key
    return key if len(key) == _KEY_BYTES else None


def _mac(key: bytes, record: dict, context: str) -> str:
    body = {k: v for k, v in record.items() if k != MAC_FIELD}
    text = context + "\n" + json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()


def signed(key: bytes, record: dict, context: str) -> dict:
    """Return ``record`` with a ``mac`` field binding it to ``key`` and ``context`` (e.g. a file id and line)."""
    return {**record, MAC_FIELD: _mac(key, record, context)}


def verify(key: bytes | None, record: dict, context: str) -> bool:
    """Return whether ``record`` carries a valid ``mac`` for ``key`` and ``context`` (False without a key)."""
    mac = record.get(MAC_FIELD)
    return key is not None and isinstance(mac, str) and hmac.compare_digest(mac, _mac(key, record, context))
