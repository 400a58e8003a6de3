"""The peak memory of this process alone.

``getrusage(RUSAGE_SELF).ru_maxrss`` survives ``exec``: a benchmark child started by a parent that has
grown (``make bench`` runs every benchmark in one process) would report the parent's peak as its own. The
kernel's high-water mark of resident memory (``VmHWM`` in ``/proc/self/status``) belongs to the process's
own address space, made fresh by ``exec``; it is read where the system has it.
"""

from __future__ import annotations

import resource
from pathlib import Path

STATUS = Path("/proc/self/status")


def peak_mb() -> float:
    """This process's peak resident set size in MB (since its ``exec``, where ``/proc`` says so)."""
    try:
        for line in STATUS.read_text(encoding="ascii").splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # reported in kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
