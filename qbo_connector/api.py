"""Whitelisted methods behind the desk buttons. Each checks its role first."""

from __future__ import annotations

import hashlib

import frappe
from frappe import _
from frappe.utils import get_datetime, now_datetime

from qbo_connector import adapters, links
from qbo_connector import constants as c
from qbo_connector.connection import build_config, default_company, get_client
from qbo_connector.engine.client import QBOClient, quote_value
from qbo_connector.engine.errors import QBOError
from qbo_connector.engine.records import NEEDS_REVIEW, SYNCED, QBOCustomer, describe_contact
from qbo_connector.jobs import enqueue_sync, record_companies, retry_records
from qbo_connector.permissions import require_roles
from qbo_connector.queue import queue_name
from qbo_connector.writeback import release_waiting_invoices

USER_ROLES = (c.ADMIN_ROLE, "Accounts Manager")
SYNCABLE = (c.CUSTOMER, c.SALES_INVOICE, c.PAYMENT_ENTRY)
RETRY_IN_REQUEST = 200  # records; a larger selection is retried by one background job
LINK_LIST_FIELDS = ["company", "realm_id", "qbo_entity", "qbo_id", "qbo_name", "doc_number", "status"]
LINK_LIST_FIELDS += ["match_status", "last_error", "last_synced_on"]


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
	return queue_retries({doctype: names})


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
	by_doctype = {dt: list({r.reference_name for r in rows if r.reference_doctype == dt}) for dt in SYNCABLE}
	return queue_retries({dt: docs for dt, docs in by_doctype.items() if docs})


def queue_retries(by_doctype: dict[str, list[str]]) -> str:
	"""A few records are queued in the request (a fixed number of statements per doctype); more than
	RETRY_IN_REQUEST go to one background job, so a selection of thousands never holds the request."""
	total = sum(len(names) for names in by_doctype.values())
	if total > RETRY_IN_REQUEST:
		frappe.enqueue(
			"qbo_connector.api.retry_in_background",
			queue="short",
			job_id=f"qbo_retry::{hashlib.sha1(frappe.as_json(by_doctype).encode()).hexdigest()}",  # a double click
			deduplicate=True,
			enqueue_after_commit=True,
			by_doctype=by_doctype,
		)
		return _("{0} record(s) will be queued for QuickBooks in the background").format(total)
	count = sum(retry_records(doctype, names) for doctype, names in by_doctype.items())
	return _("{0} record(s) queued for QuickBooks").format(count)


def retry_in_background(by_doctype: dict[str, list[str]]) -> None:
	for doctype, names in by_doctype.items():
		retry_records(doctype, names)


@frappe.whitelist(methods=["POST"])
def sync_record_now(doctype: str, name: str, company: str | None = None) -> str:
	"""Sync Now on a form: queue this record and start a run of its company's realm only (an invoice's
	own company; a customer's `company`, or each company it is queued or linked in)."""
	require_roles(*USER_ROLES)
	_check_doctype(doctype)
	companies = {co for _name, co in record_companies(doctype, [name], company)}
	if retry_records(doctype, [name], company):
		for target in sorted(companies):
			enqueue_sync(target, frappe.session.user)
	return _("Queued; the status updates when the sync finishes.")


@frappe.whitelist()
def search_qbo_customers(txt: str = "", company: str | None = None) -> list[dict]:
	"""For the "Link to QuickBooks Customer" dialog: active and inactive customers by name."""
	require_roles(*USER_ROLES)
	txt = (txt or "").strip().replace("%", "")
	where = "Active IN (true, false)"
	if txt:
		where += f" AND DisplayName LIKE {quote_value('%' + txt + '%')}"
	try:
		rows = (
			get_client(company)
			.query(f"SELECT * FROM Customer WHERE {where} MAXRESULTS 20")
			.get("Customer", [])
		)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	return [
		{
			"id": r.id,
			"display_name": r.display_name,
			"email": r.email,
			"details": describe_contact(r),
			"active": r.active,
		}
		for r in (QBOCustomer.from_qbo(row) for row in rows)
	]


@frappe.whitelist(methods=["POST"])
def link_customer(
	customer: str, qbo_customer_id: str, reactivate: bool = False, company: str | None = None
) -> str:
	"""Manual link in a company's realm (the default company's); refuses a QBO customer already linked
	to another customer there, and an inactive one unless `reactivate` asks to make it active again in
	QuickBooks first."""
	require_roles(*USER_ROLES)
	frappe.get_doc(c.CUSTOMER, customer).check_permission("write")
	company = company or default_company()
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	other = links.linked_by_qbo_id(c.CUSTOMER, realm_id, exclude=[customer]).get(qbo_customer_id)
	if other:
		frappe.throw(_("QuickBooks customer {0} is already linked to {1}").format(qbo_customer_id, other))
	client = get_client(company)
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
	links.set_link(
		c.CUSTOMER,
		customer,
		realm_id,
		company,
		{
			"qbo_id": record.id,
			"qbo_name": record.display_name,
			"match_status": c.MATCH_LINKED,
			"status": SYNCED,
			"last_error": "",
		},
	)
	frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.CUSTOMER, customer, company)})
	close_reviews(customer, c.REVIEW_LINKED, record.id, company)
	release_waiting_invoices(customer, company)
	return _("Linked to QuickBooks customer {0}").format(record.display_name)


