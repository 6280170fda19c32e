"""Per-realm pacing that follows Intuit's limits: 500 requests/minute, 40 batch requests/minute and
10 requests in flight. A 429 pauses every caller for at least 60 s. Waiting sleeps; it never spins.

Windows live in a backend so that all workers of a site can share them (the Frappe layer passes a
Redis backend); the default backend is process-local."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

MINUTE = 60.0


@dataclass(frozen=True)
class Limits:
	per_minute: int = 500
	batch_per_minute: int = 40
	concurrent: int = 10
	throttle_pause: float = 60.0  # Intuit: wait 60 s after a 429


INTUIT = Limits()
# The share of Intuit's batch ceiling a run spaces its batch requests at (RateLimiter's `pace`): a burst
# timed to the end of a window can be refused on arrival, and a 429 costs a 60 s pause
PACE = 0.97


class MemoryWindows:
	"""Sliding-window counters kept in this process."""

	def __init__(self):
		self._lock = threading.Lock()
		self._windows: dict[str, deque] = {}
		self._paused_until: dict[str, float] = {}

	def reserve(self, key: str, limit: int, window: float, now: float) -> float:
		"""Record one use and return 0, or return how long to wait without recording."""
		with self._lock:
			stamps = self._windows.setdefault(key, deque())
			while stamps and stamps[0] <= now - window:
				stamps.popleft()
			if len(stamps) < limit:
				stamps.append(now)
				return 0.0
			return stamps[0] + window - now

	def release(self, key: str, now: float) -> None:
		"""Give back the newest reservation (used when a later window refuses the same call)."""
		with self._lock:
			stamps = self._windows.get(key)
			if stamps:
				stamps.pop()

	def pause(self, key: str, until: float) -> None:
		with self._lock:
			self._paused_until[key] = max(until, self._paused_until.get(key, 0.0))

	def paused_until(self, key: str) -> float:
		with self._lock:
			return self._paused_until.get(key, 0.0)


class RateLimiter:
	def __init__(
		self,
		realm_id: str,
		limits: Limits = INTUIT,
		time_scale: float = 1.0,
		backend: MemoryWindows | None = None,
		clock: Callable[[], float] = time.time,
		sleep: Callable[[float], None] = time.sleep,
		pace: float = 0.0,
	):
		"""`pace`: 0 (off) lets batch requests go in bursts up to the window's limit; a fraction such as
		0.97 spaces them evenly at that share of Intuit's batch ceiling instead. The server counts a request
		when it arrives, a little later than we reserved it and with jitter, so a burst timed to the exact
		end of a window can be refused (and a 429 costs a 60 s pause); even spacing leaves a margin."""
		self.realm_id = realm_id
		self.limits = limits
		self.window = MINUTE / time_scale
		self.pause_seconds = limits.throttle_pause / time_scale
		self.backend = backend or MemoryWindows()
		self.clock = clock
		self.sleep = sleep
		self._in_flight = threading.BoundedSemaphore(limits.concurrent)
		self.waited = 0.0  # seconds spent waiting, for reports
		self.batch_interval = self.window / limits.batch_per_minute / pace if pace else 0.0
		self._next_batch = 0.0
		self._pace_lock = threading.Lock()

	def _key(self, name: str) -> str:
		return f"qbo:limit:{self.realm_id}:{name}"

	def _wait(self, seconds: float) -> None:
		if seconds > 0:
			self.waited += seconds
			self.sleep(seconds)

	def _next_slot(self) -> float:
		"""With pacing on: the next free time slot for a batch request (never before a pause ends)."""
		with self._pace_lock:
			now = self.clock()
			start = max(now, self._next_batch, self.backend.paused_until(self._key("pause")))
			self._next_batch = start + self.batch_interval
		return start

	def _reserve(self, batch: bool) -> None:
		while True:
			now = self.clock()
			paused = self.backend.paused_until(self._key("pause"))
			if paused > now:
				self._wait(paused - now)
				continue
			if batch and self.batch_interval:
				self._wait(self._next_slot() - now)
				if self.backend.paused_until(self._key("pause")) > self.clock():
					continue  # a 429 came while we waited: take a new slot after the pause
			now = self.clock()
			wait = self.backend.reserve(self._key("all"), self.limits.per_minute, self.window, now)
			if not wait and batch:
				wait = self.backend.reserve(
					self._key("batch"), self.limits.batch_per_minute, self.window, now
				)
				if wait:
					self.backend.release(self._key("all"), now)
			if not wait:
				return
			self._wait(wait)

	@contextmanager
	def slot(self, batch: bool = False) -> Iterator[None]:
		"""Hold one of the realm's request slots for the duration of a call."""
		self._reserve(batch)
		with self._in_flight:
			yield

	def throttled(self) -> None:
		"""Called after a 429: everybody waits at least Intuit's pause."""
		self.backend.pause(self._key("pause"), self.clock() + self.pause_seconds)
