"""The sandbox's webhook (sandbox/webhooks.py): Intuit-shaped notifications, signed with the verifier token.
The signature is recomputed here from Intuit's rule (base64 of HMAC-SHA256 over the raw body), not with the
sandbox's own function."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from qbo_connector.sandbox.webhooks import http_sender

from .conftest import Raw

TOKEN = "verifier-0123456789"


class Inbox:
	"""An injected sender: keeps what would have been POSTed."""

	def __init__(self, status: int = 200):
		self.posts: list[tuple[str, bytes, dict]] = []
		self.status = status

	def __call__(self, url: str, body: bytes, headers: dict, timeout: float) -> int:
		self.posts.append((url, body, headers))
		return self.status

	def events(self) -> list[dict]:
		out = []
		for _, body, _ in self.posts:
			payload = json.loads(body)
			out.extend(payload if isinstance(payload, list) else [payload])
		return out


def intuit_signature(body: bytes, token: str = TOKEN) -> str:
	return base64.b64encode(hmac.new(token.encode(), body, hashlib.sha256).digest()).decode()


@pytest.fixture
def inbox(sb) -> Inbox:
	box = Inbox()
	sb.configure_webhook(url="https://erp.example/webhook", verifier_token=TOKEN, sender=box)
	return box


def make_invoice(raw: Raw, customer="1", amount=100) -> dict:
	line = {"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": {}}
	return raw.create("Invoice", {"CustomerRef": {"value": customer}, "Line": [line]})


def make_payment(raw: Raw, invoice: dict, amount=40) -> dict:
	line = {"Amount": amount, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
	return raw.create("Payment", {"CustomerRef": invoice["CustomerRef"], "TotalAmt": amount, "Line": [line]})


def test_a_payment_created_in_quickbooks_is_posted_as_a_signed_cloud_event(sb, raw, inbox):
	invoice = make_invoice(raw)
	payment = make_payment(raw, invoice)
	assert len(inbox.posts) == 2  # one POST per API request while auto delivery is on
	url, body, headers = inbox.posts[-1]
	assert url == "https://erp.example/webhook"
	assert headers["intuit-signature"] == intuit_signature(body)
	[event] = json.loads(body)
	assert event["specversion"] == "1.0" and event["type"] == "qbo.payment.created.v1"
	assert event["intuitaccountid"] == raw.realm and event["intuitentityid"] == payment["Id"]
	assert event["source"].startswith("intuit.") and event["id"] and event["time"]
	assert "data" not in event  # Intuit's data objects: none for a plain create/update


def test_void_delete_update_and_merge_each_notify(sb, raw, inbox):
	invoice = make_invoice(raw)
	payment = make_payment(raw, invoice)
	raw.post(
		"payment", {"Id": payment["Id"], "SyncToken": "0", "sparse": True}, operation="update", include="void"
	)
	other = make_payment(raw, make_invoice(raw, amount=50), 50)
	assert raw.post("payment", {"Id": other["Id"], "SyncToken": "0"}, operation="delete").status_code == 200
	invoice = raw.get(f"invoice/{invoice['Id']}").json()["Invoice"]
	body = {"Id": invoice["Id"], "SyncToken": invoice["SyncToken"], "sparse": True, "PrivateNote": "x"}
	assert raw.post("invoice", body).status_code == 200
	sb.merge(raw.realm, "2", "1")
	types = [(e["type"], e["intuitentityid"]) for e in inbox.events()]
	assert ("qbo.payment.voided.v1", payment["Id"]) in types
	assert ("qbo.payment.deleted.v1", other["Id"]) in types
	assert ("qbo.invoice.updated.v1", invoice["Id"]) in types
	merged = inbox.events()[-1]
	assert merged["type"] == "qbo.customer.merged.v1" and merged["intuitentityid"] == "1"
	assert merged["data"] == {"deletedid": "2"}


def test_refused_writes_and_replayed_requestids_do_not_notify(sb, raw, inbox):
	invoice = make_invoice(raw)
	too_much = {"Amount": 500, "LinkedTxn": [{"TxnId": invoice["Id"], "TxnType": "Invoice"}]}
	refused = raw.post("payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 500, "Line": [too_much]})
	assert refused.status_code == 400
	body = {"CustomerRef": {"value": "1"}, "TotalAmt": 10, "Line": []}
	assert raw.post("payment", body, requestid="same-1").status_code == 200
	assert raw.post("payment", body, requestid="same-1").status_code == 200  # replayed, not run again
	assert [e["type"] for e in inbox.events()] == ["qbo.invoice.created.v1", "qbo.payment.created.v1"]


def test_batch_writes_go_out_in_one_notification(sb, raw, inbox):
	line = {"DetailType": "SalesItemLineDetail", "Amount": 5, "SalesItemLineDetail": {}}
	items = [
		{"bId": str(n), "operation": "create", "Invoice": {"CustomerRef": {"value": "1"}, "Line": [line]}}
		for n in range(3)
	]
	assert raw.post("batch", {"BatchItemRequest": items}).status_code == 200
	assert len(inbox.posts) == 1 and len(inbox.events()) == 3


def test_legacy_format_groups_entities_per_realm(sb, raw):
	box = Inbox()
	sb.configure_webhook(url="https://erp.example/w", verifier_token=TOKEN, sender=box, format="legacy")
	sb.configure_webhook(auto=False)
	invoice = make_invoice(raw)
	make_payment(raw, invoice)
	assert box.posts == []
	[delivery] = sb.deliver_webhooks()
	_, body, headers = box.posts[0]
	assert headers["intuit-signature"] == intuit_signature(body) and delivery["status"] == 200
	[notification] = json.loads(body)["eventNotifications"]
	assert notification["realmId"] == raw.realm
	entities = notification["dataChangeEvent"]["entities"]
	assert [(e["name"], e["operation"]) for e in entities] == [("Invoice", "Create"), ("Payment", "Create")]
	assert all(e["lastUpdated"] for e in entities)


def test_no_subscription_no_post_and_entity_filter(sb, raw):
	box = Inbox()
	sb.configure_webhook(sender=box)  # no URL, no token: nothing is sent
	make_invoice(raw)
	assert box.posts == [] and sb.webhooks.pending == []
	sb.configure_webhook(url="https://erp.example/w", verifier_token=TOKEN, entities=["Payment"])
	make_payment(raw, make_invoice(raw))
	assert [e["type"] for e in box.events()] == ["qbo.payment.created.v1"]


def test_control_api_configures_the_webhook(sb, raw):
	import requests

	reply = requests.post(
		sb.url + "/_sandbox/webhook",
		json={"url": "http://127.0.0.1:9/none", "verifier_token": TOKEN, "auto": False},
		timeout=5,
	)
	assert reply.status_code == 200 and reply.json()["verifier_token_set"] is True
	make_invoice(raw)
	assert requests.get(sb.url + "/_sandbox/webhook", timeout=5).json()["pending"] == 1


class _Catcher(BaseHTTPRequestHandler):
	def do_POST(self):
		body = self.rfile.read(int(self.headers["Content-Length"]))
		self.server.got.append((body, dict(self.headers)))
		if self.server.delay:
			time.sleep(self.server.delay)
		self.send_response(200)
		self.send_header("Content-Length", "0")
		self.end_headers()

	def log_message(self, *args):
		pass


@pytest.fixture
def receiver():
	server = ThreadingHTTPServer(("127.0.0.1", 0), _Catcher)
	server.got, server.delay = [], 0
	thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
	thread.start()
	yield server
	server.shutdown()
	server.server_close()


def test_real_http_post_reaches_an_endpoint(sb, raw, receiver):
	url = f"http://127.0.0.1:{receiver.server_address[1]}/hook"
	sb.configure_webhook(url=url, verifier_token=TOKEN, sender=None)
	make_invoice(raw)
	[(body, headers)] = receiver.got
	lowered = {k.lower(): v for k, v in headers.items()}
	assert lowered["intuit-signature"] == intuit_signature(body)
	assert lowered["content-type"] == "application/json"
	assert sb.webhooks.deliveries[-1]["status"] == 200


def test_real_http_post_gives_up_after_its_timeout(receiver):
	receiver.delay = 2
	url = f"http://127.0.0.1:{receiver.server_address[1]}/slow"
	started = time.monotonic()
	assert http_sender(url, b"[]", {"Content-Type": "application/json"}, timeout=0.3) == 0
	assert time.monotonic() - started < 1.5
