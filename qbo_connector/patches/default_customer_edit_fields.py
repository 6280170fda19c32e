"""Sites upgraded to customer edits: the new Customer Edits checks start on, as on a new install (a
migration stores 0 for a new Check of a Single)."""

import frappe

from qbo_connector import constants as c
from qbo_connector.customer_edits import OWNED_BY_SETTING


def execute() -> None:
	for setting in OWNED_BY_SETTING:
		frappe.db.set_single_value(c.SETTINGS, setting, 1)
