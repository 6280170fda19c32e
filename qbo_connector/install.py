"""Custom fields are created after install and removed before uninstall; the field set lives here."""

import click

import frappe
from frappe.custom.doctype.custom_field.custom_field import create_custom_fields

from qbo_connector import constants as c

SYNC_STATUSES = "\nQueued\nSynced\nNeeds Review\nWaiting for Customer\nHeld\nFailed\nVoided"
PAYMENT_STATUSES = "\nQueued\nSynced\nWaiting for Customer\nWaiting for Invoice\nHeld\nFailed\nVoided"


def get_custom_fields() -> dict[str, list[dict]]:
	hidden_id = {"read_only": 1, "no_copy": 1, "print_hide": 1}
	return {
		c.CUSTOMER: [
			{
				"fieldname": "qbo_section",
				"fieldtype": "Section Break",
				"label": "QuickBooks",
				"collapsible": 1,
				"insert_after": "companies",
			},
			{
				"fieldname": c.CUSTOMER_QBO_ID,
				"fieldtype": "Data",
				"label": "QuickBooks Customer Id",
				"insert_after": "qbo_section",
				"search_index": 1,
				**hidden_id,
			},
			{
				"fieldname": c.CUSTOMER_SYNC_STATUS,
				"fieldtype": "Select",
				"label": "QuickBooks Sync Status",
				"options": SYNC_STATUSES,
				"insert_after": c.CUSTOMER_QBO_ID,
				**hidden_id,
			},
			{
				"fieldname": c.CUSTOMER_MATCH_STATUS,
				"fieldtype": "Select",
				"label": "QuickBooks Match Status",
				"options": "\nLinked\nCreated\nNeeds Review\nIgnored",
				"insert_after": c.CUSTOMER_SYNC_STATUS,
				**hidden_id,
			},
			{
				"fieldname": c.CUSTOMER_LAST_ERROR,
				"fieldtype": "Small Text",
				"label": "QuickBooks Last Error",
				"insert_after": c.CUSTOMER_MATCH_STATUS,
				**hidden_id,
			},
		],
		c.SALES_INVOICE: [
			{
				"fieldname": "qbo_section",
				"fieldtype": "Section Break",
				"label": "QuickBooks",
				"collapsible": 1,
				"insert_after": "remarks",
			},
			{
				"fieldname": c.INVOICE_SYNC_STATUS,
				"fieldtype": "Select",
				"label": "QuickBooks Sync Status",
				"options": SYNC_STATUSES,
				"insert_after": "qbo_section",
				"allow_on_submit": 1,
				"in_standard_filter": 1,
				"in_list_view": 1,
				**hidden_id,
			},
			{
				"fieldname": c.INVOICE_QBO_ID,
				"fieldtype": "Data",
				"label": "QuickBooks Invoice Id",
				"insert_after": c.INVOICE_SYNC_STATUS,
				"allow_on_submit": 1,
				"search_index": 1,
				**hidden_id,
			},
			{
				"fieldname": c.INVOICE_DOC_NUMBER,
				"fieldtype": "Data",
				"label": "QuickBooks Doc Number",
				"insert_after": c.INVOICE_QBO_ID,
				"allow_on_submit": 1,
				**hidden_id,
			},
			{
				"fieldname": "qbo_column_break",
				"fieldtype": "Column Break",
				"insert_after": c.INVOICE_DOC_NUMBER,
			},
			{
				"fieldname": c.INVOICE_LAST_SYNCED,
				"fieldtype": "Datetime",
				"label": "QuickBooks Last Synced On",
				"insert_after": "qbo_column_break",
				"allow_on_submit": 1,
				**hidden_id,
			},
			{
				"fieldname": c.INVOICE_LAST_ERROR,
				"fieldtype": "Small Text",
				"label": "QuickBooks Last Error",
				"insert_after": c.INVOICE_LAST_SYNCED,
				"allow_on_submit": 1,
				**hidden_id,
			},
			{
				"fieldname": c.INVOICE_QBO_BALANCE,
				"fieldtype": "Currency",
				"label": "QuickBooks Balance",
				"options": "currency",
				"insert_after": c.INVOICE_LAST_ERROR,
				"allow_on_submit": 1,
				**hidden_id,
			},
			{
				"fieldname": c.INVOICE_SYNC_TOKEN,
				"fieldtype": "Data",
				"label": "QuickBooks Sync Token",
				"insert_after": c.INVOICE_QBO_BALANCE,
				"allow_on_submit": 1,
				"hidden": 1,
				**hidden_id,
			},
		],
		c.PAYMENT_ENTRY: [
			{
				"fieldname": "qbo_section",
				"fieldtype": "Section Break",
				"label": "QuickBooks",
				"collapsible": 1,
				"insert_after": "remarks",
			},
			{
				"fieldname": c.PAYMENT_SYNC_STATUS,
				"fieldtype": "Select",
				"label": "QuickBooks Sync Status",
				"options": PAYMENT_STATUSES,
				"insert_after": "qbo_section",
				"allow_on_submit": 1,
				"in_standard_filter": 1,
				**hidden_id,
			},
			{
				"fieldname": c.PAYMENT_QBO_ID,
				"fieldtype": "Data",
				"label": "QuickBooks Payment Id",
				"insert_after": c.PAYMENT_SYNC_STATUS,
				"allow_on_submit": 1,
				"search_index": 1,
				**hidden_id,
			},
			{
				"fieldname": c.PAYMENT_LAST_ERROR,
				"fieldtype": "Small Text",
				"label": "QuickBooks Last Error",
				"insert_after": c.PAYMENT_QBO_ID,
				"allow_on_submit": 1,
				**hidden_id,
			},
		],
	}


def after_install() -> None:
	setup_custom_fields()
	click.secho(
		"QBO Connector: custom fields created on Customer, Sales Invoice and Payment Entry", fg="green"
	)


def setup_custom_fields() -> None:
	create_custom_fields(get_custom_fields(), ignore_validate=True, update=True)


def before_uninstall() -> None:
	delete_custom_fields()
	delete_stored_secrets()
	click.secho("QBO Connector: custom fields and stored tokens removed", fg="yellow")


def delete_stored_secrets() -> None:
	"""Password fields live in __Auth, which dropping the doctypes' tables does not clear."""
	frappe.db.delete("__Auth", {"doctype": ("in", [c.SETTINGS, c.QBO_COMPANY])})


def delete_custom_fields() -> None:
	"""Delete our Custom Field rows (and their property setters) and drop the columns they added."""
	for doctype, fields in get_custom_fields().items():
		columns = set(frappe.db.get_table_columns(doctype))
		for field in fields:
			name = frappe.db.get_value("Custom Field", {"dt": doctype, "fieldname": field["fieldname"]})
			if name:
				frappe.delete_doc("Custom Field", name, ignore_permissions=True, force=True)
			if field["fieldname"] in columns:
				frappe.db.sql_ddl(f"ALTER TABLE `tab{doctype}` DROP COLUMN `{field['fieldname']}`")
		frappe.clear_cache(doctype=doctype)
