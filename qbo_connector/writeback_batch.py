"""Write-back of a batch of synced invoices and payments with a fixed number of statements (issue 13): the
queue rows' compare-and-set (one locking read, one delete, one update of the rows changed meanwhile), the
documents cancelled meanwhile (one read), the links (one read, one insert, one update), their view on the
documents (one update) and the Sync Log (one read, one insert, one update of repeats). The same rules as
`writeback.apply_outcome`, record by record; what is not a plain success keeps going through it."""

from __future__ import annotations

import frappe
from frappe.utils import now_datetime

from qbo_connector import constants as c
from qbo_connector import links
from qbo_connector.bulk import insert_rows, update_rows
from qbo_connector.engine.records import SYNCED, Outcome
from qbo_connector.queue import enqueue_record, queue_name
from qbo_connector.writeback import link_values, log_status_and_message, log_values


def batches(outcome: Outcome) -> bool:
	"""The outcomes written in batches: an invoice's or a payment's plain success."""
	return (
		outcome.doctype in (c.SALES_INVOICE, c.PAYMENT_ENTRY)
		and outcome.status == SYNCED
		and not outcome.extra.get("superseded")
	)


def apply_synced(
	pending: list[tuple[Outcome, str]], run_id: str, loaded: dict[str, int], company: str, realm_id: str
) -> None:
	changed = settle_queue_rows([o for o, _ in pending], loaded, company)
	for doctype in (c.SALES_INVOICE, c.PAYMENT_ENTRY):
		outcomes = [o for o, _ in pending if o.doctype == doctype]
		if not outcomes:
			continue
		cancelled = set(
			frappe.get_all(
				doctype,
				filters={"name": ("in", [o.name for o in outcomes]), "docstatus": 2},
				pluck="name",
				limit=len(outcomes),
			)
		)
		for name in cancelled:  # a create that landed for a document cancelled meanwhile: a Void queued
			enqueue_record(doctype, name, c.ACTION_VOID, company)
		values = {o.name: link_values(o, o.name in changed or o.name in cancelled) for o in outcomes}
		links.set_links(doctype, realm_id, company, values)
	write_logs(pending, run_id)


def settle_queue_rows(outcomes: list[Outcome], loaded: dict[str, int], company: str) -> set[str]:
	"""Compare-and-set on each row's version, under row locks: an unchanged row goes (the record is
	synced); one changed since the run loaded it stays queued without its in-flight mark. Returns the
	names of the records whose row changed."""
	rows = {queue_name(o.doctype, o.name, company): o.name for o in outcomes}
	current = frappe.db.get_values(
		c.SYNC_QUEUE, {"name": ("in", list(rows))}, ["name", "version"], as_dict=True, for_update=True
	)
	unchanged = [
		r.name for r in current if loaded.get(r.name) is not None and (r.version or 0) == loaded[r.name]
	]
	moved = [r.name for r in current if r.name not in set(unchanged)]
	table = frappe.qb.DocType(c.SYNC_QUEUE)
	if unchanged:
		frappe.qb.from_(table).delete().where(table.name.isin(unchanged)).run()
	if moved:
		frappe.qb.update(table).set(table.in_flight, 0).where(table.name.isin(moved)).run()
	return {rows[name] for name in moved}


def write_logs(items: list[tuple[Outcome, str]], run_id: str) -> None:
	"""One row per record and reason, as `writeback.write_log`: a repeat raises its count."""
	if not items:
		return
	now = now_datetime()
	names = list({o.name for o, _ in items})
	existing = {
		(r.reference_doctype, r.reference_name, r.status, r.message): r
		for r in frappe.get_all(
			c.SYNC_LOG,
			filters={"reference_name": ("in", names)},
			fields=["name", "reference_doctype", "reference_name", "status", "message", "repeat_count"],
			limit=0,
		)
	}
	inserts, repeats = {}, {}
	for outcome, operation in items:
		status, message = log_status_and_message(outcome)
		values = log_values(outcome, run_id, operation, now)
		row = existing.get((outcome.doctype, outcome.name, status, message))
		if row:
			repeats[row.name] = {**values, "repeat_count": (row.repeat_count or 1) + 1}
			continue
		keys = (outcome.doctype, outcome.name, status, message, 1)
		inserts[frappe.generate_hash(length=10)] = (*keys, *(values[k] for k in LOG_VALUES))
	insert_rows(c.SYNC_LOG, [*LOG_KEYS, *LOG_VALUES], inserts)
	update_rows(c.SYNC_LOG, repeats, touch_modified=True)


LOG_KEYS = ("reference_doctype", "reference_name", "status", "message", "repeat_count")
LOG_VALUES = ("operation", "qbo_id", "error_code", "run_id", "detail", "last_occurred_on")
