"""Save hooks: they only record that a document needs syncing. No network, no commit, one or two
indexed queries. The scheduled job (jobs.py) does the work."""

from __future__ import annotations

import hashlib

import frappe
from frappe.utils import now_datetime

from qbo_connector import constants as c
from qbo_connector.bulk import CHUNK

QUEUE_STATUS_QUEUED = "Queued"


def queue_name(doctype: str, name: str, company: str = "") -> str:
	"""A Sales Invoice has one company: one row. A Customer may go to several QuickBooks companies: one
	row per ERPNext company."""
	suffix = f"::{company}" if doctype == c.CUSTOMER and company else ""
	key = f"{doctype}::{name}{suffix}"
	if len(key) <= 140:
		return key
	return f"{doctype}::{hashlib.sha1((name + suffix).encode()).hexdigest()}"


def get_sync_settings() -> tuple[bool, str]:
	"""(enabled, default company) from the cached Single; cheap on every save."""
	settings = frappe.get_cached_doc(c.SETTINGS)
	return bool(settings.enabled), settings.company or ""


def is_configured(company: str) -> bool:
	"""Whether the ERPNext company has a QuickBooks Company (connected or waiting for a reconnect)."""
	return bool(company) and bool(frappe.db.exists(c.QBO_COMPANY, company))


def customer_companies(customer: str) -> list[str]:
	"""The companies a saved customer is queued for: the default company, and every company it is
	linked in already. Other companies get the customer when one of their invoices needs it."""
	_enabled, default = get_sync_settings()
	companies = frappe.get_all(
		c.LINK,
		filters={"reference_doctype": c.CUSTOMER, "reference_name": customer},
		pluck="company",
		limit=0,
	)
	return [co for co in dict.fromkeys([default, *companies]) if is_configured(co)]


def enqueue_record(doctype: str, name: str, action: str = c.ACTION_SYNC, company: str = "") -> None:
	"""Insert or refresh the queue row for a document (and company); idempotent and deduplicated by its
	name. Every call raises the row's version, so a run that loaded the row before leaves it queued
	(write-back is compare-and-set on the version). An invoice's company is its own."""
	if doctype == c.SALES_INVOICE and not company:
		company = frappe.db.get_value(c.SALES_INVOICE, name, "company") or ""
	if doctype == c.CUSTOMER and not company:
		company = get_sync_settings()[1]
	row_name = queue_name(doctype, name, company)
	existing = frappe.db.get_value(c.SYNC_QUEUE, row_name, ["action", "status"], as_dict=True)
	if existing:
		# A pending Void wins over a Sync; anything else is reset to Queued with the new action.
		if existing.action == c.ACTION_VOID and action != c.ACTION_VOID:
			action = c.ACTION_VOID
		table = frappe.qb.DocType(c.SYNC_QUEUE)
		(
			frappe.qb.update(table)
			.set(table.action, action)
			.set(table.status, QUEUE_STATUS_QUEUED)
			.set(table.next_attempt_on, None)
			.set(table.version, table.version + 1)
			.set(table.modified, now_datetime())
			.where(table.name == row_name)
		).run()
		return
	frappe.get_doc(
		{
			"doctype": c.SYNC_QUEUE,
			"name": row_name,
			"reference_doctype": doctype,
			"reference_name": name,
			"company": company,
			"action": action,
			"status": QUEUE_STATUS_QUEUED,
			"version": 1,
		}
	).db_insert()


# A row already there is refreshed as enqueue_record does: a pending Void wins, the version rises.
REFRESH = (
	"ON DUPLICATE KEY UPDATE `action` = IF(`action` = 'Void', 'Void', VALUES(`action`)), "
	"`status` = 'Queued', `next_attempt_on` = NULL, `version` = `version` + 1, `modified` = VALUES(`modified`)"
)
COLUMNS = "`name`, `creation`, `modified`, `owner`, `modified_by`, `reference_doctype`, `reference_name`, "
COLUMNS += "`company`, `action`, `status`, `version`"


def enqueue_records(doctype: str, records: list[tuple[str, str, str]]) -> None:
	"""enqueue_record for many (name, action, company): one statement per bulk.CHUNK records (Retry)."""
	now, user = now_datetime(), frappe.session.user
	values = [
		(
			queue_name(doctype, name, company),
			now,
			now,
			user,
			user,
			doctype,
			name,
			company,
			action,
			QUEUE_STATUS_QUEUED,
			1,
		)
		for name, action, company in records
	]
	for start in range(0, len(values), CHUNK):
		chunk = values[start : start + CHUNK]
		rows = ", ".join(["(" + ", ".join(["%s"] * len(chunk[0])) + ")"] * len(chunk))
		frappe.db.sql(
			f"INSERT INTO `tab{c.SYNC_QUEUE}` ({COLUMNS}) VALUES {rows} {REFRESH}",
			[value for row in chunk for value in row],
		)


