"""The settings the processes take from their environment, read in this one place.

The environment is read when `settings()` is called, not at import: each
process calls it where it starts its work (and tests set the variables per
test), so no other module reads `os.environ`.
"""
from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SANDBOX_PORT = 8624
PUBLIC_PORT = 8625
CONSOLE_PORT = 8501
MAILBOX_PORT = 8626
SECRET_ENV_PREFIX = "CONSOLE_SECRET_"


@dataclasses.dataclass(frozen=True)
class Settings:
    store_path: Path          # CONSOLE_DB
    secrets_path: Path        # CONSOLE_SECRETS
    public_base_url: str | None  # PUBLIC_BASE_URL as the operator set it, without a trailing slash
    console_port: int         # CONSOLE_PORT


def settings(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return _settings(env.get("CONSOLE_DB"), env.get("CONSOLE_SECRETS"), env.get("PUBLIC_BASE_URL"),
                     env.get("CONSOLE_PORT"))


@functools.lru_cache(maxsize=32)
def _settings(store: str | None, secrets: str | None, public: str | None, port: str | None) -> Settings:
    # Cached by the values read: every signed link asks for the settings, and building them is the costly part.
    return Settings(
        store_path=Path(store or ROOT / "data" / "console.duckdb"),
        secrets_path=Path(secrets or ROOT / "data" / "secrets.json"),
        public_base_url=(public or "").strip().rstrip("/") or None,
        console_port=int(port or CONSOLE_PORT),
    )


def secret_overrides(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """CONSOLE_SECRET_<SHOP>_<NAME>: secrets given by the environment, which win over the secrets file."""
    env = os.environ if env is None else env
    return {k: v for k, v in env.items() if k.startswith(SECRET_ENV_PREFIX)}


def mailbox_port(env: Mapping[str, str] | None = None) -> int:
    """SANDBOX_SMTP_PORT: where the sandbox mailbox listens (`python -m core mailbox`, `./start`, the sandbox
    shop's sender); a value that is not a port number is refused naming the variable."""
    env = os.environ if env is None else env
    value = (env.get("SANDBOX_SMTP_PORT") or "").strip()
    if not value:
        return MAILBOX_PORT
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        raise ValueError(f"SANDBOX_SMTP_PORT must be a port number from 1 to 65535, not {value!r}")
    return int(value)


# NHN Cloud KakaoTalk Bizmessage (알림톡): the API domain its v2.3 guide names, and the former one, kept as a
# choice for an account that must still use it (ALIMTALK_BASE_URL names the host to call).
ALIMTALK_BASE_URL = "https://kakaotalk-bizmessage.api.nhncloudservice.com"
ALIMTALK_LEGACY_BASE_URL = "https://api-alimtalk.cloud.toast.com"


def alimtalk_base_url(env: Mapping[str, str] | None = None) -> str:
    """The Alimtalk API host: ALIMTALK_BASE_URL if set (e.g. the legacy domain), else the current one."""
    env = os.environ if env is None else env
    return (env.get("ALIMTALK_BASE_URL") or "").strip().rstrip("/") or ALIMTALK_BASE_URL
