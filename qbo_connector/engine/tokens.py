"""OAuth token state and the single-flight refresh rule.

A refresh rotates the refresh token, and the previous one dies after Intuit's grace period, so the new
pair must be saved before anything else happens, and two workers must never refresh at once with the
same old token. `TokenStore` gives both: `lock()` is held around load -> refresh -> save."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, replace
from typing import Protocol

# Refresh this long before the access token's expiry, so a request never starts with a dying token.
REFRESH_MARGIN_SECONDS = 300
# Intuit's refresh tokens have a hard 5-year cap on top of the rolling 100 days.
HARD_CAP_SECONDS = 5 * 365 * 24 * 3600


@dataclass(frozen=True)
class TokenSet:
	access_token: str = ""
	refresh_token: str = ""
	access_expires_at: float = 0.0  # epoch seconds
	refresh_expires_at: float = 0.0  # rolling expiry (x_refresh_token_expires_in)
	hard_expires_at: float = 0.0  # 5-year cap, when known

	@classmethod
	def from_response(
		cls, response: dict | object, now: float | None = None, previous: TokenSet | None = None
	):
		"""Build from Intuit's token response (a dict, or an AuthClient after refresh)."""
		now = time.time() if now is None else now
		get = response.get if isinstance(response, dict) else lambda k, d=None: getattr(response, k, d)
		expires_in = float(get("expires_in", 3600) or 3600)
		refresh_in = float(get("x_refresh_token_expires_in", 0) or 0)
		hard_in = get("x_refresh_token_hard_expires_in", None)
		return cls(
			access_token=get("access_token", "") or "",
			refresh_token=get("refresh_token", "") or "",
			access_expires_at=now + expires_in,
			refresh_expires_at=now + refresh_in if refresh_in else 0.0,
			hard_expires_at=now + float(hard_in) if hard_in else 0.0,
		)

	def needs_refresh(self, now: float | None = None, margin: float = REFRESH_MARGIN_SECONDS) -> bool:
		now = time.time() if now is None else now
		return not self.access_token or now >= self.access_expires_at - margin

	def refresh_expiry(self) -> float:
		"""The refresh token's effective expiry: the earlier of the rolling and the hard cap."""
		candidates = [t for t in (self.refresh_expires_at, self.hard_expires_at) if t]
		return min(candidates) if candidates else 0.0

	def redacted(self) -> dict:
		"""For logs: never the tokens themselves."""
		return {
			"access_token": "***" if self.access_token else "",
			"refresh_token": "***" if self.refresh_token else "",
			"access_expires_at": self.access_expires_at,
			"refresh_expires_at": self.refresh_expires_at,
		}

	def __repr__(self) -> str:  # keep secrets out of tracebacks and logs
		return f"TokenSet({self.redacted()})"


class TokenStore(Protocol):
	"""Where tokens live. The Frappe layer stores them in Password fields under a Redis lock."""

	def load(self) -> TokenSet: ...

	def save(self, tokens: TokenSet) -> None: ...

	def lock(self) -> AbstractContextManager: ...


class MemoryTokenStore:
	"""Process-local store for the CLI, the demo and tests."""

	def __init__(self, tokens: TokenSet | None = None, on_save: Callable[[TokenSet], None] | None = None):
		self._tokens = tokens or TokenSet()
		self._lock = threading.RLock()
		self._on_save = on_save
		self.saves = 0

	def load(self) -> TokenSet:
		return self._tokens

	def save(self, tokens: TokenSet) -> None:
		self._tokens = tokens
		self.saves += 1
		if self._on_save:
			self._on_save(tokens)

	def lock(self) -> AbstractContextManager:
		return self._lock


def refresh_if_needed(
	store: TokenStore,
	do_refresh: Callable[[str], TokenSet],
	force: bool = False,
	stale_access_token: str = "",
	now: Callable[[], float] = time.time,
) -> TokenSet:
	"""Single-flight refresh. Under the store's lock, re-read the tokens (another worker may have
	refreshed meanwhile); refresh only if still needed; save the rotated pair before returning.

	`force` with `stale_access_token` means "this access token was refused": refresh unless someone
	already replaced it. Without `force`, tokens far from expiry are used as the store last read them, with
	no lock (an access token stays valid until it expires even when another worker refreshes meanwhile, and
	a refusal comes back here forced)."""
	current = store.load()
	if not force and not current.needs_refresh(now()):
		return current
	with store.lock():
		current = store.load()
		if force and stale_access_token and current.access_token != stale_access_token:
			return current
		if not force and not current.needs_refresh(now()):
			return current
		fresh = do_refresh(current.refresh_token)
		if not fresh.refresh_token:
			fresh = replace(fresh, refresh_token=current.refresh_token)
		if not fresh.hard_expires_at:
			fresh = replace(fresh, hard_expires_at=current.hard_expires_at)
		store.save(fresh)
		return fresh
