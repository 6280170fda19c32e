# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from qbo_connector.queue import queue_name


class QuickBooksSyncQueue(Document):
	"""One row per document waiting for QuickBooks, named after the document so it deduplicates."""

	def autoname(self):
		self.name = queue_name(self.reference_doctype, self.reference_name)