def enqueue_invoices_since(company: str, since: str) -> int:
	"""Backfill: queue every submitted invoice of the company posted since `since` that is not in
	QuickBooks, with one INSERT ... SELECT (rows in posting order: each a microsecond after the last, so a
	run takes them oldest first). Returns how many invoices it queued."""
	where = (
		"`company` = %(company)s AND `docstatus` = 1 AND `posting_date` >= %(since)s "
		f"AND IFNULL(`{c.INVOICE_QBO_ID}`, '') = ''"
	)
	values = {"company": company, "since": since, "now": now_datetime(), "user": frappe.session.user}
	frappe.db.sql(
		f"""INSERT INTO `tab{c.SYNC_QUEUE}` ({COLUMNS})
		SELECT CONCAT('{c.SALES_INVOICE}::', `name`),
			DATE_ADD(%(now)s, INTERVAL ROW_NUMBER() OVER (ORDER BY `posting_date`, `creation`, `name`) MICROSECOND),
			%(now)s, %(user)s, %(user)s, '{c.SALES_INVOICE}', `name`, `company`, 'Sync', 'Queued', 1
		FROM `tab{c.SALES_INVOICE}` WHERE {where} AND CHAR_LENGTH(`name`) <= 125
		{REFRESH}""",
		values,
	)
	# a name too long for a readable queue row name (over 140 characters with its prefix) is hashed
	for name in frappe.db.sql_list(
		f"SELECT `name` FROM `tab{c.SALES_INVOICE}` WHERE {where} AND CHAR_LENGTH(`name`) > 125", values
	):
		enqueue_record(c.SALES_INVOICE, name, company=company)
	return frappe.db.sql(f"SELECT COUNT(*) FROM `tab{c.SALES_INVOICE}` WHERE {where}", values)[0][0]


def on_customer_change(doc, method=None) -> None:
	# On insert, on_update runs right after after_insert (with flags.in_insert set): queue once.
	if method == "on_update" and doc.flags.in_insert:
		return
	enabled, _company = get_sync_settings()
	if not enabled:
		return
	for company in customer_companies(doc.name):
		enqueue_record(c.CUSTOMER, doc.name, company=company)
		set_link_status(c.CUSTOMER, doc.name, company)
	set_fields(doc, {c.CUSTOMER_SYNC_STATUS: "Queued"})


def clear_copied_view(doc, method=None) -> None:
	"""before_insert of an invoice or payment: an amended draft is a copy (Frappe copies no_copy fields on
	Amend), and the original's QuickBooks status, id and error are not its own."""
	for column in c.VIEWS_BY_DOCTYPE.get(doc.doctype, {}).values():
		doc.set(column, None)


def on_contact_or_address_change(doc, method=None) -> None:
	"""A Contact or Address of a customer changed: its customers are queued like a saved customer (their
	email, phone or billing address may have to reach QuickBooks)."""
	enabled, _company = get_sync_settings()
	if not enabled:
		return
	for link in doc.get("links") or []:
		if link.link_doctype == c.CUSTOMER and link.link_name:
			for company in customer_companies(link.link_name):
				enqueue_record(c.CUSTOMER, link.link_name, company=company)


def on_invoice_submit(doc, method=None) -> None:
	if not _should_queue_invoice(doc):
		return
	enqueue_record(c.SALES_INVOICE, doc.name, c.ACTION_SYNC, doc.company)
	# A document being submitted was never exported. The desk's Amend copies no_copy fields too, so an
	# amendment arrives carrying its original's QBO id: forget it (the exporter finds the original).
	set_fields(
		doc,
		{
			c.INVOICE_SYNC_STATUS: "Queued",
			c.INVOICE_QBO_ID: "",
			c.INVOICE_DOC_NUMBER: "",
			c.INVOICE_SYNC_TOKEN: "",
			c.INVOICE_LAST_SYNCED: None,
			c.INVOICE_LAST_ERROR: "",
		},
	)


def on_invoice_update_after_submit(doc, method=None) -> None:
	# Only invoices already in QuickBooks need a sparse update; others are still queued for create.
	if _should_queue_invoice(doc) and doc.get(c.INVOICE_QBO_ID):
		enqueue_record(c.SALES_INVOICE, doc.name, c.ACTION_UPDATE, doc.company)
		_mark_invoice_queued(doc)


def on_invoice_cancel(doc, method=None) -> None:
	if not _should_queue_invoice(doc):
		return
	if doc.get(c.INVOICE_QBO_ID) or _possibly_in_flight(doc.name):
		# Not known in QuickBooks yet but a run may be sending it right now: queue a Void. The exporter
		# looks a Void without QBO id up by DocNumber and voids what it finds (or nothing).
		enqueue_record(c.SALES_INVOICE, doc.name, c.ACTION_VOID, doc.company)
		_mark_invoice_queued(doc)
	else:
		# Never exported and never going out: nothing to void, just drop any pending row.
		frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.SALES_INVOICE, doc.name)})
		set_link_status(c.SALES_INVOICE, doc.name, doc.company, "")
		set_fields(doc, {c.INVOICE_SYNC_STATUS: ""})


