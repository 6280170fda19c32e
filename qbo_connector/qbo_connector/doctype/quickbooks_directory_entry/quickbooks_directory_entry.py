# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document


class QuickBooksDirectoryEntry(Document):
	pass
