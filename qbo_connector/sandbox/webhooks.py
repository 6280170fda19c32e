"""Webhooks: the sandbox POSTs Intuit-shaped change notifications to a configured URL, signed with the
verifier token. Standard library only.

    sb.configure_webhook(url="https://site/api/method/...", verifier_token="abc", sender=collect)
    ... API writes ...
    sb.deliver_webhooks()      # also done after every API request while `auto` is on

Each rule and where it comes from:
- Which writes notify: create, update, delete, void of an entity, and merge of customers (Intuit, "Webhooks",
  https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks, section "Review supported API
  entities": Payment, Invoice and Customer among them; Void for Invoice and Payment, Merge for Customer;
  void added in https://developer.intuit.com/hub/blog/2017/05/11/webhooks-quickbooks-online-api-2).
  Server-side side effects (an invoice's Balance moved by a payment) are not notified here: Intuit does
  not say whether they are, so a receiver must not count on them; the CDC sweep sees them.
- CloudEvents format (the default, `format="cloudevents"`): the body is a JSON array of events, each with
  `specversion` "1.0", `id`, `source` ("intuit." + an app hash), `type` `qbo.<entity>.<operation>.v1`,
  `time`, `intuitentityid` (the entity's Id) and `intuitaccountid` (the realm id) (Intuit blog, "Upcoming
  change to webhooks payload structure", https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-
  payload-structure/, sample payloads). `data` depends on the event: a customer merge carries
  `data.deletedid` (the merged-away id) with `intuitentityid` the survivor, and an update carries no
  `data` at all (Intuit, "Webhooks data objects",
  https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/data-objects). The operation words
  `created`, `updated`, `merged` are in those samples; `deleted` and `voided` follow the same past-tense
  pattern (not shown verbatim in Intuit's samples: the receiver must read the entity from `type` without
  relying on the verb). One POST may carry events of several realms (one delivery per flush here).
- Legacy format (`format="legacy"`): `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities":
  [{"name", "id", "operation", "lastUpdated"}]}}]}`, one eventNotification per realm (Intuit, "Managing
  webhooks notifications", https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-
  webhooks-notifications, "Sample payload" and its note "one per RealmID"). A merge also names `deletedId`
  (not in Intuit's sample; as third-party receivers model it).
- Signature: header `intuit-signature` = base64 of HMAC-SHA256 over the raw body keyed with the app's
  verifier token (same page, "Validating the notification": "Hash the notification payload with
  HMAC_SHA256_ALGORITHM using your verifier token as the key ... Convert the intuit-signature header from
  base-64 to base-16 ... should be identical").
- Delivery: at least once, unordered; the endpoint should answer 200 within a few seconds (same page).
  The real sender (`http_sender`) POSTs with a timeout; a failed delivery is logged, never retried here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

SIGNATURE_HEADER = "intuit-signature"
FORMATS = ("cloudevents", "legacy")
OPERATIONS = {"create": "Create", "update": "Update", "delete": "Delete", "void": "Void", "merge": "Merge"}
CLOUD_VERBS = {
	"Create": "created",
	"Update": "updated",
	"Delete": "deleted",
	"Void": "voided",
	"Merge": "merged",
}
DEFAULT_TIMEOUT = 5.0

# sender(url, body, headers, timeout) -> HTTP status (0 when nothing answered)
Sender = Callable[[str, bytes, dict, float], int]


def sign_body(body: bytes, verifier_token: str) -> str:
	"""base64(HMAC-SHA256(verifier token, raw body)), Intuit's `intuit-signature`."""
	digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
	return base64.b64encode(digest).decode("ascii")


def http_sender(url: str, body: bytes, headers: dict, timeout: float = DEFAULT_TIMEOUT) -> int:
	"""The real delivery: one HTTP POST with a timeout. Returns the status, 0 when there was no answer."""
	request = urllib.request.Request(url, data=body, headers=headers, method="POST")
	try:
		with urllib.request.urlopen(request, timeout=timeout) as response:
			return response.status
	except urllib.error.HTTPError as error:
		return error.code
	except (urllib.error.URLError, TimeoutError, OSError):
		return 0


