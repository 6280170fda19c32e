"""Invoice phase of a run on the Frappe side: QuickBooks Settings -> the engine's ExportSettings and
facts, queue rows -> invoices, the exporter's outcomes -> documents. Plus the desk's invoice tools."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate

from qbo_connector import adapters, writeback
from qbo_connector import constants as c
from qbo_connector.connection import build_config, get_client, get_settings
from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.customers import add_currency_facts
from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.errors import QBOError
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.export import preview_next_batch as preview_batch
from qbo_connector.engine.invoices import ExportSettings, QBOFacts
from qbo_connector.engine.records import FAILED, HELD, NEEDS_REVIEW, VOIDED, Outcome
from qbo_connector.permissions import require_roles
from qbo_connector.queue import enqueue_record, queue_name

AMEND_POLICIES = {"Void and create a new one": "void_and_create"}
CURRENCY_POLICIES = {"Use a customer per currency": "per_currency_customer"}


def build_export_settings(settings, client: QBOClient) -> tuple[ExportSettings, QBOFacts]:
	tax_map = {}
	for row in settings.tax_mappings:
		for key in (row.tax_template, row.account, row.item_tax_template):
			if key:
				tax_map[key] = row.qbo_tax_code
	choices = ExportChoices(
		default_item=settings.default_item or "",
		rounding_item=settings.rounding_item or "",
		default_tax_code=settings.default_tax_code or "",
		item_map={row.item_code: row.qbo_item for row in settings.item_mappings},
		tax_map=tax_map,
		amend_policy=AMEND_POLICIES.get(settings.amend_policy, "update"),
		currency_policy=CURRENCY_POLICIES.get(settings.currency_policy, "error"),
		payment_terms=tuple(frappe.get_all("Payment Terms Template", pluck="name", limit=500)),
	)
	return discover_export_settings(client, choices)


def originals_of(invoices) -> dict[str, tuple[str, str]]:
	"""QBO id and SyncToken of the invoices that amendments and returns refer to. An original already
	voided in QuickBooks is not offered: its amendment is created anew (a voided invoice cannot carry it)."""
	names = {inv.amended_from for inv in invoices if inv.amended_from}
	names |= {inv.return_against for inv in invoices if inv.return_against}
	if not names:
		return {}
	rows = frappe.get_all(
		c.SALES_INVOICE,
		filters={"name": ("in", list(names)), c.INVOICE_QBO_ID: ("is", "set")},
		fields=["name", c.INVOICE_QBO_ID, c.INVOICE_SYNC_TOKEN, c.INVOICE_SYNC_STATUS],
		limit=len(names),
	)
	return {
		r.name: (r[c.INVOICE_QBO_ID], r[c.INVOICE_SYNC_TOKEN] or "0")
		for r in rows
		if r[c.INVOICE_SYNC_STATUS] != VOIDED
	}


def customer_blocks(invoices) -> dict[str, tuple[str, str]]:
	"""Invoices whose customer is under review or ignored wait with that reason."""
	customers = list({inv.customer for inv in invoices if not inv.customer_qbo_id})
	if not customers:
		return {}
	rows = frappe.get_all(
		c.CUSTOMER,
		filters={"name": ("in", customers)},
		fields=["name", c.CUSTOMER_MATCH_STATUS, c.CUSTOMER_LAST_ERROR],
		limit=len(customers),
	)
	blocks = {}
	for row in rows:
		if row[c.CUSTOMER_MATCH_STATUS] == c.MATCH_REVIEW:
			blocks[row.name] = (
				NEEDS_REVIEW,
				_("Customer {0} needs a QuickBooks match decision").format(row.name),
			)
		elif row[c.CUSTOMER_MATCH_STATUS] == c.MATCH_IGNORED:
			blocks[row.name] = (HELD, _("Customer {0} is ignored for QuickBooks").format(row.name))
	return blocks


def mark_in_flight(names: list[str]) -> None:
	"""Before a batch leaves: remember it, durably, so a crash is reconciled by DocNumber next run."""
	for name in names:
		frappe.db.set_value(
			c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, name), "in_flight", 1, update_modified=False
		)
	frappe.db.commit()  # nosemgrep: the in-flight mark must exist before QuickBooks sees the batch


def export_invoices(run, rows) -> None:
	names = [r.reference_name for r in rows]
	foreign = other_company_invoices(names)
	for name, company in foreign.items():  # never exported: a per-record error
		run.record(Outcome(c.SALES_INVOICE, name, FAILED, message=other_company_message(company)), "invoice")
	names = [name for name in names if name not in foreign]
	invoices = adapters.load_invoices(names)
	blocks = customer_blocks(invoices)
	ready = []
	for inv in invoices:
		if inv.customer in blocks and inv.docstatus == 1 and not inv.qbo_id:
			status, reason = blocks[inv.customer]
			run.record(Outcome(c.SALES_INVOICE, inv.name, status, message=reason), "invoice")
		else:
			ready.append(inv)
	if not ready:
		return
	export_settings, facts = build_export_settings(run.settings, run.client)
	add_currency_facts(run.client, export_settings, facts, ready)
	in_flight = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": c.SALES_INVOICE, "reference_name": ("in", names), "in_flight": 1},
		pluck="reference_name",
		limit=len(names),
	)
	exporter = Exporter(
		run.client,
		export_settings,
		on_outcome=lambda outcome: run.record(outcome, "invoice"),
		on_in_flight=mark_in_flight,
		facts=facts,
	)
	updates = {r.reference_name for r in rows if r.action == c.ACTION_UPDATE}
	edited = [inv for inv in ready if inv.name in updates and inv.qbo_id and inv.docstatus == 1]
	if edited:  # edits allowed after submit (due date, memo): a sparse update of the same QBO invoice
		exporter.update_after_submit(edited)
	rest = [inv for inv in ready if inv not in edited]
	report = exporter.export(rest, in_flight=in_flight, originals=originals_of(rest)) if rest else None
	if report and report.stopped:
		run.counts["stopped"] = 1


def other_company_invoices(names: list[str]) -> dict[str, str]:
	"""Invoice -> its company, for the invoices not of the configured company (one query)."""
	if not names:
		return {}
	company = frappe.db.get_single_value(c.SETTINGS, "company") or ""
	rows = frappe.get_all(
		c.SALES_INVOICE,
		filters={"name": ("in", names), "company": ("!=", company)},
		fields=["name", "company"],
		limit=len(names),
	)
	return {r.name: r.company for r in rows}


def other_company_message(invoice_company: str) -> str:
	company = frappe.db.get_single_value(c.SETTINGS, "company") or ""
	return _(
		"This invoice belongs to company {0}; only invoices of {1} are sent to this QuickBooks company."
	).format(invoice_company, company)


def refuse_other_company(names: list[str]) -> dict[str, str]:
	"""Mark invoices of another company Failed with the reason, without queueing them."""
	foreign = other_company_invoices(names)
	for name, company in foreign.items():
		message = other_company_message(company)
		frappe.db.set_value(
			c.SALES_INVOICE,
			name,
			{c.INVOICE_SYNC_STATUS: FAILED, c.INVOICE_LAST_ERROR: message},
			update_modified=False,
		)
		writeback.write_log(Outcome(c.SALES_INVOICE, name, FAILED, message=message), "retry", "invoice")
	return foreign


# -- desk tools -----------------------------------------------------------------------------------
@frappe.whitelist()
def preview_next_batch() -> list[dict]:
	"""What the next run would send, and what is blocked and why; sends nothing."""
	require_roles(c.ADMIN_ROLE, "Accounts Manager")
	names = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": c.SALES_INVOICE, "status": ("!=", "Failed")},
		pluck="reference_name",
		limit=500,
	)
	invoices = adapters.load_invoices(names)
	try:
		client = get_client()
		export_settings, facts = build_export_settings(get_settings(), client)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	return [
		{"invoice": n, "status": s, "reason": r}
		for n, s, r in preview_batch(invoices, export_settings, facts)
	]


@frappe.whitelist()
def get_qbo_link(doctype: str, name: str) -> str:
	require_roles(c.ADMIN_ROLE, "Accounts Manager", "Accounts User")
	if doctype == c.SALES_INVOICE:
		qbo_id, is_return = frappe.db.get_value(doctype, name, [c.INVOICE_QBO_ID, "is_return"])
		entity = "CreditMemo" if is_return else "Invoice"
	elif doctype == c.CUSTOMER:
		qbo_id, entity = frappe.db.get_value(doctype, name, c.CUSTOMER_QBO_ID), "Customer"
	else:
		frappe.throw(_("No QuickBooks record for {0}").format(doctype))
	if not qbo_id:
		frappe.throw(_("{0} {1} is not in QuickBooks yet").format(doctype, name))
	return QBOClient.entity_url(build_config(), entity, qbo_id)


@frappe.whitelist(methods=["POST"])
def start_backfill(since: str) -> str:
	require_roles(c.ADMIN_ROLE)
	frappe.enqueue(
		"qbo_connector.invoice_sync.backfill_invoices",
		queue="long",
		job_id="qbo_backfill",
		deduplicate=True,
		enqueue_after_commit=True,
		since=str(getdate(since)),
		user=frappe.session.user,
	)
	return _("Backfill started; progress shows here.")


def backfill_invoices(since: str, user: str) -> dict:
	"""Queue every submitted invoice of the company since a date that is not in QBO, then run a sync
	(the same pre-flight) with realtime progress for the user who started it."""
	from qbo_connector.jobs import run_sync

	company = frappe.db.get_single_value(c.SETTINGS, "company")
	names = frappe.get_all(
		c.SALES_INVOICE,
		filters={
			"company": company,
			"docstatus": 1,
			"posting_date": (">=", since),
			c.INVOICE_QBO_ID: ("in", ("", None)),
		},
		pluck="name",
		order_by="posting_date asc",
		limit=0,
	)
	for index, name in enumerate(names, start=1):
		enqueue_record(c.SALES_INVOICE, name)
		if index % 200 == 0:
			publish_progress(user, index, len(names) * 2, _("Queued {0} invoices").format(index))
	frappe.db.commit()  # nosemgrep: long job; the queue rows must exist before the run reads them
	report = run_sync(progress=lambda done: publish_progress(user, len(names) + done, len(names) * 2, ""))
	publish_progress(user, 1, 1, _("Done"))
	return report


def publish_progress(user: str, done: int, total: int, message: str) -> None:
	frappe.publish_realtime(
		"qbo_backfill_progress", {"done": done, "total": max(total, 1), "message": message}, user=user
	)
