"""Intuit's webhook, received: verify the signature, then read which realms (and entities) changed.
Framework-free; the Frappe endpoint passes the raw body and headers and enqueues a run per realm.

A notification only says "something changed in realm R": it triggers a run, and the run's CDC sweep stays
the source of truth (delivery is at least once, unordered, and may be lost). So nothing here is applied
to a document.

    notice = read_notification(raw_body, headers, verifier_token)   # raises InvalidWebhook
    for realm in notice.realms: enqueue_run(realm)

- Signature: `intuit-signature` = base64(HMAC-SHA256(verifier token, raw body)) (Intuit, "Managing webhooks
  notifications", https://developer.intuit.com/app/developer/qbo/docs/develop/webhooks/managing-webhooks-
  notifications, "Validating the notification"). Compared in constant time on the raw bytes, before any
  parsing; a missing token refuses everything.
- Two payload shapes are read: CloudEvents, a JSON array of events with `type` `qbo.<entity>.<verb>.v1`,
  `intuitaccountid` (realm) and `intuitentityid` (Intuit blog, "Upcoming change to webhooks payload
  structure", 2025-11-12; "Webhooks data objects": a merge carries `data.deletedid`, an update may carry no
  `data`); and the legacy `{"eventNotifications": [{"realmId", "dataChangeEvent": {"entities": [...]}}]}`.
  The verb is kept as given: nothing depends on its spelling.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

from qbo_connector.engine.errors import InvalidWebhook

SIGNATURE_HEADER = "intuit-signature"


@dataclass(frozen=True)
class Change:
	realm_id: str
	entity: str  # as Intuit names it in the legacy format: Payment, Invoice, Customer ... ("" if unknown)
	entity_id: str
	operation: str  # created / updated / deleted / voided / merged (CloudEvents) or Create / Update ...
	deleted_id: str = ""  # a merge: the merged-away record


@dataclass
class Notification:
	changes: list[Change] = field(default_factory=list)

	@property
	def realms(self) -> set[str]:
		return {change.realm_id for change in self.changes if change.realm_id}

	def entities_of(self, realm_id: str) -> set[str]:
		return {change.entity for change in self.changes if change.realm_id == realm_id and change.entity}


def sign_payload(body: bytes, verifier_token: str) -> str:
	digest = hmac.new(verifier_token.encode("utf-8"), body, hashlib.sha256).digest()
	return base64.b64encode(digest).decode("ascii")


def verify_signature(body: bytes, signature: str, verifier_token: str) -> bool:
	"""True when `signature` is Intuit's signature of `body` under `verifier_token` (constant time)."""
	if not verifier_token or not signature:
		return False
	expected = sign_payload(body, verifier_token).encode("ascii")
	return hmac.compare_digest(expected, signature.strip().encode("utf-8", "replace"))


def header_of(headers: Mapping[str, str], name: str) -> str:
	"""HTTP header names are case-insensitive."""
	for key, value in headers.items():
		if key.lower() == name:
			return str(value or "")
	return ""


def read_notification(body: bytes, headers: Mapping[str, str], verifier_token: str) -> Notification:
	"""Verify, then parse. A bad or missing signature, or an unreadable body, raises InvalidWebhook."""
	if isinstance(body, str):
		body = body.encode("utf-8")
	if not verify_signature(body, header_of(headers, SIGNATURE_HEADER), verifier_token):
		raise InvalidWebhook("The notification's intuit-signature does not match the verifier token.")
	return parse_notification(body)


def parse_notification(body: bytes) -> Notification:
	"""The changes a (verified) notification names, in either format."""
	try:
		payload = json.loads(body)
	except (ValueError, UnicodeDecodeError):
		raise InvalidWebhook("The notification is not JSON.")
	if isinstance(payload, dict) and "specversion" in payload:
		payload = [payload]  # a single CloudEvent, not in a batch
	if isinstance(payload, list):
		return Notification([cloud_change(event) for event in payload if isinstance(event, dict)])
	if isinstance(payload, dict) and isinstance(payload.get("eventNotifications"), list):
		return Notification(legacy_changes(payload["eventNotifications"]))
	raise InvalidWebhook("The notification has neither CloudEvents nor eventNotifications.")


def cloud_change(event: dict) -> Change:
	parts = str(event.get("type") or "").split(".")  # qbo.<entity>.<verb>.v1
	entity = parts[1] if len(parts) >= 3 and parts[0] == "qbo" else ""
	data = event.get("data") if isinstance(event.get("data"), dict) else {}
	return Change(
		realm_id=str(event.get("intuitaccountid") or ""),
		entity=ENTITY_NAMES.get(entity, entity.capitalize()),
		entity_id=str(event.get("intuitentityid") or ""),
		operation=parts[2] if len(parts) >= 3 else "",
		deleted_id=str(data.get("deletedid") or ""),
	)


def legacy_changes(notifications: list) -> list[Change]:
	changes = []
	for notification in notifications:
		if not isinstance(notification, dict):
			continue
		realm_id = str(notification.get("realmId") or "")
		entities = (notification.get("dataChangeEvent") or {}).get("entities") or []
		for entity in entities:
			if isinstance(entity, dict):
				changes.append(
					Change(
						realm_id,
						str(entity.get("name") or ""),
						str(entity.get("id") or ""),
						str(entity.get("operation") or ""),
						str(entity.get("deletedId") or ""),
					)
				)
		if not entities and realm_id:
			changes.append(Change(realm_id, "", "", ""))
	return changes


# CloudEvents types are lower case; the API's entity names are CamelCase.
ENTITY_NAMES = {
	name.lower(): name
	for name in (
		"Account",
		"Bill",
		"BillPayment",
		"Class",
		"CreditMemo",
		"Customer",
		"Department",
		"Deposit",
		"Employee",
		"Estimate",
		"Invoice",
		"Item",
		"JournalEntry",
		"Payment",
		"PaymentMethod",
		"Preferences",
		"Purchase",
		"PurchaseOrder",
		"RefundReceipt",
		"SalesReceipt",
		"TaxAgency",
		"Term",
		"TimeActivity",
		"Transfer",
		"Vendor",
		"VendorCredit",
	)
}
