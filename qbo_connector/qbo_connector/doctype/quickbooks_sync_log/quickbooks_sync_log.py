# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

from pypika.terms import ExistsCriterion

import frappe
from frappe.model.document import Document
from frappe.query_builder import Interval
from frappe.query_builder.functions import Now


class QuickBooksSyncLog(Document):
	@staticmethod
	def clear_old_logs(days: int = 30) -> None:
		"""Called daily by Log Settings. Rows not seen for `days` go if they are successes, or errors
		resolved since (the same record has a later success); unresolved errors and reviews stay."""
		table = frappe.qb.DocType("QuickBooks Sync Log")
		later = frappe.qb.DocType("QuickBooks Sync Log").as_("later")
		cutoff = Now() - Interval(days=days)
		resolved = (
			frappe.qb.from_(later)
			.select(later.name)
			.where(
				(later.reference_doctype == table.reference_doctype)
				& (later.reference_name == table.reference_name)
				& (later.status == "Success")
				& (later.modified > table.modified)
			)
		)
		stale = (
			frappe.qb.from_(table)
			.select(table.name)
			.where((table.modified < cutoff) & (table.status != "Success") & ExistsCriterion(resolved))
			.run(pluck=True)
		)
		if stale:
			frappe.db.delete(table, filters=table.name.isin(stale))
		frappe.db.delete(table, filters=(table.modified < cutoff) & (table.status == "Success"))
