"""Intuit's per-realm throttles and the scripted faults tests ask for.

Limits (when `mode == "intuit"`): 500 requests per minute, 10 requests per second, 10 requests in flight and
40 batch requests per minute, each per realm, in virtual time. A refused request is not counted. 429 bodies
alternate JSON / XML by default (`throttle_format`: "alternate" | "json" | "xml").

Intuit, "API call limits and throttles" (https://developer.intuit.com/app/developer/qbo/docs/learn/
limits-and-throttles), sandbox and production servers alike: "500 requests per minute per realm ID", "10
requests per second, per realm ID and app", batch "Throttled at 40 Batch requests per minute, per realm ID and
app"; HTTP 429 when throttling occurs. In-flight limit: Intuit blog 2016-08-08 "Concurrent API use" (more than
10 concurrent requests to the same realmId get 429). The sandbox counts per realm, not per realm and app: every
window (minute, second, batch, in flight) is keyed by the realm in the URL, so one company's traffic never
throttles another's (tests/sandbox/test_two_realms.py). A scripted fault may name a realm: it then fails only
that realm's API requests (token endpoints carry no realm)."""

from __future__ import annotations

import threading
from collections import defaultdict, deque
from dataclasses import dataclass

from qbo_connector.sandbox.clock import Clock

WINDOW = 60.0
SECOND = 1.0
FAULT_KINDS = ("429", "429xml", "500", "503", "timeout")


@dataclass
class Limits:
	requests_per_minute: int = 500
	requests_per_second: int = 10  # 0 turns the per-second throttle off
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
	realm: str = ""  # only requests to this realm's API (empty: any request)

	def matches(self, path: str, kind: str, realm: str = "") -> bool:
		return (
			self.count > 0
			and self.path in path
			and (not self.kind or self.kind == kind)
			and (not self.realm or self.realm == realm)
		)


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
		realm=str(data.get("realm") or ""),
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
		self._second: dict[str, deque] = defaultdict(deque)
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
			self._second[realm].append(now)
			if is_batch:
				self._batches[realm].append(now)
			self._in_flight[realm] += 1
			return True

	def breached(self, realm: str, is_batch: bool) -> bool:
		now = self.clock.now()
		for window, span in (
			(self._recent[realm], WINDOW),
			(self._batches[realm], WINDOW),
			(self._second[realm], SECOND),
		):
			while window and window[0] <= now - span:
				window.popleft()
		per_second = self.limits.requests_per_second
		return (
			self._in_flight[realm] >= self.limits.concurrent
			or len(self._recent[realm]) >= self.limits.requests_per_minute
			or (per_second > 0 and len(self._second[realm]) >= per_second)
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

	def take_scripted(self, path: str, kind: str, realm: str = "") -> ScriptedFault | None:
		with self._lock:
			for fault in self.scripted:
				if fault.matches(path, kind, realm):
					fault.count -= 1
					return fault
			self.scripted = [fault for fault in self.scripted if fault.count > 0]
			return None

	def reset(self) -> None:
		with self._lock:
			self._recent.clear()
			self._second.clear()
			self._batches.clear()
			self._throttles = 0
			self.scripted = []
