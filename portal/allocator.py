"""Keeping freed memory for reuse during a bulk job (glibc's malloc; elsewhere a no-op).

glibc hands each allocation above its mmap threshold (at most 32 MB) a fresh mapping and unmaps it when freed, and
returns freed memory at the top of its heap to the system past a trim threshold. A million-row import makes and frees
many arrays of 8 MB to hundreds of MB while pandas parses and reshapes the file: each new mapping is faulted in again,
4 KB page by page, and zero-filled by the kernel. Measured on the benchmark file, reading it took 180,000 page faults
and 0.6-1.3 s of kernel time; with both thresholds raised for the job, 63,000 faults (the data's own first touch) and
0.2-0.3 s (bench/README.md). The settings are put back to glibc's documented defaults when the outermost job ends and
the freed memory is returned to the system, so a long-lived worker does not keep its peak.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

logger = logging.getLogger(__name__)

# mallopt parameters (malloc.h).
M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3
# glibc's documented starting values of both thresholds.
DEFAULT_THRESHOLD = 128 * 1024
# During a job: blocks up to this size come from the heap and stay there when freed. Older glibc refuses an mmap
# threshold above 32 MB (mallopt returns 0), so the largest value it accepts is used.
JOB_THRESHOLDS = (1 << 30, 32 * 1024 * 1024)

_lock = threading.Lock()
_depth = 0


@cache
def _glibc() -> ctypes.CDLL | None:
    """The C library when it has glibc's mallopt and malloc_trim, else None (musl, macOS, Windows)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return None
    try:
        libc = ctypes.CDLL(name)
        libc.mallopt.argtypes, libc.mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        libc.malloc_trim.argtypes, libc.malloc_trim.restype = [ctypes.c_size_t], ctypes.c_int
    except (OSError, AttributeError):
        return None
    return libc


def _raise_thresholds(libc: ctypes.CDLL) -> bool:
    """Both thresholds at the largest of JOB_THRESHOLDS glibc accepts; False when it accepts none."""
    for size in JOB_THRESHOLDS:
        if libc.mallopt(M_MMAP_THRESHOLD, size) == 1:
            libc.mallopt(M_TRIM_THRESHOLD, size)
            return True
    return False


@contextmanager
def freed_memory_kept() -> Iterator[None]:
    """Run the block with glibc keeping freed blocks for reuse instead of unmapping them; nested and concurrent uses
    keep the settings until the last one ends, which puts the defaults back and returns the free memory."""
    global _depth
    libc = _glibc()
    if libc is None:
        yield
        return
    with _lock:
        if _depth == 0 and not _raise_thresholds(libc):
            logger.debug("mallopt refused every threshold; allocations stay as they are")
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                libc.mallopt(M_TRIM_THRESHOLD, DEFAULT_THRESHOLD)
                libc.mallopt(M_MMAP_THRESHOLD, DEFAULT_THRESHOLD)
                libc.malloc_trim(0)
