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
	"balance_cursor",
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
	"""The run context of one company. Without `settings`, the Settings and the company's row are read as
	values (two queries) and their mapping tables come from a cache that a save of either clears
	(`mapping_rows`): a run with nothing to do reads no child table."""
	if settings is None:
		context = frappe._dict(frappe.db.get_singles_dict(c.SETTINGS, cast=True))
		context.update(mapping_rows(c.SETTINGS, c.SETTINGS))
	else:
		context = frappe._dict(settings.as_dict())
	context.default_company = context.get("company") or ""
	context.update(
		realm_id="",
		connection_status=c.NOT_CONNECTED,
		cdc_cursor="",
		payment_cursor="",
		balance_cursor="",
		directory_cursor="",
		last_sync_on=None,
	)
	fields = [*CONNECTION_FIELDS, *CHOICE_FIELDS]
	row = frappe.db.get_value(c.QBO_COMPANY, company, fields, as_dict=True) if company else None
	if row:
		context.update({field: row.get(field) for field in CONNECTION_FIELDS})
		context.update({field: row.get(field) for field in CHOICE_FIELDS if row.get(field)})
		own = mapping_rows(c.QBO_COMPANY, company)
		for table in MAPPING_TABLES:
			context[table] = list(context.get(table) or []) + own[table]
	context.company = company
	context.is_run_context = True
	return context


def mapping_rows(doctype: str, name: str) -> dict[str, list]:
	"""The mapping tables of QuickBooks Settings or of a QuickBooks Company, cached until it is saved."""
	key = f"qbo_mapping_rows::{doctype}::{name}"
	rows = frappe.cache.get_value(key)
	if rows is None:
		meta = frappe.get_meta(doctype)
		rows = {
			table: frappe.get_all(
				meta.get_field(table).options,
				filters={"parent": name, "parenttype": doctype, "parentfield": table},
				fields=["*"],
				order_by="idx asc",
				limit=0,
			)
			for table in MAPPING_TABLES
		}
		frappe.cache.set_value(key, rows)
	return rows


def clear_mapping_rows(doc, method=None) -> None:
	"""on_update and on_trash of QuickBooks Settings and QuickBooks Company."""
	frappe.cache.delete_value(f"qbo_mapping_rows::{doc.doctype}::{doc.name}")


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
