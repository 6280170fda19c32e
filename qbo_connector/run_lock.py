"""The per-realm run lock: a Redis lease that dies with its holder.

The key holds who holds it (host, pid, a random token) and lives `lease` seconds; a daemon thread renews
it every third of the lease while the run lives. A killed run stops renewing, so its lock is gone within
one lease; on the same host the next run does not even wait: a holder whose process no longer exists is
replaced at once (compare-and-set on the stored value, so two waiting runs cannot both take it).
Framework-light: only a redis client and a key are needed."""

from __future__ import annotations

import json
import os
import secrets
import socket
import threading

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
	def __init__(self, redis, key: str, lease: float = 60.0):
		self.redis, self.key, self.lease_ms = redis, key, int(lease * 1000)
		self.value = json.dumps(
			{"host": socket.gethostname(), "pid": os.getpid(), "token": secrets.token_hex(8)}
		)
		self.lost = False
		self._stop = threading.Event()
		self._thread: threading.Thread | None = None

	def acquire(self) -> bool:
		"""Take the lock without waiting: free, or held by a dead process on this host."""
		if not self.redis.set(self.key, self.value, nx=True, px=self.lease_ms):
			holder = self.redis.get(self.key)
			if not holder_is_dead(holder):
				return False
			if not self.redis.eval(_REPLACE, 1, self.key, holder, self.value, self.lease_ms):
				return False
		self._thread = threading.Thread(target=self._renew, name=f"lease:{self.key}", daemon=True)
		self._thread.start()
		return True

	def _renew(self) -> None:
		while not self._stop.wait(self.lease_ms / 3000):
			try:
				if not self.redis.eval(_RENEW, 1, self.key, self.value, self.lease_ms):
					self.lost = True  # taken over (our process looked dead to someone): stop renewing
					return
			except Exception:  # Redis briefly away: try again on the next beat; the lease may lapse
				continue

	def release(self) -> None:
		self._stop.set()
		if self._thread:
			self._thread.join(timeout=5)
		self.redis.eval(_RELEASE, 1, self.key, self.value)

	def __enter__(self) -> RunLock:
		return self

	def __exit__(self, *exc) -> None:
		self.release()