@frappe.whitelist(methods=["GET"])
def get_document_links(doctype: str, name: str) -> list[dict]:
	"""Every QuickBooks link of a document, one per connected company: what the Customer form lists."""
	require_roles(*USER_ROLES, "Accounts User")
	_check_doctype(doctype)
	frappe.get_doc(doctype, name).check_permission("read")
	rows = frappe.get_all(
		c.LINK,
		filters={"reference_doctype": doctype, "reference_name": name},
		fields=LINK_LIST_FIELDS,
		order_by="company asc",
		limit=100,
	)
	for row in rows:
		row.url = (
			QBOClient.entity_url(build_config(None, row.realm_id), row.qbo_entity, row.qbo_id)
			if row.qbo_id
			else ""
		)
	return rows


@frappe.whitelist(methods=["POST"])
def unlink_customer(customer: str, company: str | None = None) -> str:
	require_roles(*USER_ROLES)
	frappe.get_doc(c.CUSTOMER, customer).check_permission("write")
	company = company or default_company()
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	links.set_link(
		c.CUSTOMER,
		customer,
		realm_id,
		company,
		{"qbo_id": "", "qbo_name": "", "match_status": "", "status": "", "last_error": "", "match_score": 0},
	)
	return _("Unlinked from QuickBooks; the next sync matches this customer again")


def close_reviews(customer: str, status: str, qbo_id: str = "", company: str | None = None) -> None:
	for name in frappe.get_all(
		c.CUSTOMER_MATCH,
		filters={
			"customer": customer,
			# a manual link also settles a customer ignored before: the review says what was decided last
			"status": ("in", [c.REVIEW_OPEN, c.REVIEW_IGNORED]),
			"company": company or default_company(),
		},
		pluck="name",
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
def preview_matches(limit: int = 500, company: str | None = None) -> list[dict]:
	"""Settings > Preview Matches: what the matcher would decide for customers not linked in the
	company's realm (the default company's); writes nothing."""
	require_roles(c.ADMIN_ROLE)
	from qbo_connector.engine.customers import load_directory
	from qbo_connector.engine.matching import Matcher

	company = company or default_company()
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	linked = set(links.names_linked_to(c.CUSTOMER, realm_id))
	names = [
		n
		for n in frappe.get_all(
			c.CUSTOMER, filters={"disabled": 0}, pluck="name", order_by="modified desc", limit=0
		)
		if n not in linked
	][: int(limit)]
	try:
		directory = load_directory(get_client(company))
	except QBOError as exc:
		frappe.throw(exc.user_message())
	decisions = Matcher(directory).decide(adapters.load_customers(names, realm_id))
	return [
		{
			"customer": d.erpnext_id,
			"decision": d.decision,
			"qbo_id": d.qbo_id,
			"qbo_name": next((x.display_name for x in d.candidates if x.qbo_id == d.qbo_id), ""),
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


TICK = "qbo_connector.jobs.tick"
TICK_LATE_MINUTES = 30  # the tick runs every 5 minutes


def scheduler_warning() -> str:
	"""Why scheduled runs would not happen, in words; empty while the scheduler and a worker run the tick."""
	from frappe.utils.scheduler import is_scheduler_inactive

	if is_scheduler_inactive(verbose=False):
		return _(
			"The site's scheduler is off: QuickBooks syncs only when someone clicks Sync Now. Turn it on with "
			"bench --site {0} enable-scheduler (and check maintenance mode)."
		).format(frappe.local.site)
	last = frappe.db.get_value("Scheduled Job Type", {"method": TICK}, "last_execution")
	if not last or (now_datetime() - get_datetime(last)).total_seconds() > TICK_LATE_MINUTES * 60:
		return _(
			"No worker has run the QuickBooks check in the last {0} minutes: start the bench's scheduler and "
			"workers (bench start, or supervisor in production)."
		).format(TICK_LATE_MINUTES)
	return ""


@frappe.whitelist(methods=["GET"])
def get_scheduler_warning() -> str:
	require_roles(c.ADMIN_ROLE)
	return scheduler_warning()


@frappe.whitelist(methods=["GET", "POST"])
def get_reconnect_days() -> dict:
	"""The workspace's number card: days until the first connected company must reconnect (Intuit's
	refresh token lapses after 100 days unused, and after 5 years in any case)."""
	require_roles(*USER_ROLES, "Accounts User")
	rows = frappe.get_all(
		c.QBO_COMPANY,
		filters={"connection_status": c.CONNECTED},
		fields=["refresh_token_expires_on", "refresh_token_hard_expires_on"],
		limit=100,
	)
	ends = [get_datetime(v) for r in rows for v in r.values() if v]
	days = min(((end - now_datetime()).days for end in ends), default=0)
	return {"value": max(days, 0), "fieldtype": "Int", "route": ["List", c.QBO_COMPANY]}


def collect_status() -> dict:
	"""The default company's connection (mirrored on Settings) and site-wide counts, plus one line per
	QuickBooks Company."""
	settings = frappe.get_single(c.SETTINGS)

	def count(doctype, field, value):
		return frappe.db.count(doctype, {field: value})

	return {
		"enabled": bool(settings.enabled),
		"scheduler": scheduler_warning() or "running",
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
		"companies": frappe.get_all(
			c.QBO_COMPANY,
			fields=["company", "realm_id", "qbo_company_name", "connection_status", "last_sync_status"],
			order_by="company asc",
			limit=100,
		),
	}
