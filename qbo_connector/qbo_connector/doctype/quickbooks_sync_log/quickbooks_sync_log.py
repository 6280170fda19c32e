# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class QuickBooksSyncLog(Document):
	@staticmethod
	def clear_old_logs(days: int = 30) -> None:
		"""Called daily by Log Settings: old successes go; failures and reviews stay until handled."""
		table = frappe.qb.DocType("QuickBooks Sync Log")
		frappe.db.delete(
			table, filters=(table.modified < (Now() - Interval(days=days))) & (table.status == "Success")
		)
