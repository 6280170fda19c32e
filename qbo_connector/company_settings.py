"""What one company's run reads: QuickBooks Settings (the Intuit app, the global defaults and mappings)
overlaid with the company's QuickBooks Company row: its realm, connection and cursor, and its own export
choices and mappings where it sets them. With one company and nothing set on its row, a run reads the
Settings exactly."""

from __future__ import annotations

import frappe

from qbo_connector import constants as c

CONNECTION_FIELDS = ("realm_id", "connection_status", "cdc_cursor", "payment_cursor", "last_sync_on")
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
# so a company row wins over a Settings row for the same ERPNext item, tax, account or mode of payment.
MAPPING_TABLES = ("item_mappings", "tax_mappings", "deposit_account_mappings", "payment_method_mappings")


def get_company_settings(company: str, settings=None) -> frappe._dict:
	settings = settings or frappe.get_single(c.SETTINGS)
	context = frappe._dict(settings.as_dict())
	context.update(
		realm_id="", connection_status=c.NOT_CONNECTED, cdc_cursor="", payment_cursor="", last_sync_on=None
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
