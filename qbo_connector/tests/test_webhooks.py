"""Intuit's webhook on the site: the sandbox's signed notification (its own signer, Intuit's format) starts a
run of the company whose realm changed; a notification that is not signed with the verifier token is
refused with 401 and starts nothing; a realm no company is connected to starts nothing."""

import json
from unittest.mock import patch

from werkzeug.test import EnvironBuilder

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.tests.utils import QBOTestCase
from qbo_connector.webhooks import receive

TOKEN = "verifier-token-from-the-intuit-app"


class TestWebhooks(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()
		settings = frappe.get_single(c.SETTINGS)
		settings.webhook_verifier_token = TOKEN
		settings.save(ignore_permissions=True)
		self.sent = []
		self.sandbox.configure_webhook(
			url="http://site.invalid/api/method/qbo_connector.webhooks.receive",
			verifier_token=TOKEN,
			auto=False,
			sender=lambda url, body, headers, timeout: self.sent.append((body, headers)) or 200,
		)
		self.addCleanup(self.sandbox.configure_webhook, url="", verifier_token="")

	def tearDown(self):
		frappe.set_user("Administrator")
		frappe.local.request = None

	def notification(self) -> tuple[bytes, dict]:
		name = f"Webhook Walk-in {frappe.generate_hash(length=6)}"
		get_client().create("Customer", {"DisplayName": name}, request_id=frappe.generate_hash(length=12))
		self.sandbox.deliver_webhooks()
		self.assertTrue(self.sent, "the sandbox sent nothing")
		return self.sent[-1]

	def post(self, body: bytes, headers: dict) -> tuple[str, int]:
		frappe.local.request = EnvironBuilder(method="POST", data=body, headers=headers).get_request()
		frappe.local.response = frappe._dict({"docs": []})
		frappe.set_user("Guest")
		with patch("frappe.enqueue") as enqueue:
			answer = receive()
		frappe.set_user("Administrator")
		self.enqueued = [call.kwargs.get("company") for call in enqueue.call_args_list]
		return answer, frappe.local.response.get("http_status_code", 200)

	def test_a_signed_notification_starts_a_run_of_its_company(self):
		body, headers = self.notification()
		self.assertEqual(self.post(body, headers), ("accepted", 200))
		self.assertEqual(self.enqueued, [self.company])

	def test_a_notification_not_signed_with_the_verifier_token_is_refused(self):
		body, headers = self.notification()
		forged = body.replace(b"Customer", b"Invoice") if b"Customer" in body else body + b" "
		self.assertEqual(self.post(forged, headers), ("refused", 401))
		self.assertEqual(self.post(body, {"Content-Type": "application/json"}), ("refused", 401))
		self.assertEqual(self.enqueued, [])

	def test_a_realm_no_company_holds_starts_nothing(self):
		body, headers = self.notification()
		realm = self.sandbox.realm_ids[0]
		frappe.db.set_value(c.QBO_COMPANY, self.company, "connection_status", c.RECONNECT_REQUIRED)
		self.addCleanup(frappe.db.set_value, c.QBO_COMPANY, self.company, "connection_status", c.CONNECTED)
		self.assertIn(realm, json.dumps(json.loads(body)))
		self.assertEqual(self.post(body, headers), ("accepted", 200))
		self.assertEqual(self.enqueued, [])
