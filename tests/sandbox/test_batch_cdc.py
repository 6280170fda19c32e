"""Batch, CDC, requestid replay and the UI merge."""

from __future__ import annotations

from tests.sandbox.conftest import fault_of


def customer_item(bid: str, name: str) -> dict:
	return {"bId": bid, "operation": "create", "Customer": {"DisplayName": name}}


def test_batch_items_run_in_order_and_fail_independently(raw):
	items = [
		customer_item("a", "Twin Name"),
		customer_item("b", "twin name"),
		{"bId": "c", "Query": "select * from Customer where DisplayName = 'Twin Name'"},
		{
			"bId": "d",
			"operation": "update",
			"Customer": {"Id": "1", "SyncToken": "7", "sparse": True, "Notes": "x"},
		},
		{
			"bId": "e",
			"operation": "create",
			"Invoice": {
				"CustomerRef": {"value": "1"},
				"Line": [{"DetailType": "SalesItemLineDetail", "Amount": 5, "SalesItemLineDetail": {}}],
			},
		},
	]
	response = raw.post("batch", {"BatchItemRequest": items})
	assert response.status_code == 200
	out = {item["bId"]: item for item in response.json()["BatchItemResponse"]}
	assert [item["bId"] for item in response.json()["BatchItemResponse"]] == ["a", "b", "c", "d", "e"]
	assert out["a"]["Customer"]["DisplayName"] == "Twin Name"
	assert out["b"]["Fault"]["type"] == "ValidationFault"
	assert out["b"]["Fault"]["Error"][0]["code"] == "6240"
	assert out["b"]["Fault"]["Error"][0]["Detail"].endswith(f"Id={out['a']['Customer']['Id']}")
	assert out["c"]["QueryResponse"]["Customer"][0]["Id"] == out["a"]["Customer"]["Id"]
	assert out["d"]["Fault"]["Error"][0]["code"] == "5010"
	assert out["e"]["Invoice"]["TotalAmt"] == 5


def test_batch_limits_and_bids(raw):
	too_many = [customer_item(str(n), f"Many {n}") for n in range(31)]
	error = fault_of(raw.post("batch", {"BatchItemRequest": too_many}))
	assert "30" in error["Detail"]
	assert raw.rows("select * from Customer where DisplayName LIKE 'Many%'") == []  # nothing ran
	assert raw.post("batch", {"BatchItemRequest": too_many[:30]}).status_code == 200
	assert fault_of(raw.post("batch", {"BatchItemRequest": [customer_item("", "No Bid")]}))["code"] == "2020"
	twice = [customer_item("x", "Dup Bid 1"), customer_item("x", "Dup Bid 2")]
	assert fault_of(raw.post("batch", {"BatchItemRequest": twice}))["element"] == "bId"
	assert fault_of(raw.post("batch", {"nope": []}))["code"] == "2020"


def test_batch_delete_and_void(raw):
	line = {"DetailType": "SalesItemLineDetail", "Amount": 5, "SalesItemLineDetail": {}}
	one = raw.create("Invoice", {"CustomerRef": {"value": "1"}, "Line": [line]})
	two = raw.create("Invoice", {"CustomerRef": {"value": "1"}, "Line": [line]})
	items = [
		{"bId": "1", "operation": "delete", "Invoice": {"Id": one["Id"], "SyncToken": "0"}},
		{"bId": "2", "operation": "void", "Invoice": {"Id": two["Id"], "SyncToken": "0"}},
		{"bId": "3", "operation": "delete", "Customer": {"Id": "1", "SyncToken": "0"}},
	]
	out = raw.post("batch", {"BatchItemRequest": items}).json()["BatchItemResponse"]
	assert out[0]["Invoice"]["status"] == "Deleted" and out[1]["Invoice"]["TotalAmt"] == 0
	assert out[2]["Fault"]["Error"][0]["code"] == "500"


def test_requestid_replays_the_original_response(sb, raw):
	first = raw.post("customer", {"DisplayName": "Once Only"}, requestid="req-1")
	again = raw.post("customer", {"DisplayName": "Once Only"}, requestid="req-1")
	assert again.status_code == 200 and again.json() == first.json()
	assert len(raw.rows("select * from Customer where DisplayName = 'Once Only'")) == 1
	assert sb.request_log[-2]["replayed"] is True and sb.request_log[-2]["requestid"] == "req-1"
	failed = raw.post("customer", {"DisplayName": "Amy's Bird Sanctuary"}, requestid="req-2")
	assert (
		raw.post("customer", {"DisplayName": "Changed Meanwhile"}, requestid="req-2").json() == failed.json()
	)
	error = fault_of(raw.post("customer", {"DisplayName": "Long Id"}, requestid="r" * 51))
	assert "50 characters" in error["Detail"]
	assert raw.post("customer", {"DisplayName": "Long Id"}, requestid="r" * 50).status_code == 200


