# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document

from qbo_connector import constants as c


class QuickBooksLink(Document):
	"""One document's link to one QuickBooks company (realm). Written by the sync (links.py), never by
	hand; the custom fields on Customer and Sales Invoice are a read-only view of it."""


def on_doctype_update():
	frappe.db.add_unique(
		c.LINK, ["reference_doctype", "reference_name", "realm_id"], constraint_name="unique_reference_realm"
	)
	frappe.db.add_index(c.LINK, ["realm_id", "reference_doctype", "qbo_id"])
