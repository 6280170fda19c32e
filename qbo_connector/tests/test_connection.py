"""Connect, the OAuth callback's refusals, token storage, disconnect and invalid_grant handling."""

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import callback, get_authorization_url
from qbo_connector.jobs import run_sync
from qbo_connector.tests.utils import (
	QBOTestCase,
	approve_consent,
	company_doc,
	expire_stored_access_token,
	refused,
)


class TestConnection(QBOTestCase):
	def test_connect_flow_stores_tokens_in_password_fields(self):
		redirect = self.connect()
		settings = frappe.get_single(c.SETTINGS)
		self.assertEqual(settings.connection_status, c.CONNECTED)
		self.assertEqual(settings.realm_id, redirect["realmId"])
		self.assertTrue(settings.qbo_company_name)
		self.assertEqual(settings.connected_by, "Administrator")
		self.assertTrue(settings.access_token_expires_on and settings.refresh_token_hard_expires_on)
		# the tokens live in the company's QuickBooks Company row (Password fields), not on Settings
		row = company_doc()
		self.assertTrue(row.get_password("refresh_token"))
		self.assertFalse(settings.get_password("refresh_token", raise_exception=False))
		# Password fields keep only asterisks in the row itself
		raw = frappe.db.get_value(c.QBO_COMPANY, row.name, "refresh_token")
		self.assertNotEqual(raw, row.get_password("refresh_token"))
		self.assertEqual(frappe.local.response.get("type"), "redirect")

	def test_callback_refuses_reused_foreign_or_missing_state(self):
		redirect = approve_consent(get_authorization_url())
		with refused(self, "invalid or was already used"):
			callback(code=redirect["code"], state="forged-state", realmId=redirect["realmId"])
		# the failed attempt consumed the stored state: the genuine one is now refused too (single use)
		with refused(self, "invalid or was already used"):
			callback(code=redirect["code"], state=redirect["state"], realmId=redirect["realmId"])
		with refused(self, "invalid or was already used"):
			callback(code=redirect["code"], state=None, realmId=redirect["realmId"])

	def test_callback_reports_intuit_error(self):
		url = get_authorization_url()
		state = frappe.cache.get_value(c.OAUTH_STATE_KEY, user=frappe.session.user)
		self.assertIn(state, url)
		with refused(self, "access_denied"):
			callback(state=state, error="access_denied")

	def test_enabling_without_connection_is_refused(self):
		settings = frappe.get_single(c.SETTINGS)
		settings.connection_status = c.NOT_CONNECTED
		settings.enabled = 1
		with self.assertRaisesRegex(frappe.ValidationError, "Connect to QuickBooks"):
			settings.save(ignore_permissions=True)

	def test_saving_without_credentials_is_refused(self):
		settings = frappe.get_single(c.SETTINGS)
		settings.client_id = ""
		with self.assertRaisesRegex(frappe.ValidationError, "Client ID"):
			settings.save(ignore_permissions=True)

	def test_invalid_grant_pauses_sync_notifies_and_keeps_the_queue(self):
		self.connect_and_enable()
		customer = self.make_customer("QBO Reconnect Customer")
		queued = frappe.db.count(c.SYNC_QUEUE)
		self.assertGreaterEqual(queued, 1)
		frappe.db.commit()
		self.sandbox.revoke_refresh_tokens()
		self.sandbox.expire_access_tokens()
		expire_stored_access_token()
		report = run_sync()
		self.assertEqual(report["status"], "paused")
		self.assertEqual(frappe.db.get_single_value(c.SETTINGS, "connection_status"), c.RECONNECT_REQUIRED)
		self.assertEqual(frappe.db.count(c.SYNC_QUEUE), queued)
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, {"reference_name": customer}))
		self.assertTrue(
			frappe.db.exists(
				"Notification Log", {"document_type": c.SETTINGS, "subject": ("like", "%Reconnect%")}
			)
		)
		# a second run does nothing while disconnected
		self.assertEqual(run_sync()["status"], "skipped")

	def test_test_connection_and_disconnect_revokes(self):
		from qbo_connector.connection import disconnect, test_connection

		self.connect_and_enable()
		self.assertTrue(test_connection()["company_name"])
		refresh_token = company_doc().get_password("refresh_token")
		disconnect()
		settings = frappe.get_single(c.SETTINGS)
		self.assertEqual(settings.connection_status, c.NOT_CONNECTED)
		self.assertFalse(settings.enabled)
		self.assertFalse(company_doc().get_password("refresh_token", raise_exception=False))
		# the revoked refresh token no longer works at Intuit (the sandbox)
		from qbo_connector.connection import build_config
		from qbo_connector.engine.client import refresh_tokens
		from qbo_connector.engine.errors import ReconnectRequired

		with self.assertRaises(ReconnectRequired):
			refresh_tokens(build_config(), refresh_token)