def test_replay_of_faults_is_a_switch(sb, raw):
	"""Intuit does not say whether a failed original is replayed: with the switch off, a fault is not kept."""
	sb.configure(replay_faults=False)
	failed = raw.post("customer", {"DisplayName": "Amy's Bird Sanctuary"}, requestid="req-3")
	assert failed.status_code == 400
	again = raw.post("customer", {"DisplayName": "Changed Meanwhile"}, requestid="req-3")
	assert again.status_code == 200 and again.json()["Customer"]["DisplayName"] == "Changed Meanwhile"
	assert (
		raw.post("customer", {"DisplayName": "Changed Meanwhile"}, requestid="req-3").json() == again.json()
	)


def test_requestid_replays_batches(raw):
	body = {"BatchItemRequest": [customer_item("1", "Batch Once")]}
	first = raw.post("batch", body, requestid="batch-1").json()
	assert raw.post("batch", body, requestid="batch-1").json() == first
	assert len(raw.rows("select * from Customer where DisplayName = 'Batch Once'")) == 1


def test_cdc_reports_changes_and_deletions(sb, raw):
	sb.advance_clock(10)
	since = sb.clock.stamp()
	sb.advance_clock(10)
	customer = raw.create("Customer", {"DisplayName": "CDC New"})
	line = {"DetailType": "SalesItemLineDetail", "Amount": 5, "SalesItemLineDetail": {}}
	gone = raw.create("Invoice", {"CustomerRef": {"value": "1"}, "Line": [line]})
	raw.post("invoice", {"Id": gone["Id"], "SyncToken": "0"}, operation="delete")
	response = raw.get("cdc", entities="Customer,Invoice,Item", changedSince=since)
	assert response.status_code == 200
	blocks = response.json()["CDCResponse"][0]["QueryResponse"]
	assert [c["Id"] for c in blocks[0]["Customer"]] == [customer["Id"]]  # a balance change is no edit
	assert blocks[1]["Invoice"] == [
		{
			"domain": "QBO",
			"status": "Deleted",
			"Id": gone["Id"],
			"MetaData": blocks[1]["Invoice"][0]["MetaData"],
		}
	]
	assert blocks[2] == {}


def test_cdc_window_and_bad_input(sb, raw):
	old = "2000-01-01T00:00:00-07:00"
	assert fault_of(raw.get("cdc", entities="Customer", changedSince=old))["code"] == "4001"
	recent = sb.clock.stamp()
	sb.advance_clock(31 * 86400)
	raw.token = sb.issue_tokens(raw.realm)["access_token"]
	assert "30 days" in fault_of(raw.get("cdc", entities="Customer", changedSince=recent))["Detail"]
	assert fault_of(raw.get("cdc", entities="Customer", changedSince="yesterday"))["code"] == "2010"
	assert fault_of(raw.get("cdc", entities="TaxCode", changedSince=sb.clock.stamp()))["code"] == "4001"
	assert fault_of(raw.get("cdc", changedSince=sb.clock.stamp()))["code"] == "2020"


def test_merge_moves_transactions_and_shows_in_cdc(sb, raw):
	keeper = raw.create("Customer", {"DisplayName": "Acme Inc"})
	duplicate = raw.create("Customer", {"DisplayName": "ACME Incorporated"})
	line = {"DetailType": "SalesItemLineDetail", "Amount": 70, "SalesItemLineDetail": {}}
	bill = raw.create("Invoice", {"CustomerRef": {"value": duplicate["Id"]}, "Line": [line]})
	sb.advance_clock(5)
	since = sb.clock.stamp()
	sb.advance_clock(5)
	sb.merge(raw.realm, duplicate["Id"], keeper["Id"])
	moved = raw.get(f"invoice/{bill['Id']}").json()["Invoice"]
	assert moved["CustomerRef"]["value"] == keeper["Id"] and moved["SyncToken"] == "1"
	merged = raw.get(f"customer/{duplicate['Id']}").json()["Customer"]
	assert merged["Active"] is False and merged["DisplayName"] == "ACME Incorporated (deleted)"
	assert raw.get(f"customer/{keeper['Id']}").json()["Customer"]["Balance"] == 70
	rows = raw.get("cdc", entities="Customer", changedSince=since).json()["CDCResponse"][0]["QueryResponse"][
		0
	]["Customer"]
	by_id = {row["Id"]: row for row in rows}
	assert by_id[duplicate["Id"]]["status"] == "Deleted" and by_id[keeper["Id"]]["DisplayName"] == "Acme Inc"
	assert raw.create("Customer", {"DisplayName": "ACME Incorporated"})  # the old name is free again
	assert sb.dump(raw.realm)["Customer"][-1]["DisplayName"] == "ACME Incorporated"
