"""Keeping freed memory for reuse during a bulk job (portal/allocator.py): big arrays made and freed over and over are
not faulted in afresh each time inside the block, the settings last until the outermost block ends, and afterwards
the process maps and returns big blocks as before."""

from __future__ import annotations

import resource
import threading

import pytest

from portal import allocator

pytestmark = pytest.mark.skipif(allocator._glibc() is None, reason="mallopt is glibc's")

# 64 MB: above glibc's largest automatic mmap threshold (32 MB), so by default each one is a fresh mapping. (A
# bytearray, not a numpy array: numpy asks for huge pages for its own, which would make the counts depend on how many
# the kernel has free.)
BLOCK_BYTES = 64 * 1024 * 1024
ROUNDS = 8
PAGE = resource.getpagesize()
PAGES_PER_BLOCK = BLOCK_BYTES // PAGE


def _faults_making_and_freeing_blocks() -> int:
    """Minor page faults while ROUNDS 64 MB blocks are each made, written to on every page and freed."""
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(ROUNDS):
        block = bytearray(BLOCK_BYTES)
        block[::PAGE] = b"\x01" * PAGES_PER_BLOCK
        del block
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before


def test_big_blocks_freed_in_the_block_are_reused_without_faulting_again() -> None:
    unkept = _faults_making_and_freeing_blocks()
    with allocator.freed_memory_kept():
        kept = _faults_making_and_freeing_blocks()
    after = _faults_making_and_freeing_blocks()

    assert unkept >= ROUNDS * PAGES_PER_BLOCK * 0.9  # each block faulted in page by page
    assert kept <= 2 * PAGES_PER_BLOCK  # the first block's pages, then the same memory again
    assert after >= ROUNDS * PAGES_PER_BLOCK * 0.9  # back to mapping each one afresh, and returning it


def test_nested_and_concurrent_blocks_keep_the_settings_until_the_last_one_ends() -> None:
    inner_done = threading.Event()

    def other_job() -> None:
        with allocator.freed_memory_kept():
            pass
        inner_done.set()

    with allocator.freed_memory_kept():
        with allocator.freed_memory_kept():
            pass
        thread = threading.Thread(target=other_job)
        thread.start()
        thread.join()
        assert inner_done.is_set()
        still_kept = _faults_making_and_freeing_blocks()
    assert still_kept <= 2 * PAGES_PER_BLOCK


def test_a_block_that_raises_still_puts_the_defaults_back() -> None:
    with pytest.raises(RuntimeError), allocator.freed_memory_kept():
        raise RuntimeError("the import failed")
    assert _faults_making_and_freeing_blocks() >= ROUNDS * PAGES_PER_BLOCK * 0.9
