"""Redis-backed windows for the engine's RateLimiter, so every worker of a site shares one per-realm
budget (engine/limiter.py defines the interface; MemoryWindows is the in-process twin)."""

from __future__ import annotations

import time
import uuid

import frappe

# Atomic sliding window: drop stamps older than the window, then either record one use (0) or say how
# long until the oldest stamp leaves the window.
RESERVE = """
local key, limit, window, now = KEYS[1], tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
if redis.call('ZCARD', key) < limit then
  redis.call('ZADD', key, now, ARGV[4])
  redis.call('PEXPIRE', key, math.ceil(window * 1000) + 1000)
  return '0'
end
local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
return tostring(tonumber(oldest[2]) + window - now)
"""
RELEASE = """
local newest = redis.call('ZRANGE', KEYS[1], -1, -1)
if newest[1] then redis.call('ZREM', KEYS[1], newest[1]) end
return 1
"""


class RedisWindows:
	def __init__(self):
		self.cache = frappe.cache
		self._reserve = self.cache.register_script(RESERVE)
		self._release = self.cache.register_script(RELEASE)

	def _key(self, key: str) -> str:
		return self.cache.make_key(key)

	def reserve(self, key: str, limit: int, window: float, now: float) -> float:
		member = f"{now}:{uuid.uuid4().hex}"
		wait = self._reserve(keys=[self._key(key)], args=[limit, window, now, member])
		return max(0.0, float(wait))

	def release(self, key: str, now: float) -> None:
		self._release(keys=[self._key(key)])

	def pause(self, key: str, until: float) -> None:
		if until > self.paused_until(key):
			self.cache.set(self._key(key), str(until), px=max(1, int((until - time.time()) * 1000)))

	def paused_until(self, key: str) -> float:
		value = self.cache.get(self._key(key))
		return float(value) if value else 0.0
