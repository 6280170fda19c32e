"""Edits of linked customers as sparse updates against the sandbox: only owned fields change, a stale
SyncToken (5010) is re-read and retried once, a taken name (6240) fails the one customer with words."""

from __future__ import annotations

from qbo_connector.engine.customer_edits import push_customer_edits
from qbo_connector.engine.records import FAILED, SYNCED, ERPCustomer


def linked(client, name="Acme Edits", **kw) -> ERPCustomer:
	body = {
		"DisplayName": name,
		"Notes": "kept by QuickBooks",
		"PrimaryPhone": {"FreeFormNumber": "555-0100"},
	}
	row = client.create("Customer", body, f"create-{name}")
	return ERPCustomer(id=name, customer_name=name, qbo_id=row["Id"], qbo_sync_token=row["SyncToken"], **kw)


def test_edit_changes_only_owned_fields(client):
	customer = linked(client, email="new@example.com", city="Oakland", shipping={"line1": "1 Dock St"})
	[outcome] = push_customer_edits(client, [customer])
	row = client.read("Customer", customer.qbo_id)
	assert outcome.status == SYNCED and outcome.qbo_sync_token == row["SyncToken"] == "1"
	assert row["PrimaryEmailAddr"]["Address"] == "new@example.com" and row["BillAddr"]["City"] == "Oakland"
	assert row["ShipAddr"]["Line1"] == "1 Dock St"
	assert row["Notes"] == "kept by QuickBooks" and row["PrimaryPhone"]["FreeFormNumber"] == "555-0100"


def test_stale_sync_token_is_refetched_and_retried_once(client):
	customer = linked(client, email="new@example.com")
	client.update("Customer", {"Id": customer.qbo_id, "SyncToken": "0", "Notes": "edited in QuickBooks"})
	[outcome] = push_customer_edits(client, [customer])  # carries SyncToken 0: QuickBooks answers 5010
	row = client.read("Customer", customer.qbo_id)
	assert outcome.status == SYNCED and row["SyncToken"] == "2"
	assert row["PrimaryEmailAddr"]["Address"] == "new@example.com" and row["Notes"] == "edited in QuickBooks"


def test_rename_onto_a_taken_name_is_a_clear_per_record_error(client):
	taken = linked(client, "Taken Name")
	customer = linked(client, "Old Name")
	customer.customer_name = "Taken Name"
	other = linked(client, "Other", email="o@example.com")
	first, second = push_customer_edits(client, [customer, other])
	assert first.status == FAILED and first.error_code == "6240"
	assert f"QuickBooks id {taken.qbo_id}" in first.message and "Retry" in first.message
	assert second.status == SYNCED  # one clash does not stop the others
	assert client.read("Customer", customer.qbo_id)["DisplayName"] == "Old Name"
