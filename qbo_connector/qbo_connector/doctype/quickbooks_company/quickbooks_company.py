# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

from frappe.model.document import Document

from qbo_connector.company_settings import clear_mapping_rows, requeue_held


class QuickBooksCompany(Document):
	"""The QuickBooks company (realm) one ERPNext company is synced to: its tokens, its connection state,
	its change-feed cursor and its last run. Connect / Disconnect / Test Connection are in connection.py,
	parameterised by the company."""

	def on_update(self):
		clear_mapping_rows(self)
		requeue_held(self, [self.name])

	def on_trash(self):
		clear_mapping_rows(self)
