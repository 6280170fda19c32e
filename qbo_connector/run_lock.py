"""Locks that die with their holder: the per-realm run lock and the token-refresh lock (Redis leases).

The key holds who holds it (host, pid, a random token) and lives `lease` seconds; the run renews it from its
own thread as it makes progress (`renew()` after each outcome and before each batch; at most one Redis call
per third of the lease). A killed run stops renewing, so its lock is gone within one lease; on the same host
the next run does not even wait: a holder whose process no longer exists is replaced at once
(compare-and-set on the stored value, so two waiting runs cannot both take it). No thread of our own.
Framework-light: only a redis client and a key are needed."""

from __future__ import annotations

import json
import os
import secrets
import socket
import time
from contextlib import contextmanager

# Replace the value only if it is still `old` (a dead holder's), keeping the lease.
_REPLACE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
	return redis.call('set', KEYS[1], ARGV[2], 'PX', ARGV[3])
end
return false
"""
# Renew only our own lease.
_RENEW = """
if redis.call('get', KEYS[1]) == ARGV[1] then
	return redis.call('pexpire', KEYS[1], ARGV[2])
end
return 0
"""
# Delete only our own lock.
_RELEASE = """
if redis.call('get', KEYS[1]) == ARGV[1] then
	return redis.call('del', KEYS[1])
end
return 0
"""


def process_alive(pid: int) -> bool:
	try:
		os.kill(pid, 0)
	except ProcessLookupError:
		return False
	except PermissionError:  # exists, owned by someone else
		return True
	return True


def holder_is_dead(value: bytes | str | None) -> bool:
	"""True when the stored holder ran on this host and its process is gone. A holder on another host
	(or an unreadable value) is trusted until its lease runs out."""
	if not value:
		return False
	try:
		holder = json.loads(value)
		return holder["host"] == socket.gethostname() and not process_alive(int(holder["pid"]))
	except (ValueError, KeyError, TypeError):
		return False


class RunLock:
	def __init__(self, redis, key: str, lease: float = 300.0):
		self.redis, self.key, self.lease_ms = redis, key, int(lease * 1000)
		self.value = json.dumps(
			{"host": socket.gethostname(), "pid": os.getpid(), "token": secrets.token_hex(8)}
		)
		self.lost = False
		self.renewed = 0.0

	def acquire(self) -> bool:
		"""Take the lock without waiting: free, or held by a dead process on this host."""
		if not self.redis.set(self.key, self.value, nx=True, px=self.lease_ms):
			holder = self.redis.get(self.key)
			if not holder_is_dead(holder):
				return False
			if not self.redis.eval(_REPLACE, 1, self.key, holder, self.value, self.lease_ms):
				return False
		self.renewed = time.monotonic()
		return True

	def renew(self) -> None:
		"""Extend our lease, at most once per third of it; a lease taken over by another run is not ours."""
		if self.lost or time.monotonic() - self.renewed < self.lease_ms / 3000:
			return
		self.renewed = time.monotonic()
		try:
			self.lost = not self.redis.eval(_RENEW, 1, self.key, self.value, self.lease_ms)
		except Exception:  # Redis briefly away: the next renewal tries again; the lease may lapse
			pass

	def release(self) -> None:
		self.redis.eval(_RELEASE, 1, self.key, self.value)

	def __enter__(self) -> RunLock:
		return self

	def __exit__(self, *exc) -> None:
		self.release()


@contextmanager
def hold(redis, key: str, lease: float, wait: float, on_timeout):
	"""Wait up to `wait` seconds for the lock (a dead holder on this host is replaced at once), hold it for
	the block; `on_timeout()` returns the exception to raise when a live holder keeps it."""
	lock = RunLock(redis, key, lease)
	deadline = time.monotonic() + wait
	while not lock.acquire():
		if time.monotonic() > deadline:
			raise on_timeout()
		time.sleep(0.1)
	try:
		yield lock
	finally:
		lock.release()
