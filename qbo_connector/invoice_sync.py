"""Invoice phase of a run on the Frappe side: QuickBooks Settings -> the engine's ExportSettings and
facts, queue rows -> invoices, the exporter's outcomes -> documents. Plus the desk's invoice tools."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import getdate

from qbo_connector import adapters, links, writeback
from qbo_connector import constants as c
from qbo_connector.company_settings import get_company_settings
from qbo_connector.connection import build_config, default_company, get_client
from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.customers import add_currency_facts
from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.errors import QBOError
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.export import preview_next_batch as preview_batch
from qbo_connector.engine.invoices import ExportSettings, QBOFacts
from qbo_connector.engine.records import FAILED, HELD, NEEDS_REVIEW, VOIDED, Outcome
from qbo_connector.permissions import require_roles
from qbo_connector.progress import publish_progress, run_progress
from qbo_connector.queue import enqueue_invoices_since, queue_name

PAGE = 1000  # invoices loaded and exported at a time (export_invoices)
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
		income_account_map={row.income_account: row.qbo_item for row in settings.income_account_mappings},
		class_map={row.cost_center: row.qbo_class for row in settings.cost_center_mappings if row.qbo_class},
		department_map={
			row.cost_center: row.qbo_location for row in settings.cost_center_mappings if row.qbo_location
		},
		tax_map=tax_map,
		amend_policy=AMEND_POLICIES.get(settings.amend_policy, "update"),
		currency_policy=CURRENCY_POLICIES.get(settings.currency_policy, "error"),
		payment_terms=tuple(frappe.get_all("Payment Terms Template", pluck="name", limit=500)),
	)
	return discover_export_settings(client, choices)


def originals_of(invoices, realm_id: str = "") -> dict[str, tuple[str, str]]:
	"""QBO id and SyncToken of the invoices that amendments and returns refer to. An original already
	voided in QuickBooks is not offered: its amendment is created anew (a voided invoice cannot carry it)."""
	names = {inv.amended_from for inv in invoices if inv.amended_from}
	names |= {inv.return_against for inv in invoices if inv.return_against}
	if not names:
		return {}
	realm_id = realm_id or adapters.default_realm()
	return {
		name: (r.qbo_id, r.sync_token or "0")
		for name, r in links.get_links(c.SALES_INVOICE, list(names), realm_id).items()
		if r.qbo_id and r.status != VOIDED
	}


def customer_blocks(invoices, realm_id: str) -> dict[str, tuple[str, str]]:
	"""Invoices whose customer is under review or ignored in this realm wait with that reason."""
	customers = list({inv.customer for inv in invoices if not inv.customer_qbo_id})
	if not customers:
		return {}
	blocks = {}
	for name, link in links.get_links(c.CUSTOMER, customers, realm_id).items():
		if link.match_status == c.MATCH_REVIEW:
			blocks[name] = (NEEDS_REVIEW, _("Customer {0} needs a QuickBooks match decision").format(name))
		elif link.match_status == c.MATCH_IGNORED:
			blocks[name] = (HELD, _("Customer {0} is ignored for QuickBooks").format(name))
	return blocks


def export_invoices(run, rows) -> None:
	"""The invoice phase, a page of about PAGE invoices at a time: its documents are loaded, sent and
	written back before the next page is read, so memory stays flat however many are queued."""
	updates = {r.reference_name for r in rows if r.action == c.ACTION_UPDATE}
	built: list = []  # the export settings and facts, discovered once, when a page first needs them
	for page in invoice_pages([r.reference_name for r in rows]):
		if export_page(run, page, updates, built):
			run.counts["stopped"] = 1  # QuickBooks stopped the run: later pages stay queued
			return


def invoice_pages(names: list[str]) -> list[list[str]]:
	"""The invoices in pages of about PAGE, in the run's order; an amendment or a return is in the page of
	the invoice it refers to when both are queued (the exporter settles them together). One light query
	per PAGE invoices."""
	if len(names) <= PAGE:
		return [names] if names else []
	queued, root = set(names), {}

	def find(name: str) -> str:
		while root.get(name, name) != name:
			name = root[name]
		return name

	for start in range(0, len(names), PAGE):
		chunk = names[start : start + PAGE]
		for row in frappe.get_all(
			c.SALES_INVOICE,
			filters={"name": ("in", chunk)},
			fields=["name", "amended_from", "return_against"],
			limit=len(chunk),
		):
			for other in (row.amended_from, row.return_against):
				if other in queued and (top := find(other)) != (own := find(row.name)):
					root[own] = top
	groups: dict[str, list[str]] = {}
	for name in names:
		groups.setdefault(find(name), []).append(name)
	pages, page = [], []
	for group in groups.values():
		page += group
		if len(page) >= PAGE:
			pages.append(page)
			page = []
	return [*pages, page] if page else pages


def export_page(run, names: list[str], updates: set[str], built: list) -> bool:
	"""One page of the invoice phase; returns whether QuickBooks stopped the run."""
	foreign = other_company_invoices(names, run.company)
	for name, company in foreign.items():  # never exported here: a per-record error
		message = other_company_message(company, run.company)
		run.record(Outcome(c.SALES_INVOICE, name, FAILED, message=message), "invoice")
	names = [name for name in names if name not in foreign]
	invoices = run.revise(c.SALES_INVOICE, adapters.load_invoices(names, run.realm_id))
	blocks = customer_blocks(invoices, run.realm_id)
	ready = []
	for inv in invoices:
		if inv.customer in blocks and inv.docstatus == 1 and not inv.qbo_id:
			status, reason = blocks[inv.customer]
			run.record(Outcome(c.SALES_INVOICE, inv.name, status, message=reason), "invoice")
		else:
			ready.append(inv)
	if not ready:
		return False
	if not built:
		built.extend(build_export_settings(run.settings, run.client))
	export_settings, facts = built
	add_currency_facts(run.client, export_settings, facts, ready)
	in_flight = writeback.in_flight_names(c.SALES_INVOICE, names)
	exporter = Exporter(
		run.client,
		export_settings,
		on_outcome=lambda outcome: run.record(outcome, "invoice"),
		on_in_flight=lambda sent: (run.heartbeat(), writeback.mark_in_flight(c.SALES_INVOICE, sent)),
		facts=facts,
	)
	edited = [inv for inv in ready if inv.name in updates and inv.qbo_id and inv.docstatus == 1]
	if edited:  # edits allowed after submit (due date, memo): a sparse update of the same QBO invoice
		exporter.update_after_submit(edited)
	edited_names = {inv.name for inv in edited}
	rest = [inv for inv in ready if inv.name not in edited_names]
	report = (
		exporter.export(rest, in_flight=in_flight, originals=originals_of(rest, run.realm_id))
		if rest
		else None
	)
	run.flush()  # the page's successes are written before the next page is read
	return bool(report and report.stopped)


def other_company_invoices(names: list[str], company: str | None = None) -> dict[str, str]:
	"""Invoice -> its company, for the invoices a run of `company` must not send: of another company,
	or (company None: Retry, Sync Now) of a company without a QuickBooks company. One query."""
	if not names:
		return {}
	rows = frappe.get_all(
		c.SALES_INVOICE, filters={"name": ("in", names)}, fields=["name", "company"], limit=len(names)
	)
	if company is not None:
		return {r.name: r.company for r in rows if r.company != company}
	configured = set(frappe.get_all(c.QBO_COMPANY, pluck="name", limit=0))
	return {r.name: r.company for r in rows if r.company not in configured}


def other_company_message(invoice_company: str, company: str | None = None) -> str:
	if company:
		return _(
			"This invoice belongs to company {0}; only invoices of {1} are sent to this QuickBooks company."
		).format(invoice_company, company)
	return _(
		"This invoice belongs to company {0}, which is not connected to a QuickBooks company; connect it "
		"in QuickBooks Settings > Companies."
	).format(invoice_company)


def refuse_other_company(names: list[str]) -> dict[str, str]:
	"""Mark invoices of companies without a QuickBooks company Failed with the reason, without queueing
	them."""
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
def preview_next_batch(company: str | None = None) -> list[dict]:
	"""What the next run of a company (the default one) would send, and what is blocked and why."""
	require_roles(c.ADMIN_ROLE, "Accounts Manager")
	company = company or default_company()
	names = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": c.SALES_INVOICE, "status": ("!=", "Failed"), "company": company},
		pluck="reference_name",
		limit=500,
	)
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	invoices = adapters.load_invoices(names, realm_id)
	try:
		client = get_client(company)
		export_settings, facts = build_export_settings(get_company_settings(company), client)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	# a customer under review or ignored blocks its invoices with the same words the run and the form use
	blocks = customer_blocks(invoices, realm_id)
	rows = [
		{"invoice": n, "status": s, "reason": r}
		for n, s, r in preview_batch(invoices, export_settings, facts)
	]
	by_name = {inv.name: inv for inv in invoices}
	for row in rows:
		inv = by_name[row["invoice"]]
		block = blocks.get(inv.customer)
		if block and inv.docstatus == 1 and row["status"] != "in QuickBooks":
			row.update(status="blocked", reason=block[1])
	return rows


@frappe.whitelist()
def get_qbo_link(doctype: str, name: str, company: str | None = None) -> str:
	"""The QuickBooks page of the document in its company's realm (a customer: `company`'s, or the
	default company's)."""
	require_roles(c.ADMIN_ROLE, "Accounts Manager", "Accounts User")
	if doctype == c.SALES_INVOICE:
		company, is_return = frappe.db.get_value(doctype, name, ["company", "is_return"])
		entity = "CreditMemo" if is_return else "Invoice"
	elif doctype == c.PAYMENT_ENTRY:
		company, entity = frappe.db.get_value(doctype, name, "company"), "Payment"
	elif doctype == c.CUSTOMER:
		entity = "Customer"
		company = company or default_company()
	else:
		frappe.throw(_("No QuickBooks record for {0}").format(doctype))
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	link = links.get_link(doctype, name, realm_id)
	if not link or not link.qbo_id:
		frappe.throw(_("{0} {1} is not in QuickBooks yet").format(doctype, name))
	return QBOClient.entity_url(build_config(None, realm_id), entity, link.qbo_id)


@frappe.whitelist(methods=["POST"])
def start_backfill(since: str, company: str | None = None) -> str:
	require_roles(c.ADMIN_ROLE)
	company = company or default_company()
	frappe.enqueue(
		"qbo_connector.invoice_sync.backfill_invoices",
		queue="long",
		job_id=f"qbo_backfill::{company}",
		company=company,
		deduplicate=True,
		enqueue_after_commit=True,
		since=str(getdate(since)),
		user=frappe.session.user,
	)
	return _("Backfill started; progress shows here.")


def backfill_invoices(since: str, user: str, company: str | None = None) -> dict:
	"""Queue every submitted invoice of the company since a date that is not in QBO (one statement,
	whatever their number), then run a sync (the same pre-flight) with realtime progress for the user who
	started it."""
	from qbo_connector.jobs import run_sync

	company = company or default_company()
	count = enqueue_invoices_since(company, since)
	publish_progress(user, count, count * 2, _("Queued {0} invoices").format(count))
	frappe.db.commit()  # nosemgrep: long job; the queue rows must exist before the run reads them
	# ends with the run's counts (run_sync publishes them), not a bare "Done"
	return run_sync(progress=run_progress(user, count, count), company=company, user=user)
