# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_url

from qbo_connector import constants as c
from qbo_connector import webhooks
from qbo_connector.company_settings import clear_mapping_rows, requeue_held
from qbo_connector.connection import get_redirect_uri


class QuickBooksSettings(Document):
	def validate(self):
		self.redirect_uri = get_redirect_uri()
		self.webhook_endpoint = get_url(webhooks.PATH)
		if self.environment == "Custom" and not (self.base_url or "").startswith(("http://", "https://")):
			frappe.throw(_("The Custom environment needs a base URL such as http://127.0.0.1:8765"))
		if not self.client_id or not self.get_password("client_secret", raise_exception=False):
			frappe.throw(_("Enter the Client ID and Client Secret of your Intuit app"))
		if self.enabled and self.connection_status != c.CONNECTED and not self.other_connected_companies():
			frappe.throw(_("Connect to QuickBooks before enabling the integration"))
		if self.enabled and not self.company:
			frappe.throw(_("Choose the ERPNext Company that is synced to this QuickBooks company"))
		if (self.sync_frequency == "Every N Minutes") and int(self.sync_interval or 0) < 5:
			frappe.throw(_("Sync every N minutes needs N of at least 5"))
		self.clear_connection_if_app_changed()

	def on_update(self):
		clear_mapping_rows(self)
		# the Settings' choices and mappings are every company's defaults
		requeue_held(self, frappe.get_all(c.QBO_COMPANY, pluck="name", limit=0))

	def other_connected_companies(self) -> list[str]:
		return frappe.get_all(
			c.QBO_COMPANY,
			filters={"connection_status": c.CONNECTED, "name": ("!=", self.company or "")},
			pluck="name",
			limit=1,
		)

	def clear_connection_if_app_changed(self):
		"""Tokens belong to one Intuit app and environment: changing either disconnects every company."""
		before = self.get_doc_before_save()
		if not before or self.connection_status == c.NOT_CONNECTED:
			return
		if (before.client_id, before.environment, before.base_url) != (
			self.client_id,
			self.environment,
			self.base_url,
		):
			self.connection_status = c.NOT_CONNECTED
			self.enabled = 0
			for field in ("realm_id", "qbo_company_name"):
				self.set(field, "")
			for company in frappe.get_all(c.QBO_COMPANY, pluck="name", limit=0):
				doc = frappe.get_doc(c.QBO_COMPANY, company)
				doc.update(
					{
						"connection_status": c.NOT_CONNECTED,
						"access_token": "",
						"refresh_token": "",
						"realm_id": "",
					}
				)
				doc.save(ignore_permissions=True)
			frappe.msgprint(_("The Intuit app or environment changed: connect to QuickBooks again"))
