"""When the sandbox mall opened, kept beside the store, so that every `./start` serves the same mall.

A mall is drawn from its seed and its opening instant (`core.sandbox.mall`). Drawn afresh from the
current time at each start, the same member id would name another person than the one the store synced,
and the people the new mall dates before the store's last checkpoint would never be synced. Kept in
`sandbox.json` beside the store (data/sandbox.json by default), the opening stays put across starts:
the mall is the same one, and its clock runs on from the wall time, so whoever signed up while
the product was stopped signed up after the last checkpoint and is synced at the next start.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path


def path_for(store_path: Path) -> Path:
    """Where the sandbox's opening is kept: `sandbox.json` beside the store."""
    return store_path.with_name("sandbox.json")


def opening(path: Path, *, seed: int, now: dt.datetime) -> dt.datetime:
    """The opening instant of the mall made from `seed`: the one kept in `path`, else `now`, kept from then on.

    Each seed makes a different mall, so each keeps its own opening. A file that cannot be read is refused
    naming it, and left as it is (it may be the only record of which mall the store holds)."""
    if now.tzinfo is None:
        raise ValueError("the sandbox's opening needs a timezone-aware instant")
    kept = _read(path)
    at = kept.get(str(seed))
    if at is not None:
        try:
            opened = dt.datetime.fromisoformat(at)
        except (TypeError, ValueError):
            raise ValueError(f"{path}: the opening of the mall with seed {seed} is not an ISO 8601 instant "
                             f"({at!r}); fix it, or delete the file together with the store to start afresh") from None
        if opened.tzinfo is None:
            raise ValueError(f"{path}: the opening of the mall with seed {seed} has no timezone ({at!r})")
        return opened
    opened = now.astimezone(dt.UTC).replace(microsecond=0)
    kept[str(seed)] = opened.isoformat()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(json.dumps({"openings": kept}, indent=2) + "\n", encoding="utf-8")
    partial.replace(path)  # never a half-written file, even if the process is stopped mid-write
    return opened


def _read(path: Path) -> dict[str, str]:
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ValueError(f"{path} cannot be read as the sandbox's openings ({exc}); fix it, or delete it "
                         "together with the store to start afresh") from None
    openings = data.get("openings") if isinstance(data, dict) else None
    if not isinstance(openings, dict):
        raise ValueError(f"{path} holds no \"openings\" object; fix it, or delete it together with the store "
                         "to start afresh")
    return {str(k): v for k, v in openings.items()}
