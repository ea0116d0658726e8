"""Build locks for the page cache: one request builds an emptied page while the others wait for it (issue 17)."""

from __future__ import annotations

import threading
import time
from typing import Any

# What a released build lock says while it lasts when its builder stored no page: don't wait, build your own.
NOT_STORED = "not-stored"


class BuildLocks:
    """Page build locks in this process: with the simple cache each process keeps (so builds) its own pages."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held: dict[str, tuple[str, float]] = {}

    def acquire(self, name: str, token: str, seconds: float) -> tuple[bool, str | None]:
        """Take the lock for ``seconds`` unless someone holds it: (taken, what the lock held otherwise)."""
        now = time.monotonic()
        with self._mutex:
            held = self._held.get(name)
            if held is not None and held[1] > now:
                return False, held[0]
            if len(self._held) > 1000:
                self._held = {k: v for k, v in self._held.items() if v[1] > now}
            self._held[name] = (token, now + seconds)
            return True, None

    def release(self, name: str, token: str, stored: bool, seconds: float) -> None:
        """Release the lock if ``token`` still owns it; when no page was stored, leave NOT_STORED for ``seconds``."""
        with self._mutex:
            held = self._held.get(name)
            if held is None or held[0] != token:
                return
            if stored:
                del self._held[name]
            else:
                self._held[name] = (NOT_STORED, time.monotonic() + seconds)


class RedisBuildLocks:
    """Page build locks in Redis (``SET NX PX``), shared by every worker and instance on the cache's Redis."""

    # Release only if the caller's token still owns the lock (it may have expired and been taken by another).
    _RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
  if ARGV[2] == '0' then return redis.call('del', KEYS[1]) end
  return redis.call('set', KEYS[1], ARGV[3], 'PX', ARGV[2])
end
return 0
"""

    def __init__(self, backend: Any) -> None:
        self.client = backend._write_client
        self.prefix = backend._get_prefix()
        self._release = self.client.register_script(self._RELEASE)

    def acquire(self, name: str, token: str, seconds: float) -> tuple[bool, str | None]:
        key = self.prefix + name
        if self.client.set(key, token, nx=True, px=max(1, int(seconds * 1000))):
            return True, None
        held = self.client.get(key)
        return False, held.decode() if held is not None else None

    def release(self, name: str, token: str, stored: bool, seconds: float) -> None:
        expiry = 0 if stored else max(1, int(seconds * 1000))
        self._release(keys=[self.prefix + name], args=[token, expiry, NOT_STORED])


def build_locks_for(backend: Any) -> BuildLocks | RedisBuildLocks:
    """Redis locks when the page cache is in Redis, else locks in this process."""
    if hasattr(backend, "_write_client") and hasattr(backend, "_get_prefix"):
        return RedisBuildLocks(backend)
    return BuildLocks()


def build_lock_name(key: str, version: str) -> str:
    """The build lock of one page under one data version (a build under an older version holds up nobody)."""
    return f"{key}:build:{version}"
