"""A cache of rendered chart JSON, so a warm chart page does no Bokeh work.

Two levels: an in-process LRU (fastest) and JSON files in a directory the caller names (shared by the worker
processes of one server and kept across restarts). Entries are keyed by what the chart shows, the version of the
data behind it *and* a fingerprint of what renders it (the portal's code and the Bokeh version), so new data never
shows an old chart, and after a deployment or a Bokeh upgrade no page is served JSON that older code drew or that
the new BokehJS cannot read. Callers give only the key and the data version; stale files are simply never read again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import bokeh
from bokeh.model import Model

from portal.charts.embed import chart_json

MEMORY_ENTRIES = 256


class _LRU:
    """A small thread-safe least-recently-used map of cache key to JSON text."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self._items: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> str | None:
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key: str, value: str) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


_memory = _LRU(MEMORY_ENTRIES)


def _code_fingerprint() -> str:
    """A digest of the portal's Python code: the chart builders and every feature's code that shapes chart data.

    Read once at import (about a megabyte), so any deployment that changes the code starts a fresh set of entries.
    """
    package = Path(__file__).resolve().parents[1]
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


CODE_FINGERPRINT = _code_fingerprint()


def renderer_fingerprint() -> str:
    """What every cached chart depends on besides its data: the code that drew it and the Bokeh version that must
    read it (looked up on each call, so an upgrade in place is noticed)."""
    return f"{CODE_FINGERPRINT}:{bokeh.__version__}"


def cache_key(key: str, data_version: str) -> str:
    """A file-safe digest of the chart key, its data version and the renderer fingerprint."""
    return hashlib.sha256(f"{key}\x00{data_version}\x00{renderer_fingerprint()}".encode()).hexdigest()


def _read_file(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (FileNotFoundError, NotADirectoryError):
        return None


def _write_file(directory: Path, path: Path, body: str) -> None:
    """Write atomically (temporary file then rename) so another process never reads half a chart."""
    directory.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".chart-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(body)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def cached_chart_json(
    key: str,
    data_version: str,
    build: Callable[[], Model],
    cache_dir: str | os.PathLike[str] | None = None,
) -> str:
    """Return the chart's ``json_item`` JSON, calling ``build`` and rendering only on a cache miss.

    ``key`` names what the chart shows (and for whom); ``data_version`` changes whenever the data behind it does.
    The code and Bokeh versions are added here, so callers need not (and older callers that add them still work).
    """
    digest = cache_key(key, data_version)
    body = _memory.get(digest)
    if body is not None:
        return body
    directory = Path(cache_dir) if cache_dir is not None else None
    path = directory / f"{digest}.json" if directory is not None else None
    if path is not None:
        body = _read_file(path)
    if body is None:
        body = chart_json(build())
        if directory is not None and path is not None:
            # A read-only or full disk only costs speed: the in-process cache still holds the chart.
            with contextlib.suppress(OSError):
                _write_file(directory, path, body)
    _memory.put(digest, body)
    return body


def clear_memory_cache() -> None:
    """Forget the in-process entries (tests, and after bulk re-imports to free memory)."""
    _memory.clear()
