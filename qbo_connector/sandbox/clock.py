"""One clock for the whole sandbox: scaled wall time plus a manual offset.

`time_scale=60` makes a virtual minute pass in one real second. Every window the sandbox keeps (rate limits,
token lifetimes, the refresh-token grace period, authorization-code expiry, CDC look-back, timestamps in
MetaData) reads this clock, so tests can compress time or jump it forward with `advance()`."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta, timezone

# QBO stamps MetaData in the company's time zone; the sandbox uses a fixed US Pacific (daylight) offset so
# that clients which drop offsets or compare naive datetimes trip here as they would against Intuit.
COMPANY_TZ = timezone(timedelta(hours=-7))


class Clock:
	def __init__(self, time_scale: float = 1.0, start: float | None = None):
		if time_scale <= 0:
			raise ValueError("time_scale must be positive")
		self._lock = threading.Lock()
		self._scale = float(time_scale)
		self._real0 = time.monotonic()
		self._virtual0 = time.time() if start is None else float(start)

	@property
	def scale(self) -> float:
		return self._scale

	def now(self) -> float:
		"""Virtual seconds since the epoch."""
		with self._lock:
			return self._virtual0 + (time.monotonic() - self._real0) * self._scale

	def advance(self, seconds: float) -> float:
		with self._lock:
			self._virtual0 += float(seconds)
		return self.now()

	def set_scale(self, time_scale: float) -> None:
		if time_scale <= 0:
			raise ValueError("time_scale must be positive")
		current = self.now()
		with self._lock:
			self._virtual0, self._real0, self._scale = current, time.monotonic(), float(time_scale)

	def real_seconds(self, virtual_seconds: float) -> float:
		"""How long `virtual_seconds` take in real time (for server-side sleeps)."""
		return virtual_seconds / self._scale

	def stamp(self, t: float | None = None, millis: bool = False) -> str:
		"""ISO-8601 in company time, as QBO writes MetaData (seconds) and `time` (milliseconds)."""
		moment = datetime.fromtimestamp(self.now() if t is None else t, COMPANY_TZ)
		return moment.isoformat(timespec="milliseconds" if millis else "seconds")

	def today(self) -> str:
		return datetime.fromtimestamp(self.now(), COMPANY_TZ).date().isoformat()


def parse_instant(text: str) -> float:
	"""ISO date or datetime -> epoch seconds. A value without an offset is read in company time, as QBO does."""
	moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
	if moment.tzinfo is None:
		moment = moment.replace(tzinfo=COMPANY_TZ)
	return moment.timestamp()
