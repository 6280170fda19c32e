"""What one company's run reads: QuickBooks Settings (the Intuit app, the global defaults and mappings)
overlaid with the company's QuickBooks Company row: its realm, connection and cursor, and its own export
choices and mappings where it sets them. With one company and nothing set on its row, a run reads the
Settings exactly."""

from __future__ import annotations

import frappe

from qbo_connector import constants as c

CONNECTION_FIELDS = (
	"realm_id",
	"connection_status",
	"cdc_cursor",
	"payment_cursor",
	"directory_cursor",
	"last_sync_on",
)
# A value set on the company wins; an empty one leaves the Settings' default.
CHOICE_FIELDS = (
	"default_item",
	"rounding_item",
	"default_tax_code",
	"amend_policy",
	"currency_policy",
	"default_deposit_account",
)
# The company's rows come after the Settings' rows: the maps built from them keep the last row per key,
# so a company row wins over a Settings row for the same ERPNext item, income account, cost center, tax,
# account or mode of payment.
MAPPING_TABLES = (
	"item_mappings",
	"income_account_mappings",
	"cost_center_mappings",
	"tax_mappings",
	"deposit_account_mappings",
	"payment_method_mappings",
)


def get_company_settings(company: str, settings=None) -> frappe._dict:
	settings = settings or frappe.get_single(c.SETTINGS)
	context = frappe._dict(settings.as_dict())
	context.update(
		realm_id="",
		connection_status=c.NOT_CONNECTED,
		cdc_cursor="",
		payment_cursor="",
		directory_cursor="",
		last_sync_on=None,
	)
	if company and frappe.db.exists(c.QBO_COMPANY, company):
		row = frappe.get_doc(c.QBO_COMPANY, company)
		context.update({field: row.get(field) for field in CONNECTION_FIELDS})
		context.update({field: row.get(field) for field in CHOICE_FIELDS if row.get(field)})
		for table in MAPPING_TABLES:
			context[table] = list(context.get(table) or []) + [r.as_dict() for r in row.get(table)]
	context.company = company
	context.is_run_context = True
	return context


def mappings_of(doc) -> str:
	"""The export choices and mapping rows of Settings or a QuickBooks Company, as one comparable value."""
	rows = {
		table: sorted(
			tuple(sorted((k, str(v or "")) for k, v in row.as_dict().items() if k not in ROW_META))
			for row in doc.get(table) or []
		)
		for table in MAPPING_TABLES
	}
	return repr(({field: doc.get(field) or "" for field in CHOICE_FIELDS}, rows))


ROW_META = {"name", "idx", "parent", "parenttype", "parentfield", "owner", "creation", "modified"}
ROW_META |= {"modified_by", "docstatus", "doctype", "__islocal", "__unsaved"}


def requeue_held(doc, companies: list[str]) -> None:
	"""on_update of Settings or a QuickBooks Company: when a choice or mapping changed, the invoices and
	payments Held in those companies go back to the queue by themselves (the next run holds again those
	whose reason was something else)."""
	from qbo_connector.jobs import retry_records

	before = doc.get_doc_before_save()
	if before is None or mappings_of(before) == mappings_of(doc) or not companies:
		return
	for doctype in (c.SALES_INVOICE, c.PAYMENT_ENTRY):
		names = frappe.get_all(
			doctype,
			filters={"company": ("in", companies), "docstatus": 1, "qbo_sync_status": "Held"},
			pluck="name",
			limit=0,
		)
		if names:
			retry_records(doctype, names)
