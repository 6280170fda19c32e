"""Request ids: the same request resent is answered from QuickBooks' cache; a changed request, or a record
with a new revision, goes out (issue 8, defect 1). The replay rule is Intuit's: a requestid seen again returns
the original response (qbo_connector/sandbox/api.py cites it)."""

from __future__ import annotations

from qbo_connector.engine.customers import CustomerSettings, CustomerSync, load_directory
from qbo_connector.engine.errors import Transient
from qbo_connector.engine.records import NEEDS_REVIEW, QUEUED, SYNCED, ERPCustomer
from qbo_connector.engine.request_ids import BATCH_REQUEST_ID_MAX, request_id_for


def run_sync(client, customers, directory=None, **kwargs):
	outcomes = {}
	sync = CustomerSync(client, CustomerSettings(), lambda o: outcomes.__setitem__(o.name, o), directory)
	sync.run(customers, **kwargs)
	return outcomes


def named(sandbox, name):
	return [c for c in sandbox.dump(sandbox.realm_ids[0])["Customer"] if c["DisplayName"] == name]


def test_ids_follow_the_content():
	body = {"DisplayName": "A", "Line": [{"Amount": 1}]}
	same = request_id_for("1", "create", [("C1", "0", dict(reversed(list(body.items()))))])
	assert request_id_for("1", "create", [("C1", "0", body)]) == same  # key order does not matter
	changed = [
		request_id_for("2", "create", [("C1", "0", body)]),
		request_id_for("1", "update", [("C1", "0", body)]),
		request_id_for("1", "create", [("C2", "0", body)]),
		request_id_for("1", "create", [("C1", "1", body)]),
		request_id_for("1", "create", [("C1", "0", {**body, "DisplayName": "B"})]),
	]
	assert same not in changed and len(set(changed)) == len(changed)
	assert all(len(rid) <= BATCH_REQUEST_ID_MAX for rid in [same, *changed])


def test_a_lost_answer_resent_unchanged_is_replayed_not_run_again(sandbox, client):
	customer = ERPCustomer("C2", "Brand New Co", "Company", email="hi@brandnew.example")
	original, sent = client.batch, []

	def lose_the_answer(items, request_id=None):
		answer = original(items, request_id)
		sent.append(request_id)
		if len(sent) == 1:
			raise Transient("connection reset after QuickBooks answered")
		return answer

	client.batch = lose_the_answer
	directory = load_directory(client)  # both runs decide on the directory as it was before the answer
	assert run_sync(client, [customer], directory)["C2"].status == QUEUED
	again = run_sync(client, [customer], directory)["C2"]
	assert sent[0] == sent[1] and sandbox.log_since(0)[-1]["replayed"] is True
	assert again.status == SYNCED and again.extra["match_status"] == "Created"
	assert len(named(sandbox, "Brand New Co")) == 1


def test_a_customer_created_again_later_is_not_answered_with_the_old_record(sandbox, client):
	"""Created, then made inactive in QuickBooks; a reviewer chooses Create New. The old requestid would
	replay "created id N" and link the customer to the inactive record."""
	customer = ERPCustomer("C2", "Brand New Co", "Company", email="hi@brandnew.example")
	first = run_sync(client, [customer])["C2"]
	assert first.status == SYNCED and first.extra["match_status"] == "Created"
	record = client.read("Customer", first.qbo_id)
	client.update(
		"Customer", {"Id": first.qbo_id, "SyncToken": record["SyncToken"], "sparse": True, "Active": False}
	)
	customer.qbo_id, customer.revision = first.qbo_id, "requeued-1"
	again = run_sync(client, [customer], force_create={"C2"})["C2"]
	assert not (again.status == SYNCED and again.qbo_id == first.qbo_id), again
	assert again.status == NEEDS_REVIEW and "inactive" in again.message
