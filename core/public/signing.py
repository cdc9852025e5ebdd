"""What makes a public link ours: the base URL it is built on, and the signature that proves we made it.

Every link a message carries (unsubscribe, open pixel, tracked click) is signed
under one key kept in the secrets file (entry "_console", created on first use
under a cross-process lock), so a link cannot be forged, and guessing another
member's or message's link means guessing a 256-bit MAC.

A signature covers a *purpose* and the link's *parts*. New signatures are made
with itsdangerous (a maintained, reviewed signer: HMAC-SHA256, constant-time
comparison, a key derived per salt): the purpose is the salt, so a click's
signature never passes as an open's, and the parts are signed as one JSON array
of strings, which two different lists of parts can never share (JSON quotes
and escapes every string, so no part can pose as a separator).

Links already sent carry the legacy signature: HMAC-SHA256 over the purpose and
the parts joined by NUL. Joining by NUL is ambiguous only when a part contains
NUL (("a\\0b", "c") and ("a", "b\\0c") join the same), so the legacy form is
accepted only when no part contains NUL. Then the joined text splits back into
exactly one purpose and one list of parts (the purposes are fixed words without
NUL), so a legacy signature still vouches for exactly the parts it was made
for, and no one can use it to get a second meaning signed. New links are never
signed the legacy way.
"""
from __future__ import annotations

import base64
import enum
import fcntl
import hashlib
import hmac
import json
import os
import secrets as token_source
import threading
from pathlib import Path

from itsdangerous import Signer

from core import config
from core.errors import InvalidInput
from core.shops import secrets

CONSOLE_ENTRY = "_console"
KEY_NAME = "link_signing_key"
DEFAULT_PUBLIC_BASE_URL = "http://127.0.0.1:8625"

_keys: dict[Path, bytes] = {}
_keys_guard = threading.Lock()


class Purpose(enum.StrEnum):
    """What a signature is for; each purpose signs under its own derived key."""

    OPEN = "open"
    CLICK = "click"
    UNSUBSCRIBE = "unsubscribe"


class BadSignature(InvalidInput):
    """A link whose signature does not match: forged, altered or cut short."""

    def __init__(self, detail: str = "the link's signature does not match") -> None:
        super().__init__("public.bad_signature", detail=detail)


def public_base_url() -> str:
    """Where recipients reach the public endpoints (PUBLIC_BASE_URL), without a trailing slash."""
    return config.settings().public_base_url or DEFAULT_PUBLIC_BASE_URL


def signing_key() -> bytes:
    """The link-signing key, created once and kept in the secrets file."""
    path = secrets.default_path()
    with _keys_guard:
        if path in _keys:
            return _keys[path]
        key = secrets.get(CONSOLE_ENTRY, path).get(KEY_NAME)
        if not key:
            key = _create_key(path)
        _keys[path] = bytes.fromhex(key)
        return _keys[path]


def _create_key(path: Path) -> str:
    # Held across processes too: the console and the scheduler may both be first.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path.with_name(path.name + ".lock"), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        key = secrets.get(CONSOLE_ENTRY, path).get(KEY_NAME)
        if not key:
            key = token_source.token_hex(32)
            secrets.put(CONSOLE_ENTRY, path, **{KEY_NAME: key})
        return str(key)
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def unb64url(text: str) -> bytes:
    """The bytes of unpadded URL-safe base64; ValueError (binascii.Error) for text that is not."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_signers: dict[tuple[bytes, Purpose], Signer] = {}


def _signer(purpose: Purpose) -> Signer:
    # One signer per key and purpose: a message carries three signed links, so building each anew adds up.
    key = signing_key()
    signer = _signers.get((key, purpose))
    if signer is None:
        signer = _signers[(key, purpose)] = Signer(key, salt=f"core.public.{purpose}", key_derivation="hmac",
                                                   digest_method=hashlib.sha256)
    return signer


def encode_parts(*parts: str) -> bytes:
    """The parts as one JSON array: an encoding that no two different lists of strings share."""
    return json.dumps(list(parts), ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def sign(purpose: Purpose, *parts: str) -> str:
    """The signature of `parts` for `purpose`, as URL-safe base64 (43 characters)."""
    return _signer(purpose).get_signature(encode_parts(*parts)).decode("ascii")


def legacy_signature(purpose: Purpose, *parts: str) -> str:
    """The NUL-joined signature links carried before `sign`; kept to check those links, never to make new ones."""
    message = "\x00".join((str(purpose), *parts)).encode("utf-8")
    return b64url(hmac.new(signing_key(), message, hashlib.sha256).digest())


def verify(signature: str | None, purpose: Purpose, *parts: str) -> None:
    """Pass if `signature` signs exactly `parts` for `purpose`; BadSignature otherwise."""
    if not signature or not signature.isascii():
        raise BadSignature()
    given = signature.encode("ascii")
    if _signer(purpose).verify_signature(encode_parts(*parts), given):
        return
    # The legacy form only where it is unambiguous (see the module's docstring).
    if not any("\x00" in part for part in parts) and hmac.compare_digest(
            given, legacy_signature(purpose, *parts).encode("ascii")):
        return
    raise BadSignature()


__all__ = ["BadSignature", "Purpose", "b64url", "encode_parts", "legacy_signature", "public_base_url", "sign",
           "signing_key", "unb64url", "verify"]
