# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from qbo_connector import constants as c
from qbo_connector.api import USER_ROLES, link_customer
from qbo_connector.connection import default_company
from qbo_connector.jobs import retry_records
from qbo_connector.links import set_link
from qbo_connector.permissions import require_roles
from qbo_connector.writeback import release_waiting_invoices


class QuickBooksCustomerMatch(Document):
	"""Review queue row: an uncertain match waits here until someone decides Link / Create New / Ignore."""

	def _decide(self, status: str, qbo_id: str = "") -> None:
		require_roles(*USER_ROLES)
		if self.status != c.REVIEW_OPEN:
			frappe.throw(_("This match was already decided: {0}").format(self.status))
		self.status = status
		self.linked_qbo_customer_id = qbo_id
		self.decided_by = frappe.session.user
		self.decided_on = now_datetime()
		self.save(ignore_permissions=True)

	@frappe.whitelist()
	def link(self, qbo_customer_id: str, reactivate: bool = False) -> str:
		"""Link to one of the candidates (or any QuickBooks customer id); `reactivate` first makes an
		inactive candidate active again in QuickBooks."""
		message = link_customer(self.customer, qbo_customer_id, reactivate, self.company or None)
		self.reload()
		if self.status == c.REVIEW_OPEN:
			self._decide(c.REVIEW_LINKED, qbo_customer_id)
		return message

	@frappe.whitelist()
	def create_new(self) -> str:
		"""Create a new QuickBooks customer on the next run, even though candidates exist."""
		self._decide(c.REVIEW_CREATE)
		retry_records(c.CUSTOMER, [self.customer], self.company or None)
		return _("A new QuickBooks customer will be created on the next sync")

	@frappe.whitelist()
	def ignore(self) -> str:
		"""Do not sync this customer; its invoices stay held with that reason."""
		self._decide(c.REVIEW_IGNORED)
		company = self.company or default_company()
		realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
		set_link(c.CUSTOMER, self.customer, realm_id, company, {"match_status": c.MATCH_IGNORED})
		release_waiting_invoices(self.customer, company)  # next run holds them, saying why
		return _("Customer ignored for QuickBooks")
