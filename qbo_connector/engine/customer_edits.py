"""Edits of linked customers reach QuickBooks as sparse updates of the fields we own, nothing else.

    outcomes = push_customer_edits(client, customers, owned=OWNED_FIELDS, on_outcome=save)

Intuit's sparse update (`"sparse": true` with Id and the current SyncToken) changes only the fields sent;
QuickBooks' own fields (terms, notes, parent, currency, ...) are never sent, so never overwritten. A stale
SyncToken (5010) is re-read and the update tried once more; a taken DisplayName (6240) fails this customer
with words (errors.RenameClash). The requestid is a hash of the body (request_ids.py), so a retry after a
lost answer replays, and the retry after 5010 (a new SyncToken) goes out."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.customers import CustomerSettings, build_customer_payload
from qbo_connector.engine.errors import QBOError, ReconnectRequired, StaleObject, for_rename
from qbo_connector.engine.records import FAILED, SYNCED, ERPCustomer, Outcome
from qbo_connector.engine.request_ids import request_id_for

DOCTYPE = "Customer"
# QBO field -> what ERPNext owns; the settings list which of these are pushed.
OWNED_FIELDS = ("DisplayName", "PrimaryEmailAddr", "PrimaryPhone", "BillAddr", "ShipAddr", "ResaleNum")
SHIP_KEYS = {
	"line1": "Line1",
	"line2": "Line2",
	"city": "City",
	"state": "CountrySubDivisionCode",
	"pincode": "PostalCode",
	"country": "Country",
}


def edit_body(customer: ERPCustomer, owned: Iterable[str], display_name: str = "") -> dict:
	"""The owned fields ERPNext has values for, shaped as on create (customers.build_customer_payload)."""
	full = build_customer_payload(customer, display_name or customer.customer_name, CustomerSettings())
	shipping = {SHIP_KEYS[k]: v.strip() for k, v in customer.shipping.items() if k in SHIP_KEYS and v.strip()}
	if shipping:
		full["ShipAddr"] = shipping
	return {key: full[key] for key in owned if key in full}


def push_customer_edits(
	client: QBOClient,
	customers: Iterable[ERPCustomer],
	owned: Iterable[str] = OWNED_FIELDS,
	on_outcome: Callable[[Outcome], None] | None = None,
	display_names: dict[str, str] | None = None,
) -> list[Outcome]:
	"""One sparse update per linked customer. `display_names`: ERPNext id -> the DisplayName it has in QBO
	terms (the matcher's naming), default the customer name."""
	owned, names, outcomes = tuple(owned), display_names or {}, []
	for customer in customers:
		outcome = update_one(client, customer, edit_body(customer, owned, names.get(customer.id, "")))
		outcomes.append(outcome)
		if on_outcome:
			on_outcome(outcome)
	return outcomes


def update_one(client: QBOClient, customer: ERPCustomer, changes: dict) -> Outcome:
	if not customer.qbo_id:
		return Outcome(DOCTYPE, customer.id, FAILED, message="The customer is not linked to QuickBooks.")
	token = customer.qbo_sync_token or "0"
	for attempt in (1, 2):
		body = {"Id": customer.qbo_id, "SyncToken": token, "sparse": True, **changes}
		request_id = request_id_for(
			client.config.realm_id, "customer-edit", [(customer.id, customer.revision, body)]
		)
		try:
			obj = client.update("Customer", body, request_id)
		except ReconnectRequired:
			raise
		except StaleObject as stale:
			if attempt == 2:
				return failed(customer, stale)
			try:
				token = str(client.read("Customer", customer.qbo_id).get("SyncToken", "0"))
			except ReconnectRequired:
				raise
			except QBOError as error:
				return failed(customer, error)
			continue
		except QBOError as error:
			return failed(customer, for_rename(error))
		return Outcome(
			DOCTYPE,
			customer.id,
			SYNCED,
			qbo_id=str(obj.get("Id", customer.qbo_id)),
			qbo_sync_token=str(obj.get("SyncToken", "")),
		)
	raise AssertionError("unreachable")


def failed(customer: ERPCustomer, error: QBOError) -> Outcome:
	return Outcome(
		DOCTYPE,
		customer.id,
		error.status,
		qbo_id=customer.qbo_id,
		error_code=str(error.code or ""),
		message=error.user_message(),
		detail=str(error)[:500],
	)
