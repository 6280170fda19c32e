# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import now_datetime

from qbo_connector import constants as c
from qbo_connector.api import USER_ROLES, link_customer
from qbo_connector.connection import default_company
from qbo_connector.engine.records import NEEDS_REVIEW
from qbo_connector.jobs import retry_records
from qbo_connector.links import get_link, set_link
from qbo_connector.permissions import require_roles
from qbo_connector.queue import queue_name
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
		"""Do not sync this customer; its invoices stay held with that reason. The customer's state is
		Ignored, and only that: the review's reason and its queue row go."""
		self._decide(c.REVIEW_IGNORED)
		company = self.company or default_company()
		set_link(
			c.CUSTOMER,
			self.customer,
			self.realm_id(company),
			company,
			{"match_status": c.MATCH_IGNORED, "status": "", "last_error": ""},
		)
		frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.CUSTOMER, self.customer, company)})
		release_waiting_invoices(self.customer, company)  # next run holds them, saying why
		return _("Customer ignored for QuickBooks")

	@frappe.whitelist()
	def reopen(self) -> str:
		"""Take back Ignore or Create New (while nothing was created yet): the review is open again, with
		its Link / Create New / Ignore. A link is taken back on the Customer form (Unlink)."""
		require_roles(*USER_ROLES)
		company = self.company or default_company()
		link = get_link(c.CUSTOMER, self.customer, self.realm_id(company))
		if self.status == c.REVIEW_OPEN:
			return _("This match is open")
		if self.status == c.REVIEW_LINKED or (link and link.qbo_id):
			frappe.throw(_("The customer is linked in QuickBooks: unlink it on the Customer form first"))
		self.update({"status": c.REVIEW_OPEN, "linked_qbo_customer_id": "", "decided_by": None})
		self.decided_on = None
		self.save(ignore_permissions=True)
		set_link(
			c.CUSTOMER,
			self.customer,
			self.realm_id(company),
			company,
			{"match_status": c.MATCH_REVIEW, "status": NEEDS_REVIEW, "last_error": self.reason or ""},
		)
		frappe.db.delete(c.SYNC_QUEUE, {"name": queue_name(c.CUSTOMER, self.customer, company)})
		# invoices held because the customer was ignored wait for the decision instead
		release_waiting_invoices(self.customer, company, also_held=True)
		return _("The match is open again")

	@staticmethod
	def realm_id(company: str) -> str:
		return frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
