"""Intuit's webhook: QuickBooks POSTs a signed notification when records change. The endpoint verifies the
`intuit-signature` (HMAC-SHA256 of the raw body with the verifier token, compared in constant time:
engine/webhooks.py) and queues a run of each connected company whose realm the notification names; the
run's change-feed sweep stays the source of truth, so a lost or repeated notification changes nothing. It
answers at once (Intuit waits a few seconds) and never says more than accepted / refused."""

from __future__ import annotations

import frappe

from qbo_connector import constants as c
from qbo_connector.engine.errors import InvalidWebhook
from qbo_connector.engine.webhooks import read_notification

PATH = "/api/method/qbo_connector.webhooks.receive"


@frappe.whitelist(allow_guest=True, methods=["POST"])
def receive() -> str:
	from qbo_connector.jobs import enqueue_sync

	settings = frappe.get_single(c.SETTINGS)
	token = settings.get_password("webhook_verifier_token", raise_exception=False) or ""
	try:
		notification = read_notification(frappe.request.get_data(), frappe.request.headers, token)
	except InvalidWebhook:
		frappe.local.response["http_status_code"] = 401
		return "refused"
	if not settings.enabled:
		return "accepted"
	for realm_id in sorted(notification.realms):
		company = frappe.db.get_value(
			c.QBO_COMPANY, {"realm_id": realm_id, "connection_status": c.CONNECTED}, "name"
		)
		if company:
			enqueue_sync(company)
	return "accepted"
