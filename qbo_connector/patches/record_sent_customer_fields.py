"""Sites linked before customer edits were sent: record each linked customer's fields as sent, so that the
first edit after the upgrade reaches QuickBooks (a link seen for the first time is only recorded)."""

import frappe

from qbo_connector import constants as c
from qbo_connector.customer_edits import record_sent_fields


def execute() -> None:
	settings = frappe.get_single(c.SETTINGS)
	for row in frappe.get_all(c.QBO_COMPANY, fields=["name", "realm_id"], limit=0):
		if row.realm_id:
			record_sent_fields(row.realm_id, settings)
