"""The local directory of QBO names (customers incl. inactive, vendors and employees for name clashes), kept
current from the change feed so that a run reads what changed since the last one. Framework-free: the
caller stores the records and the cursor, and passes them back next run.

The CDC rules are change_feed's (Intuit, "Change data capture operation": 30 days back at most, 1000
objects per answer): one call for the three entities since the cursor minus the overlap; no stored
directory, no cursor, a gap over the window or a full answer for any entity reload everything, because a
full answer does not say what it left out.

A CDC row with `status: "Deleted"` is re-read (`Id IN (...)`, inactive included) rather than dropped: a
customer merged away in the QBO UI is reported deleted by the sandbox (ops.merge_customers) while a query
still returns it inactive as "<name> (deleted)", and `CustomerSync.follow_merge` needs that record to find
the survivor. What the re-read does not return is gone. So the directory is always what `load_directory`
would read at the same moment, under either reading of Intuit's deletions."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from qbo_connector.engine import change_feed
from qbo_connector.engine.records import QBOCustomer

ENTITIES = ("Customer", "Vendor", "Employee")
EVERYTHING = "Active IN (true, false)"
DELETED = "Deleted"

Key = tuple[str, str]  # (entity_type, id)


@dataclass
class DirectoryUpdate:
	records: list[QBOCustomer]  # the whole directory now, in load order (entity, then numeric id)
	upserts: list[QBOCustomer] = field(default_factory=list)  # added or changed since the stored directory
	removed: list[Key] = field(default_factory=list)  # keys of stored records that are gone
	full: bool = False  # everything was reloaded
	cursor: float = 0.0  # store it: the `now` this read started at
	reason: str = ""  # why it reloaded (empty when incremental)


def key_of(record: QBOCustomer) -> Key:
	return (record.entity_type, record.id)


def sort_records(records: Iterable[QBOCustomer]) -> list[QBOCustomer]:
	"""Customers, vendors, employees, each by numeric id: the order does not depend on the path taken."""
	rank = {entity: i for i, entity in enumerate(ENTITIES)}
	return sorted(records, key=lambda r: (rank.get(r.entity_type, 9), len(r.id), r.id))


def load_directory(client) -> list[QBOCustomer]:
	"""All QBO customers (active and inactive), plus vendor and employee names for clash checks."""
	directory = [QBOCustomer.from_qbo(row) for row in client.query_all("Customer", EVERYTHING)]
	for entity in ("Vendor", "Employee"):
		directory.extend(QBOCustomer.from_qbo(row, entity) for row in client.query_all(entity, EVERYTHING))
	return directory


def refresh_directory(
	client, stored: Sequence[QBOCustomer] | None, cursor: float, now: float
) -> DirectoryUpdate:
	"""The directory now, from `stored` (what the last refresh returned) and the CDC rows since `cursor`
	(epoch seconds, the last update's `cursor`); `now` is the instant this read starts (epoch seconds)."""
	if stored is None:
		return reload(client, stored, now, "no stored directory")
	if not cursor or now - cursor > change_feed.CDC_WINDOW_SECONDS:
		return reload(client, stored, now, "no cursor" if not cursor else "gap over the CDC window")
	since = cursor - change_feed.CDC_OVERLAP_SECONDS  # within Intuit's 30 days: the window has a day's margin
	changed = client.cdc(ENTITIES, change_feed.iso(since))
	full = [e for e in ENTITIES if len(changed.get(e, [])) >= change_feed.CDC_PAGE_MAX]
	if full:
		return reload(client, stored, now, f"a full CDC answer for {', '.join(full)}")
	return apply_changes(client, stored, changed, now)


def reload(client, stored: Sequence[QBOCustomer] | None, now: float, reason: str) -> DirectoryUpdate:
	records = sort_records(load_directory(client))
	present = {key_of(r) for r in records}
	removed = [key_of(r) for r in stored or () if key_of(r) not in present]
	return DirectoryUpdate(records, list(records), removed, full=True, cursor=now, reason=reason)


def apply_changes(
	client, stored: Sequence[QBOCustomer], changed: dict[str, list[dict]], now: float
) -> DirectoryUpdate:
	"""Each live row replaces the stored record of its key; deleted ids are read back (see the module)."""
	current = {key_of(r): r for r in stored}
	fresh: dict[Key, QBOCustomer | None] = {}
	deleted: dict[str, list[str]] = {}
	for entity in ENTITIES:
		for row in changed.get(entity, []):
			if row.get("status") == DELETED:
				deleted.setdefault(entity, []).append(str(row.get("Id", "")))
			else:
				record = QBOCustomer.from_qbo(row, entity)
				fresh[key_of(record)] = record
	for entity, ids in deleted.items():
		found = {str(row["Id"]): row for row in client.query_in(entity, "Id", ids, extra=EVERYTHING)}
		for ident in ids:
			row = found.get(ident)
			fresh[(entity, ident)] = QBOCustomer.from_qbo(row, entity) if row else None
	upserts, removed = [], []
	for key, record in fresh.items():
		if record is None:
			if current.pop(key, None) is not None:
				removed.append(key)
		elif current.get(key) != record:
			current[key] = record
			upserts.append(record)
	return DirectoryUpdate(sort_records(current.values()), upserts, removed, full=False, cursor=now)
