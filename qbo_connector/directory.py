"""The local directory of a realm's QuickBooks names (QuickBooks Directory Entry rows and the company's
Directory Cursor): each run refreshes it from QuickBooks' change feed (engine/directory.py) and matches
against it, instead of reading every customer, vendor and employee. It is written in the run's transaction,
with its cursor: a run that fails keeps neither. A cleared cursor (`reload_directory`, `bench qbo sync
--reload-directory`, a new connection, a realm change) makes the next run read the lists whole."""

from __future__ import annotations

import time

import frappe

from qbo_connector import constants as c
from qbo_connector.bulk import insert_rows
from qbo_connector.engine.change_feed import iso, parse_iso
from qbo_connector.engine.directory import DirectoryUpdate, refresh_directory
from qbo_connector.engine.records import QBOCustomer

FIELDS = (
	"display_name", "company_name", "given_name", "family_name", "email", "phone", "address_line1",
	"address_line2", "city", "state", "postcode", "country", "active", "currency", "entity_type",
	"sync_token", "tax_id", "notes",
)  # fmt: skip


def entry_name(realm_id: str, entity: str, qbo_id: str) -> str:
	return f"{realm_id}::{entity}::{qbo_id}"


def current_directory(client, company: str, realm_id: str, cursor: str) -> list[QBOCustomer]:
	"""The realm's directory as QuickBooks holds it now: the stored one with the change feed applied (one
	call), or everything read again when there is no usable cursor."""
	stored = (load_entries(realm_id) or None) if cursor else None  # none stored for this realm: read it whole
	update = refresh_directory(client, stored, parse_iso(cursor or ""), time.time())
	store(realm_id, update)
	frappe.db.set_value(c.QBO_COMPANY, company, "directory_cursor", iso(update.cursor), update_modified=False)
	return update.records


def load_entries(realm_id: str) -> list[QBOCustomer]:
	rows = frappe.get_all(
		c.DIRECTORY_ENTRY, filters={"realm_id": realm_id}, fields=["qbo_id", *FIELDS], limit=0
	)
	return [
		QBOCustomer(id=r.qbo_id, **{f: bool(r[f]) if f == "active" else (r[f] or "") for f in FIELDS})
		for r in rows
	]


def store(realm_id: str, update: DirectoryUpdate) -> None:
	"""Apply the update: a full read replaces the realm's rows; else the changed rows are replaced and the
	gone ones deleted (a delete and an insert, whatever the number of rows)."""
	table = frappe.qb.DocType(c.DIRECTORY_ENTRY)
	if update.full:
		frappe.qb.from_(table).delete().where(table.realm_id == realm_id).run()
	else:
		stale = [entry_name(realm_id, *key) for key in update.removed]
		stale += [entry_name(realm_id, r.entity_type, r.id) for r in update.upserts]
		for start in range(0, len(stale), 1000):
			frappe.qb.from_(table).delete().where(table.name.isin(stale[start : start + 1000])).run()
	rows = update.records if update.full else update.upserts
	insert_rows(
		c.DIRECTORY_ENTRY,
		["realm_id", "qbo_id", *FIELDS],
		{entry_name(realm_id, r.entity_type, r.id): (realm_id, *values(r)) for r in rows},
	)


def values(record: QBOCustomer) -> tuple:
	return (record.id, *(int(record.active) if f == "active" else getattr(record, f) for f in FIELDS))


def reload_directory(company: str) -> None:
	"""The next run of the company reads QuickBooks' lists whole."""
	frappe.db.set_value(c.QBO_COMPANY, company, "directory_cursor", "", update_modified=False)