def _possibly_in_flight(name: str) -> bool:
	"""A queue row a run may have loaded (runnable statuses) or that is marked as sent."""
	row = frappe.db.get_value(
		c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, name), ["status", "in_flight"], as_dict=True
	)
	return bool(row) and (bool(row.in_flight) or row.status in c.RUNNABLE_STATUSES)


def _should_queue_invoice(doc) -> bool:
	"""Enabled, and the invoice's company is connected to a QuickBooks company (or was: a Reconnect
	Required company keeps collecting work)."""
	enabled, _default = get_sync_settings()
	return enabled and is_configured(doc.company)


def _mark_invoice_queued(doc) -> None:
	set_link_status(c.SALES_INVOICE, doc.name, doc.company)
	set_fields(doc, {c.INVOICE_SYNC_STATUS: "Queued"})


def set_link_status(doctype: str, name: str, company: str, status: str = "Queued") -> None:
	"""The link (if any) says Queued too; one UPDATE, no read."""
	table = frappe.qb.DocType(c.LINK)
	(
		frappe.qb.update(table)
		.set(table.status, status)
		.where(
			(table.reference_doctype == doctype) & (table.reference_name == name) & (table.company == company)
		)
	).run()


def set_fields(doc, values: dict) -> None:
	"""Write status columns directly: Document.db_set reloads the whole document and its child tables
	for a before-save copy, seven queries per save for one column."""
	frappe.db.set_value(doc.doctype, doc.name, values, update_modified=False)
	doc.update(values)


# -- Payment Entry (Receive from a Customer): the same rules as invoices ---------------------------
def should_queue_payment(doc) -> bool:
	"""A customer's receipt of a company connected to QuickBooks, while payments recorded in ERPNext go to
	QuickBooks (In ERPNext, In both), and not one made from a QuickBooks payment (never sent back)."""
	if doc.payment_type != "Receive" or doc.party_type != c.CUSTOMER:
		return False
	if (doc.get("flags") or {}).get("qbo_imported") or is_imported(doc.get("name")):
		return False
	enabled, _default = get_sync_settings()
	direction = frappe.get_cached_doc(c.SETTINGS).get("payments_recorded_in") or c.PAYMENTS_IN_ERPNEXT
	return enabled and direction != c.PAYMENTS_IN_QUICKBOOKS and is_configured(doc.company)


def is_imported(name: str) -> bool:
	"""A Payment Entry made by this app from a payment recorded in QuickBooks."""
	return bool(
		name
		and frappe.db.exists(
			c.LINK,
			{"reference_doctype": c.PAYMENT_ENTRY, "reference_name": name, "origin": c.ORIGIN_QUICKBOOKS},
		)
	)


def on_payment_submit(doc, method=None) -> None:
	if not should_queue_payment(doc):
		return
	enqueue_record(c.PAYMENT_ENTRY, doc.name, c.ACTION_SYNC, doc.company)
	# an amendment arrives carrying its original's QBO id (Amend copies no_copy fields): forget it
	set_fields(doc, {c.PAYMENT_SYNC_STATUS: "Queued", c.PAYMENT_QBO_ID: "", c.PAYMENT_LAST_ERROR: ""})


def on_payment_cancel(doc, method=None) -> None:
	if is_imported(doc.name) and not doc.flags.get("qbo_imported"):
		# cancelled by a person in ERPNext: the payment was recorded in QuickBooks and stays there
		message = "Cancelled in ERPNext only: the payment recorded in QuickBooks stays there"
		frappe.db.set_value(
			c.LINK, {"reference_doctype": c.PAYMENT_ENTRY, "reference_name": doc.name}, "last_error", message
		)
		set_fields(doc, {c.PAYMENT_LAST_ERROR: message})
		return
	if not should_queue_payment(doc):
		return
	if doc.get(c.PAYMENT_QBO_ID) or possibly_in_flight(c.PAYMENT_ENTRY, doc.name):
		# a run may be sending it right now: the exporter looks a Void without id up before voiding
		enqueue_record(c.PAYMENT_ENTRY, doc.name, c.ACTION_VOID, doc.company)
		set_link_status(c.PAYMENT_ENTRY, doc.name, doc.company)
		set_fields(doc, {c.PAYMENT_SYNC_STATUS: "Queued"})
	else:
		frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.PAYMENT_ENTRY, doc.name)})
		set_link_status(c.PAYMENT_ENTRY, doc.name, doc.company, "")
		set_fields(doc, {c.PAYMENT_SYNC_STATUS: ""})


def possibly_in_flight(doctype: str, name: str) -> bool:
	"""A queue row a run may have loaded (runnable statuses) or that is marked as sent."""
	row = frappe.db.get_value(c.SYNC_QUEUE, queue_name(doctype, name), ["status", "in_flight"], as_dict=True)
	return bool(row) and (bool(row.in_flight) or row.status in c.RUNNABLE_STATUSES)
