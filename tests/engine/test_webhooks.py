"""Receiving Intuit's webhook (engine/webhooks.py): what the sandbox POSTs is verified and read into the
realms (and entities) to run; anything not signed with the verifier token is refused."""

from __future__ import annotations

import json

import pytest

from qbo_connector.engine import webhooks
from qbo_connector.engine.errors import InvalidWebhook
from qbo_connector.engine.webhooks import parse_notification, read_notification, verify_signature
from qbo_connector.sandbox import Sandbox
from tests.sandbox.conftest import Raw

TOKEN = "verifier-abc"
REALMS = ["9341453050000101", "9341453050000102"]


class Inbox:
	def __init__(self):
		self.posts: list[tuple[bytes, dict]] = []

	def __call__(self, url, body, headers, timeout):
		self.posts.append((body, headers))
		return 200


@pytest.fixture
def two_realms():
	seed = {"realms": [{"realm_id": r, "customers": [{"Id": "1", "DisplayName": "A"}]} for r in REALMS]}
	sandbox = Sandbox(seed=seed, port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


def changes_in_both(sb, fmt="cloudevents") -> tuple[bytes, dict]:
	inbox = Inbox()
	sb.configure_webhook(url="https://erp/hook", verifier_token=TOKEN, sender=inbox, format=fmt, auto=False)
	for realm in REALMS:
		Raw(sb, realm).create("Payment", {"CustomerRef": {"value": "1"}, "TotalAmt": 5, "Line": []})
	Raw(sb, REALMS[1]).create("Customer", {"DisplayName": "B"})
	sb.deliver_webhooks()
	[post] = inbox.posts
	return post


@pytest.mark.parametrize("fmt", ["cloudevents", "legacy"])
def test_a_signed_notification_names_its_realms_and_entities(two_realms, fmt):
	body, headers = changes_in_both(two_realms, fmt)
	notice = read_notification(body, headers, TOKEN)
	assert notice.realms == set(REALMS)
	assert notice.entities_of(REALMS[0]) == {"Payment"}
	assert notice.entities_of(REALMS[1]) == {"Payment", "Customer"}
	assert {c.operation.lower()[:6] for c in notice.changes} == {"create"}


def test_headers_are_read_case_insensitively(two_realms):
	body, headers = changes_in_both(two_realms)
	upper = {key.upper(): value for key, value in headers.items()}
	assert read_notification(body, upper, TOKEN).realms == set(REALMS)


def test_a_bad_signature_is_refused(two_realms):
	body, headers = changes_in_both(two_realms)
	with pytest.raises(InvalidWebhook):
		read_notification(body, headers, "another-token")
	tampered = body.replace(REALMS[0].encode(), b"9341453050000999")
	with pytest.raises(InvalidWebhook):
		read_notification(tampered, headers, TOKEN)
	with pytest.raises(InvalidWebhook):
		read_notification(body, {"Content-Type": "application/json"}, TOKEN)
	with pytest.raises(InvalidWebhook):
		read_notification(body, headers, "")  # no verifier token configured: refuse all


def test_the_signature_is_compared_in_constant_time(two_realms, monkeypatch):
	body, headers = changes_in_both(two_realms)
	seen = []
	real = webhooks.hmac.compare_digest

	def spy(a, b):
		seen.append((a, b))
		return real(a, b)

	monkeypatch.setattr(webhooks.hmac, "compare_digest", spy)
	assert verify_signature(body, headers["intuit-signature"], TOKEN)
	assert len(seen) == 1


def test_a_merge_names_the_merged_away_customer(two_realms):
	inbox = Inbox()
	two_realms.configure_webhook(url="https://erp/hook", verifier_token=TOKEN, sender=inbox)
	raw = Raw(two_realms, REALMS[0])
	other = raw.create("Customer", {"DisplayName": "Dup"})
	two_realms.merge(REALMS[0], other["Id"], "1")
	body, headers = inbox.posts[-1]
	[change] = read_notification(body, headers, TOKEN).changes
	assert (change.entity, change.entity_id, change.deleted_id) == ("Customer", "1", other["Id"])


def test_intuit_samples_parse():
	"""The samples of Intuit's pages (blog "Upcoming change to webhooks payload structure"; "Webhooks data
	objects"), verbatim in shape."""
	cloud = [
		{
			"specversion": "1.0",
			"id": "88cd52aa-33b6-4351-9aa4-47572edbd068",
			"source": "intuit.dsnBgbseACLLRZNxo2dfc4evmEJdxde58xeeYcZliOU=",
			"type": "qbo.account.created.v1",
			"datacontenttype": "application/json",
			"time": "2025-09-10T21:31:25.179851517Z",
			"intuitentityid": "1234",
			"intuitaccountid": "310687",
			"data": {},
		},
		{
			"specversion": "1.0",
			"id": "x-SalesReceipt-150",
			"source": "intuit.x",
			"type": "qbo.salesreceipt.updated.v1",
			"time": "2026-03-17T16:19:17Z",
			"intuitentityid": "150",
			"intuitaccountid": "9341455",
		},
	]
	notice = parse_notification(json.dumps(cloud).encode())
	assert [(c.realm_id, c.entity, c.entity_id) for c in notice.changes] == [
		("310687", "Account", "1234"),
		("9341455", "SalesReceipt", "150"),
	]
	legacy = {
		"eventNotifications": [
			{
				"realmId": "1185883450",
				"dataChangeEvent": {
					"entities": [
						{
							"name": "Customer",
							"id": "1",
							"operation": "Create",
							"lastUpdated": "2015-10-05T14:42:19-0700",
						}
					]
				},
			}
		]
	}
	assert parse_notification(json.dumps(legacy).encode()).realms == {"1185883450"}
	with pytest.raises(InvalidWebhook):
		parse_notification(b"not json")
	with pytest.raises(InvalidWebhook):
		parse_notification(b'{"something": "else"}')
