"""CPU seconds used by this benchmark process and by the fake servers it starts (the machine is noisy:
CPU per member is steadier than wall time)."""
from __future__ import annotations

import resource
import subprocess


def cpu_self() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def cpu_children() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def stop_fake(process: subprocess.Popen) -> float:
    """Stop a fake server started as a child; the CPU seconds it used."""
    before = cpu_children()
    process.terminate()
    process.wait(timeout=30)
    return cpu_children() - before
