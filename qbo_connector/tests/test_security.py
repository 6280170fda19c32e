"""Every whitelisted method checks its role; secrets never reach logs."""

import frappe

from qbo_connector import constants as c
from qbo_connector.jobs import run_sync
from qbo_connector.tests.utils import QBOTestCase, company_doc, expire_stored_access_token

ADMIN_METHODS = [
	"qbo_connector.connection.get_authorization_url",
	"qbo_connector.connection.disconnect",
	"qbo_connector.connection.test_connection",
	"qbo_connector.jobs.sync_now",
	"qbo_connector.api.preview_matches",
	"qbo_connector.invoice_sync.start_backfill",
	"qbo_connector.connection.reset_links",
	"qbo_connector.connection.get_link_counts",
	"qbo_connector.api.get_scheduler_warning",
]
USER_METHODS = [
	"qbo_connector.api.retry",
	"qbo_connector.api.sync_record_now",
	"qbo_connector.api.link_customer",
	"qbo_connector.api.search_qbo_customers",
	"qbo_connector.api.get_status",
	"qbo_connector.invoice_sync.preview_next_batch",
	"qbo_connector.invoice_sync.get_qbo_link",
	"qbo_connector.api.retry_logs",
	"qbo_connector.api.unlink_customer",
	"qbo_connector.api.get_document_links",
	"qbo_connector.api.get_reconnect_days",
	"qbo_connector.qbo_connector.dashboard_chart_source.quickbooks_runs.quickbooks_runs.get",
]
SALES_USER = "qbo-sales-user@example.com"


def ensure_sales_user() -> str:
	if not frappe.db.exists("User", SALES_USER):
		user = frappe.get_doc(
			{"doctype": "User", "email": SALES_USER, "first_name": "Sales", "send_welcome_email": 0}
		)
		user.insert(ignore_permissions=True)
		user.add_roles("Sales User")
	return SALES_USER


class TestSecurity(QBOTestCase):
	def tearDown(self):
		frappe.set_user("Administrator")

	def test_sales_user_is_refused_by_admin_and_accounts_methods(self):
		ensure_sales_user()
		frappe.set_user(SALES_USER)
		for method in ADMIN_METHODS + USER_METHODS:
			with self.subTest(method=method), self.assertRaises(frappe.PermissionError):
				frappe.call(
					frappe.get_attr(method),
					doctype="Customer",
					names=[],
					name="x",
					customer="x",
					qbo_customer_id="1",
					since="2026-01-01",
				)

	def test_every_whitelisted_module_method_is_in_a_list_above(self):
		"""A new whitelisted function must be added to ADMIN_METHODS or USER_METHODS (and so be shown to
		refuse a Sales User); found by reading the app's modules, not from a hand-kept list."""
		import importlib
		import inspect
		import pkgutil

		import qbo_connector

		# the OAuth callback (login and role checked inside) and Intuit's webhook (a guest POST, refused
		# unless signed with the verifier token: test_webhooks.py) are reached without a role list
		listed = {
			*ADMIN_METHODS,
			*USER_METHODS,
			"qbo_connector.connection.callback",
			"qbo_connector.webhooks.receive",
		}
		found = set()
		skipped = (
			"qbo_connector.tests",
			"qbo_connector.sandbox",
			"qbo_connector.engine",
			"qbo_connector.demo",
		)
		for info in pkgutil.walk_packages(qbo_connector.__path__, "qbo_connector."):
			if info.name.startswith(skipped) or info.name.endswith(".patches") or ".patches." in info.name:
				continue
			module = importlib.import_module(info.name)
			for name, function in inspect.getmembers(module, inspect.isfunction):
				if function.__module__ == module.__name__ and function in frappe.whitelisted:
					found.add(f"{module.__name__}.{name}")
		self.assertTrue(found)
		self.assertEqual(found - listed, set())

	def test_guest_cannot_reach_the_callback_or_any_method(self):
		from frappe.handler import is_whitelisted

		frappe.set_user("Guest")
		for method in ["qbo_connector.connection.callback", *ADMIN_METHODS, *USER_METHODS]:
			with self.subTest(method=method), self.assertRaises(frappe.PermissionError):
				is_whitelisted(frappe.get_attr(method))

	def test_callback_is_get_only(self):
		from frappe.handler import is_valid_http_method

		frappe.local.request = frappe._dict(method="POST")
		try:
			with self.assertRaises(frappe.PermissionError):
				is_valid_http_method(frappe.get_attr("qbo_connector.connection.callback"))
		finally:
			frappe.local.request = None

	def test_no_secret_reaches_logs(self):
		self.connect_and_enable()
		customer = self.make_customer("QBO Secret Customer")
		self.make_invoice(customer)
		frappe.db.commit()
		self.sandbox.script_fault("500", count=2)
		run_sync()
		self.sandbox.revoke_refresh_tokens()
		self.sandbox.expire_access_tokens()
		expire_stored_access_token()
		run_sync()
		settings = frappe.get_single(c.SETTINGS)
		row = company_doc()
		secrets = [settings.get_password("client_secret", raise_exception=False)] + [
			row.get_password(f, raise_exception=False) for f in ("access_token", "refresh_token")
		]
		secrets = [s for s in secrets if s]
		self.assertTrue(secrets)
		haystacks = []
		for doctype, fields in (
			("Error Log", ["method", "error"]),
			(c.SYNC_LOG, ["message", "detail"]),
			(c.SYNC_QUEUE, ["last_error"]),
			("Notification Log", ["subject", "email_content"]),
		):
			for row in frappe.get_all(doctype, fields=fields, limit=1000, order_by="creation desc"):
				haystacks.extend(str(v) for v in row.values())
		for secret in secrets:
			self.assertFalse(any(secret in h for h in haystacks))
