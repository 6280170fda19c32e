"""The QuickBooks change feed (CDC) for customers: which linked QBO customers were deleted, merged away or
made inactive since a cursor. Framework-free; the caller stores the cursor (an instant).

Intuit ("Change data capture operation"): changes of the last 30 days only, and "server responses can
handle a maximum of 1,000 objects. We suggest you query for shorter time periods." So:
- the cursor is the START of the run that read the feed (minus an overlap for clock skew), so a change
  made while a run was working is read again by the next run; re-checking a link is idempotent;
- no cursor, or one older than the window: None, meaning "check every linked customer" (never skip);
- a full answer (1000 objects) may hide more. CDC has only a lower bound (`changedSince`), and Intuit
  does not say which objects a full answer leaves out (the sandbox keeps the earliest live records and
  drops the deletions listed after them), so paging forward by `LastUpdatedTime` could lose a deletion.
  The shorter window is therefore the next run's (runs every few minutes read small windows), and a full
  answer also means None: a full check of linked customers this time."""

from __future__ import annotations

from datetime import datetime, timezone

CDC_WINDOW_SECONDS = 29 * 86400  # Intuit allows 30 days; a day of margin for clock skew
CDC_PAGE_MAX = 1000
CDC_OVERLAP_SECONDS = 300


def iso(epoch: float) -> str:
	return datetime.fromtimestamp(epoch, tz=timezone.utc).isoformat()


def parse_iso(value: str) -> float:
	return datetime.fromisoformat(value).timestamp() if value else 0.0


def changes_since(client, entity: str, cursor: float, now: float) -> list[dict] | None:
	"""The entity's CDC rows since `cursor` (epoch, read with the overlap), or None when the feed cannot
	say: no cursor, a gap over the window, or a full answer."""
	if not cursor or now - cursor > CDC_WINDOW_SECONDS:
		return None
	since = max(cursor - CDC_OVERLAP_SECONDS, now - CDC_WINDOW_SECONDS)
	rows = client.cdc([entity], iso(since)).get(entity, [])
	return None if len(rows) >= CDC_PAGE_MAX else rows


def gone_customer_ids(client, cursor: float, now: float) -> list[str] | None:
	"""QBO ids of customers CDC reports deleted or inactive since `cursor` (epoch), or None when every
	linked customer must be checked (no cursor, a gap over the window, or a full answer)."""
	rows = changes_since(client, "Customer", cursor, now)
	if rows is None:
		return None
	return [str(r["Id"]) for r in rows if r.get("status") == "Deleted" or r.get("Active") is False]
