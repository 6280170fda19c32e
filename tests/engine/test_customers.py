"""Customer phase against the sandbox: link, create in batches, vendor-name policy, 6240 reconciliation,
review instead of guessing, and relinking after a merge in QuickBooks."""

from qbo_connector.engine.customers import CREATE_NEW, CustomerSettings, CustomerSync, load_directory
from qbo_connector.engine.records import NEEDS_REVIEW, SYNCED, ERPCustomer, QBOCustomer


def run_sync(client, customers, settings=None, directory=None, **kwargs):
	outcomes = {}
	sync = CustomerSync(
		client, settings or CustomerSettings(), lambda o: outcomes.__setitem__(o.name, o), directory
	)
	sync.run(customers, **kwargs)
	return outcomes


def count_customers(sandbox, name):
	return sum(
		1 for c in sandbox.dump(sandbox.realm_ids[0])["Customer"] if c["DisplayName"].lower() == name.lower()
	)


def test_links_creates_and_never_duplicates(sandbox, client):
	customers = [
		ERPCustomer("C1", "Amy's Bird Sanctuary", "Company", email="birds@example.invalid"),
		ERPCustomer("C2", "Brand New Co", "Company", email="hi@brandnew.example"),
		ERPCustomer("C3", "Brosnahan Insurance Agency", "Company"),  # a vendor holds this name
	]
	outcomes = run_sync(client, customers)
	assert outcomes["C1"].status == SYNCED and outcomes["C1"].extra["match_status"] == "Linked"
	assert outcomes["C2"].status == SYNCED and outcomes["C2"].extra["match_status"] == "Created"
	assert outcomes["C3"].extra["display_name"] == "Brosnahan Insurance Agency (Customer)"
	# a rerun that never saved the links (a killed run) finds what the first run created, by the Notes it
	# wrote, and never creates again nor asks a person about its own records
	again = run_sync(client, customers)
	assert again["C1"].extra["match_status"] == "Linked"
	assert again["C2"].extra["match_status"] == again["C3"].extra["match_status"] == "Created"
	assert again["C2"].qbo_id == outcomes["C2"].qbo_id and again["C3"].qbo_id == outcomes["C3"].qbo_id
	assert count_customers(sandbox, "Brand New Co") == 1


def test_a_record_created_for_another_customer_is_not_taken():
	"""Notes name the ERPNext customer exactly: a prefix of another id is no claim."""
	directory = [QBOCustomer("7", "Brand New Co", notes="Created from ERPNext customer C20")]
	outcomes = {}
	sync = CustomerSync(None, CustomerSettings(), lambda o: outcomes.__setitem__(o.name, o), directory)
	assert sync.find_own_record(ERPCustomer("C2", "Brand New Co", "Company"), {}) is None


def test_uncertain_match_goes_to_review_with_candidates(client):
	client.create("Customer", {"DisplayName": "Hooly"}, request_id="hooly")
	outcomes = run_sync(client, [ERPCustomer("C9", "Hooli", "Company")])
	assert outcomes["C9"].status == NEEDS_REVIEW
	decision = outcomes["C9"].extra["decision"]
	assert decision.candidates and decision.candidates[0].display_name == "Hooly"


def test_name_clash_on_create_is_reconciled_not_retried(sandbox, client):
	"""The directory was loaded before someone created the same customer in QBO: the create gets 6240,
	the clashing record is read and adopted because it is the same identity."""
	stale_directory = load_directory(client)
	created = client.create("Customer", {"DisplayName": "Late Arrival Ltd"}, request_id="late")
	outcomes = run_sync(
		client,
		[ERPCustomer("C5", "Late Arrival Ltd", "Company", email="ap@late.example")],
		directory=stale_directory,
	)
	assert outcomes["C5"].status == NEEDS_REVIEW  # a name alone is not enough to adopt it (issue 12)
	assert created["Id"]
	assert count_customers(sandbox, "Late Arrival Ltd") == 1


def test_clash_with_an_employee_found_only_on_create_goes_to_review(sandbox, client):
	stale_directory = [c for c in load_directory(client) if c.entity_type == "Customer"]
	outcomes = run_sync(client, [ERPCustomer("C6", "Emily Platt", "Individual")], directory=stale_directory)
	assert outcomes["C6"].status == NEEDS_REVIEW
	assert "vendor or employee" in outcomes["C6"].message


def test_create_new_policy_still_reconciles(client):
	client.create("Customer", {"DisplayName": "Hooly"}, request_id="hooly2")
	outcomes = run_sync(
		client, [ERPCustomer("C7", "Hooli", "Company")], CustomerSettings(uncertain_policy=CREATE_NEW)
	)
	assert outcomes["C7"].status == SYNCED and outcomes["C7"].extra["match_status"] == "Created"


def test_merge_in_quickbooks_relinks_to_the_survivor(sandbox, client):
	keeper = client.create("Customer", {"DisplayName": "Initrode"}, request_id="k")
	duplicate = client.create("Customer", {"DisplayName": "Initrode Inc"}, request_id="d")
	sandbox.merge(sandbox.realm_ids[0], duplicate["Id"], keeper["Id"])
	# the merged-away record shows " (deleted)" and is inactive; the ERPNext customer linked to it follows
	sandbox_dup = next(
		c for c in sandbox.dump(sandbox.realm_ids[0])["Customer"] if c["Id"] == duplicate["Id"]
	)
	assert sandbox_dup["Active"] is False and sandbox_dup["DisplayName"].endswith("(deleted)")
	outcomes = run_sync(client, [ERPCustomer("C8", "Initrode", "Company", qbo_id=duplicate["Id"])])
	assert outcomes["C8"].status == SYNCED
	assert outcomes["C8"].qbo_id == keeper["Id"]
	assert outcomes["C8"].extra["relinked_from"] == duplicate["Id"]


def test_from_qbo_reads_the_fields_the_matcher_uses():
	record = QBOCustomer.from_qbo(
		{
			"Id": 7,
			"DisplayName": "X",
			"PrimaryEmailAddr": {"Address": "a@b.c"},
			"Active": False,
			"SyncToken": 3,
		}
	)
	assert (record.id, record.email, record.active, record.sync_token) == ("7", "a@b.c", False, "3")


def test_discovery_maps_payment_terms_by_name_and_items_by_name_or_id(client):
	from qbo_connector.engine.discovery import ExportChoices, discover_export_settings

	settings, facts = discover_export_settings(
		client,
		ExportChoices(
			default_item="services",
			item_map={"CONSULT": "Hours", "DESIGN": "3", "GONE": "Old Widget"},
			payment_terms=("Net 30", "Net 45"),
		),
	)
	assert settings.default_item_id == "1"
	assert settings.item_map == {"CONSULT": "2", "DESIGN": "3"}  # an inactive item is not offered
	assert settings.terms_map == {"Net 30": "2"}
	assert settings.us_company and not settings.multicurrency
	assert "4" not in facts.item_ids
