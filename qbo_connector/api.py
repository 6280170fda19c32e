"""Whitelisted methods behind the desk buttons. Each checks its role first."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import now_datetime

from qbo_connector import adapters
from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.engine.client import quote_value
from qbo_connector.engine.errors import QBOError
from qbo_connector.engine.records import NEEDS_REVIEW, SYNCED, QBOCustomer
from qbo_connector.jobs import enqueue_sync, retry_records
from qbo_connector.permissions import require_roles
from qbo_connector.queue import queue_name
from qbo_connector.writeback import release_waiting_invoices

USER_ROLES = (c.ADMIN_ROLE, "Accounts Manager")
SYNCABLE = (c.CUSTOMER, c.SALES_INVOICE)


def _check_doctype(doctype: str) -> None:
	if doctype not in SYNCABLE:
		frappe.throw(_("QuickBooks sync is not available for {0}").format(doctype))


@frappe.whitelist(methods=["POST"])
def retry(doctype: str, names: str | list) -> str:
	"""Bulk Retry: put records back in the queue for the next run."""
	require_roles(*USER_ROLES)
	_check_doctype(doctype)
	names = frappe.parse_json(names) if isinstance(names, str) and names.startswith("[") else names
	names = [names] if isinstance(names, str) else list(names)
	count = retry_records(doctype, names)
	return _("{0} record(s) queued for QuickBooks").format(count)


@frappe.whitelist(methods=["POST"])
def retry_logs(names: str | list) -> str:
	"""Bulk Retry from the Sync Log list: retries the documents the selected rows refer to."""
	require_roles(*USER_ROLES)
	names = frappe.parse_json(names) if isinstance(names, str) else names
	rows = frappe.get_all(
		c.SYNC_LOG,
		filters={"name": ("in", names)},
		fields=["reference_doctype", "reference_name"],
		limit=len(names),
	)
	count = 0
	for doctype in SYNCABLE:
		docs = list({r.reference_name for r in rows if r.reference_doctype == doctype})
		count += retry_records(doctype, docs) if docs else 0
	return _("{0} record(s) queued for QuickBooks").format(count)


@frappe.whitelist(methods=["POST"])
def sync_record_now(doctype: str, name: str) -> str:
	"""Sync Now on a form: queue this record and start a run."""
	require_roles(*USER_ROLES)
	_check_doctype(doctype)
	retry_records(doctype, [name])
	enqueue_sync()
	return _("Queued; the status updates when the sync finishes.")


@frappe.whitelist()
def search_qbo_customers(txt: str = "") -> list[dict]:
	"""For the "Link to QuickBooks Customer" dialog: active and inactive customers by name."""
	require_roles(*USER_ROLES)
	txt = (txt or "").strip().replace("%", "")
	where = "Active IN (true, false)"
	if txt:
		where += f" AND DisplayName LIKE {quote_value('%' + txt + '%')}"
	try:
		rows = get_client().query(f"SELECT * FROM Customer WHERE {where} MAXRESULTS 20").get("Customer", [])
	except QBOError as exc:
		frappe.throw(exc.user_message())
	return [
		{
			"id": r.id,
			"display_name": r.display_name,
			"email": r.email,
			"active": r.active,
		}
		for r in (QBOCustomer.from_qbo(row) for row in rows)
	]


@frappe.whitelist(methods=["POST"])
def link_customer(customer: str, qbo_customer_id: str, reactivate: bool = False) -> str:
	"""Manual link; refuses a QBO customer already linked to another customer, and an inactive one
	unless `reactivate` asks to make it active again in QuickBooks first."""
	require_roles(*USER_ROLES)
	frappe.get_doc(c.CUSTOMER, customer).check_permission("write")
	other = frappe.db.get_value(c.CUSTOMER, {c.CUSTOMER_QBO_ID: qbo_customer_id, "name": ("!=", customer)})
	if other:
		frappe.throw(_("QuickBooks customer {0} is already linked to {1}").format(qbo_customer_id, other))
	client = get_client()
	try:
		record = QBOCustomer.from_qbo(client.read("Customer", qbo_customer_id))
	except QBOError as exc:
		frappe.throw(exc.user_message())
	if not record.active and not reactivate:
		frappe.throw(
			_("QuickBooks customer {0} is inactive: choose to reactivate it").format(record.display_name)
		)
	if not record.active:
		try:
			client.update("Customer", {"Id": record.id, "SyncToken": record.sync_token, "Active": True})
		except QBOError as exc:
			frappe.throw(exc.user_message())
	frappe.db.set_value(
		c.CUSTOMER,
		customer,
		{
			c.CUSTOMER_QBO_ID: record.id,
			c.CUSTOMER_MATCH_STATUS: c.MATCH_LINKED,
			c.CUSTOMER_SYNC_STATUS: SYNCED,
			c.CUSTOMER_LAST_ERROR: "",
		},
		update_modified=False,
	)
	frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.CUSTOMER, customer)})
	close_reviews(customer, c.REVIEW_LINKED, record.id)
	release_waiting_invoices(customer)
	return _("Linked to QuickBooks customer {0}").format(record.display_name)


@frappe.whitelist(methods=["POST"])
def unlink_customer(customer: str) -> str:
	require_roles(*USER_ROLES)
	frappe.get_doc(c.CUSTOMER, customer).check_permission("write")
	frappe.db.set_value(
		c.CUSTOMER,
		customer,
		{
			c.CUSTOMER_QBO_ID: "",
			c.CUSTOMER_MATCH_STATUS: "",
			c.CUSTOMER_SYNC_STATUS: "",
			c.CUSTOMER_LAST_ERROR: "",
		},
		update_modified=False,
	)
	return _("Unlinked from QuickBooks; the next sync matches this customer again")


def close_reviews(customer: str, status: str, qbo_id: str = "") -> None:
	for name in frappe.get_all(
		c.CUSTOMER_MATCH, filters={"customer": customer, "status": c.REVIEW_OPEN}, pluck="name"
	):
		frappe.db.set_value(
			c.CUSTOMER_MATCH,
			name,
			{
				"status": status,
				"linked_qbo_customer_id": qbo_id,
				"decided_by": frappe.session.user,
				"decided_on": now_datetime(),
			},
		)


@frappe.whitelist()
def preview_matches(limit: int = 500) -> list[dict]:
	"""Settings > Preview Matches: what the matcher would decide for unlinked customers; writes nothing."""
	require_roles(c.ADMIN_ROLE)
	from qbo_connector.engine.customers import load_directory
	from qbo_connector.engine.matching import Matcher

	names = frappe.get_all(
		c.CUSTOMER,
		filters={c.CUSTOMER_QBO_ID: ("is", "not set"), "disabled": 0},
		pluck="name",
		order_by="modified desc",
		limit=int(limit),
	)
	try:
		directory = load_directory(get_client())
	except QBOError as exc:
		frappe.throw(exc.user_message())
	decisions = Matcher(directory).decide(adapters.load_customers(names))
	return [
		{
			"customer": d.erpnext_id,
			"decision": d.decision,
			"qbo_id": d.qbo_id,
			"score": d.score,
			"reason": d.reason,
		}
		for d in decisions
	]


@frappe.whitelist()
def get_status() -> dict:
	"""Connection state and counts, for the settings form and `bench qbo status`."""
	require_roles(*USER_ROLES)
	return collect_status()


def collect_status() -> dict:
	settings = frappe.get_single(c.SETTINGS)

	def count(doctype, field, value):
		return frappe.db.count(doctype, {field: value})

	return {
		"enabled": bool(settings.enabled),
		"connection": settings.connection_status,
		"realm_id": settings.realm_id,
		"company_name": settings.qbo_company_name,
		"last_sync_on": str(settings.last_sync_on or ""),
		"last_sync_status": settings.last_sync_status or "",
		"queued": frappe.db.count(c.SYNC_QUEUE, {"status": "Queued"}),
		"synced": count(c.SALES_INVOICE, c.INVOICE_SYNC_STATUS, SYNCED)
		+ count(c.CUSTOMER, c.CUSTOMER_SYNC_STATUS, SYNCED),
		"failed": frappe.db.count(c.SYNC_QUEUE, {"status": "Failed"}),
		"held": frappe.db.count(c.SYNC_QUEUE, {"status": "Held"}),
		"needs_review": frappe.db.count(
			c.SYNC_QUEUE, {"status": ("in", [NEEDS_REVIEW, "Waiting for Customer"])}
		)
		+ frappe.db.count(c.CUSTOMER_MATCH, {"status": c.REVIEW_OPEN}),
	}
