"""Credentials and tokens, kept out of the store in a file only its owner can read.

Written atomically (temp file, fsync, rename), so a crash leaves either the old
or the new content, never a torn file: a rotated Cafe24 refresh token that was
received is on disk before it is ever used.

The console and the scheduler are separate processes writing the same file, so every
write (read, merge, write, rename) happens under one cross-process lock: `flock` on a
sidecar lock file beside the secrets file (the secrets file itself is replaced by each
rename, so it cannot carry the lock). Without it, two writers that read the same old
content would each put back their own view, and one could restore a spent refresh token.
`held` gives a per-shop cross-process lock for longer work that must not run twice at
once, such as a token refresh.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from core import config

_guard = threading.Lock()


def default_path() -> Path:
    return config.settings().secrets_path


def load_all(path: Path | None = None) -> dict[str, dict[str, Any]]:
    path = path or default_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise RuntimeError(f"the secrets file {path} is not valid JSON (line {exc.lineno})") from None


def get(shop_id: str, path: Path | None = None) -> dict[str, Any]:
    """A shop's secrets, with `CONSOLE_SECRET_<SHOP>_<NAME>` environment variables taking precedence."""
    values = dict(load_all(path).get(shop_id, {}))
    prefix = f"CONSOLE_SECRET_{shop_id.upper().replace('-', '_')}_"
    for name, value in config.secret_overrides().items():
        if name.startswith(prefix):
            values[name[len(prefix):].lower()] = value
    return values


def put(shop_id: str, path: Path | None = None, /, **values: Any) -> None:
    """Merge `values` into a shop's secrets and write the file durably, under the file's lock."""
    path = path or default_path()
    with _guard, _flock(path.with_name(f".{path.name}.lock")):
        data = load_all(path)
        data.setdefault(shop_id, {}).update(values)
        _write(path, data)


def forget(shop_id: str, path: Path | None = None) -> None:
    path = path or default_path()
    with _guard, _flock(path.with_name(f".{path.name}.lock")):
        data = load_all(path)
        if data.pop(shop_id, None) is not None:
            _write(path, data)


_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


@contextlib.contextmanager
def held(shop_id: str, purpose: str, path: Path | None = None) -> Iterator[None]:
    """Hold a per-shop, per-purpose lock across processes (and threads) until the block ends.

    Used around a token refresh: whoever waits here re-reads the secrets once inside, and finds the
    token another process has just refreshed instead of spending the same refresh token again.
    """
    path = path or default_path()
    name = f".{path.name}.{_UNSAFE.sub('_', shop_id)}.{_UNSAFE.sub('_', purpose)}.lock"
    with _flock(path.with_name(name)):
        yield


@contextlib.contextmanager
def _flock(lock_path: Path) -> Iterator[None]:
    """An exclusive `flock` on `lock_path` (created if needed); each open file holds its own lock, so two
    threads of one process exclude each other as two processes do."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def _write(path: Path, data: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".secrets-", suffix=".tmp")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump(data, out, ensure_ascii=False, indent=1)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def mask(value: str | None) -> str:
    """What a page may show of a secret: its length class and last two characters at most."""
    if not value:
        return ""
    return "•" * 8 + (value[-2:] if len(value) >= 12 else "")
