"""Intuit's per-realm throttles and the scripted faults tests ask for.

Limits (when `mode == "intuit"`): 500 requests per minute, 10 requests in flight and 40 batch requests per
minute, each per realm, in virtual time. A refused request is not counted. 429 bodies alternate JSON / XML
by default (`throttle_format`: "alternate" | "json" | "xml")."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from qbo_connector.sandbox.clock import Clock

WINDOW = 60.0
FAULT_KINDS = ("429", "429xml", "500", "503", "timeout")


@dataclass
class Limits:
	requests_per_minute: int = 500
	concurrent: int = 10
	batches_per_minute: int = 40


@dataclass
class ScriptedFault:
	fault: str  # one of FAULT_KINDS
	count: int = 1
	path: str = ""  # substring of the request path
	kind: str = ""  # request kind: query, read, create, update, batch, cdc, token, ...
	delay: float = 0.0  # real seconds the server waits before a "timeout" drops the connection
	after: bool = False  # run the request first, then fail (the "lost response" case)

	def matches(self, path: str, kind: str) -> bool:
		return self.count > 0 and self.path in path and (not self.kind or self.kind == kind)


def parse_fault(data: dict) -> ScriptedFault:
	fault = str(data.get("fault", ""))
	if fault not in FAULT_KINDS:
		raise ValueError(f"fault must be one of {', '.join(FAULT_KINDS)}, got {fault!r}")
	return ScriptedFault(
		fault=fault,
		count=int(data.get("count", 1)),
		path=str(data.get("path") or ""),
		kind=str(data.get("kind") or ""),
		delay=float(data.get("delay", 2.0 if fault == "timeout" else 0.0)),
		after=bool(data.get("after", False)),
	)


class Limiter:
	def __init__(self, clock: Clock, mode: str = "off"):
		if mode not in ("off", "intuit"):
			raise ValueError(f"limits must be 'off' or 'intuit', got {mode!r}")
		self.clock = clock
		self.mode = mode
		self.limits = Limits()
		self.throttle_format = "alternate"
		self.latency = 0.0  # real seconds every API request takes (for concurrency tests and demos)
		self._lock = threading.Lock()
		self._recent: dict[str, deque] = defaultdict(deque)
		self._batches: dict[str, deque] = defaultdict(deque)
		self._in_flight: dict[str, int] = defaultdict(int)
		self._throttles = 0
		self.scripted: list[ScriptedFault] = []

	def enter(self, realm: str, is_batch: bool) -> bool:
		"""Admit one request (True) or refuse it (False = answer 429). Call leave() after an admitted one."""
		with self._lock:
			if self.mode == "intuit" and self.breached(realm, is_batch):
				return False
			now = self.clock.now()
			self._recent[realm].append(now)
			if is_batch:
				self._batches[realm].append(now)
			self._in_flight[realm] += 1
			return True

	def breached(self, realm: str, is_batch: bool) -> bool:
		horizon = self.clock.now() - WINDOW
		for window in (self._recent[realm], self._batches[realm]):
			while window and window[0] <= horizon:
				window.popleft()
		return (
			self._in_flight[realm] >= self.limits.concurrent
			or len(self._recent[realm]) >= self.limits.requests_per_minute
			or (is_batch and len(self._batches[realm]) >= self.limits.batches_per_minute)
		)

	def leave(self, realm: str) -> None:
		with self._lock:
			self._in_flight[realm] -= 1

	def next_throttle_is_xml(self) -> bool:
		with self._lock:
			self._throttles += 1
			if self.throttle_format == "alternate":
				return self._throttles % 2 == 0
			return self.throttle_format == "xml"

	def take_scripted(self, path: str, kind: str) -> ScriptedFault | None:
		with self._lock:
			for fault in self.scripted:
				if fault.matches(path, kind):
					fault.count -= 1
					return fault
			self.scripted = [fault for fault in self.scripted if fault.count > 0]
			return None

	def reset(self) -> None:
		with self._lock:
			self._recent.clear()
			self._batches.clear()
			self._throttles = 0
			self.scripted = []
