"""A child process for the two-process store test: writes and reads in turns for a while."""
from __future__ import annotations

import sys
import time

from core.store import Store


def main(path: str, name: str, seconds: float) -> int:
    store = Store(path, role=name)
    seq = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        seq += 1
        with store.unit() as con:
            con.execute("INSERT INTO worker_log VALUES (?, ?)", [name, seq])
        with store.unit() as con:
            seen = con.execute("SELECT count(*) FROM worker_log WHERE worker = ?", [name]).fetchone()[0]
        if seen != seq:
            print(f"{name}: wrote {seq} rows but reads {seen}", file=sys.stderr)
            return 1
    print(seq)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2], float(sys.argv[3])))