@dataclass
class Event:
	realm_id: str
	entity: str
	entity_id: str
	operation: str  # Create / Update / Delete / Void / Merge
	when: str  # the change's time, ISO-8601
	deleted_id: str = ""  # Merge: the merged-away record


@dataclass
class Webhooks:
	"""The webhook subscription of the sandbox's app, its pending events and the delivery log."""

	url: str = ""
	verifier_token: str = ""
	format: str = "cloudevents"
	auto: bool = True  # deliver after every API request
	timeout: float = DEFAULT_TIMEOUT
	entities: frozenset[str] = frozenset()  # empty: every entity
	sender: Sender = http_sender
	source: str = "intuit.sandbox"
	pending: list[Event] = field(default_factory=list)
	deliveries: list[dict] = field(default_factory=list)
	lock: threading.Lock = field(default_factory=threading.Lock)

	@property
	def active(self) -> bool:
		return bool(self.url and self.verifier_token)

	def configure(self, **options) -> dict:
		known = {"url", "verifier_token", "format", "auto", "timeout", "entities", "sender", "source"}
		unknown = set(options) - known
		if unknown:
			raise ValueError(f"unknown webhook setting(s): {', '.join(sorted(unknown))}")
		if options.get("format", self.format) not in FORMATS:
			raise ValueError(f"format must be one of {', '.join(FORMATS)}")
		for name, value in options.items():
			if name == "entities":
				value = frozenset(value or ())
			elif name == "timeout":
				value = float(value)
			elif name == "sender" and value is None:
				value = http_sender
			setattr(self, name, value)
		return self.settings()

	def settings(self) -> dict:
		return {
			"url": self.url,
			"verifier_token_set": bool(self.verifier_token),
			"format": self.format,
			"auto": self.auto,
			"timeout": self.timeout,
			"entities": sorted(self.entities),
			"pending": len(self.pending),
			"delivered": len(self.deliveries),
		}

	def note(self, event: Event) -> None:
		"""Remember a change, when a subscription exists and covers the entity."""
		if self.active and (not self.entities or event.entity in self.entities):
			with self.lock:
				self.pending.append(event)

	def deliver(self) -> list[dict]:
		"""Send every pending event in one signed POST; returns the deliveries made (0 or 1)."""
		with self.lock:
			events, self.pending = self.pending, []
		if not events or not self.active:
			return []
		body = json.dumps(self.payload(events), separators=(",", ":")).encode("utf-8")
		headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign_body(body, self.verifier_token)}
		status = self.sender(self.url, body, headers, self.timeout)
		record = {"url": self.url, "status": status, "body": body.decode("utf-8"), "headers": headers}
		with self.lock:
			self.deliveries.append(record)
		return [record]

	def payload(self, events: list[Event]):
		if self.format == "legacy":
			return legacy_payload(events)
		return [cloud_event(event, self.source) for event in events]


def cloud_event(event: Event, source: str) -> dict:
	out = {
		"specversion": "1.0",
		"id": f"{uuid.uuid4()}-{event.entity}-{event.entity_id}",
		"source": source,
		"type": f"qbo.{event.entity.lower()}.{CLOUD_VERBS[event.operation]}.v1",
		"time": event.when,
		"intuitentityid": event.entity_id,
		"intuitaccountid": event.realm_id,
	}
	if event.deleted_id:
		out["datacontenttype"] = "application/json"
		out["data"] = {"deletedid": event.deleted_id}
	return out


def legacy_payload(events: list[Event]) -> dict:
	realms: dict[str, list[dict]] = {}
	for event in events:
		entity = {
			"name": event.entity,
			"id": event.entity_id,
			"operation": event.operation,
			"lastUpdated": event.when,
		}
		if event.deleted_id:
			entity["deletedId"] = event.deleted_id
		realms.setdefault(event.realm_id, []).append(entity)
	return {
		"eventNotifications": [
			{"realmId": realm_id, "dataChangeEvent": {"entities": entities}}
			for realm_id, entities in realms.items()
		]
	}
