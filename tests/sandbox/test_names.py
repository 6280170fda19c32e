"""Name-list rules: uniqueness across customers/vendors/employees, characters, lengths, updates."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import fault_of


@pytest.mark.parametrize(
	("name", "clashing_id"),
	[
		("Brosnahan Insurance Agency", "4"),  # a vendor
		("emily platt", "6"),  # an employee, case differs
		("  Cool Cars ", "3"),  # an inactive customer, with spaces around
	],
)
def test_duplicate_display_name_names_the_clashing_record(raw, name, clashing_id):
	error = fault_of(raw.post("customer", {"DisplayName": name}))
	assert error["code"] == "6240" and error["Message"] == "Duplicate Name Exists Error"
	assert error["Detail"] == f"The name supplied already exists. : Id={clashing_id}"
	assert error["element"] == "DisplayName"


def test_vendor_cannot_take_a_customer_name(raw):
	assert fault_of(raw.post("vendor", {"DisplayName": "Amy's Bird Sanctuary"}))["code"] == "6240"


@pytest.mark.parametrize("bad", ["Acme: West", "Acme\tWest", "Acme\nWest"])
def test_separators_are_refused(raw, bad):
	error = fault_of(raw.post("customer", {"DisplayName": bad}))
	assert error["code"] == "2040" and error["element"] == "DisplayName"
	assert fault_of(raw.post("customer", {"GivenName": bad}))["element"] == "GivenName"


@pytest.mark.parametrize(("field", "limit"), [("DisplayName", 500), ("GivenName", 100), ("CompanyName", 100)])
def test_length_limits(raw, field, limit):
	body = {"DisplayName": "Length Test", field: "x" * (limit + 1)}
	error = fault_of(raw.post("customer", body))
	assert error["code"] == "2050" and error["element"] == field and f"Max:{limit}" in error["Detail"]
	body[field] = "y" * limit
	assert raw.create("Customer", body)[field] == "y" * limit


def test_customer_needs_a_name(raw):
	assert fault_of(raw.post("customer", {"CompanyName": "Nameless"}))["code"] == "2020"
	made = raw.create("Customer", {"GivenName": "Ada", "FamilyName": "Lovelace"})
	assert made["DisplayName"] == "Ada Lovelace" and made["FullyQualifiedName"] == "Ada Lovelace"


def test_server_assigns_id_synctoken_and_metadata(raw):
	made = raw.create("Customer", {"DisplayName": "Fresh", "Balance": 999, "SyncToken": "9"})
	assert made["Id"] == "8" and made["SyncToken"] == "0" and made["Balance"] == 0
	assert made["MetaData"]["CreateTime"] == made["MetaData"]["LastUpdatedTime"]
	assert made["MetaData"]["CreateTime"].endswith("-07:00")
	assert made["Active"] is True and made["CurrencyRef"]["value"] == "USD"


def test_library_defaults_are_treated_as_absent(raw):
	# what python-quickbooks sends for a fresh Customer(): empty strings and zeros
	body = {
		"DisplayName": "Defaults",
		"CompanyName": "",
		"GivenName": "",
		"Balance": 0,
		"OpenBalanceDate": "",
	}
	made = raw.create("Customer", {**body, "SyncToken": 0, "sparse": False, "domain": "QBO"})
	assert "CompanyName" not in made and "OpenBalanceDate" not in made


def test_sparse_and_full_update(raw):
	made = raw.create("Customer", {"DisplayName": "Updatable", "CompanyName": "Up Co", "Notes": "n"})
	sparse = raw.post(
		"customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Notes": "changed"}
	).json()
	assert sparse["Customer"]["CompanyName"] == "Up Co" and sparse["Customer"]["SyncToken"] == "1"
	full = raw.post("customer", {"Id": made["Id"], "SyncToken": "1", "DisplayName": "Updatable"}).json()[
		"Customer"
	]
	assert "CompanyName" not in full and "Notes" not in full and full["SyncToken"] == "2"
	assert full["MetaData"]["CreateTime"] == made["MetaData"]["CreateTime"]


def test_stale_synctoken(raw):
	made = raw.create("Customer", {"DisplayName": "Stale"})
	raw.post("customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Notes": "a"})
	error = fault_of(raw.post("customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "Notes": "b"}))
	assert error["code"] == "5010" and error["Message"] == "Stale Object Error"


def test_sparse_update_cannot_clear_display_name(raw):
	made = raw.create("Customer", {"DisplayName": "Keep Me"})
	kept = raw.post("customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "DisplayName": ""})
	assert kept.json()["Customer"]["DisplayName"] == "Keep Me"


def test_update_to_a_taken_name_is_refused(raw):
	made = raw.create("Customer", {"DisplayName": "Renamer"})
	error = fault_of(
		raw.post(
			"customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "DisplayName": "John Johnson"}
		)
	)
	assert error["code"] == "6240" and error["Detail"].endswith("Id=7")


def test_customer_currency_is_fixed(sb, raw):
	sb.reset(
		{"realms": [{"realm_id": "1", "preferences": {"CurrencyPrefs": {"MultiCurrencyEnabled": True}}}]}
	)
	raw = type(raw)(sb, "1")
	made = raw.create("Customer", {"DisplayName": "Euro Buyer", "CurrencyRef": {"value": "EUR"}})
	error = fault_of(
		raw.post(
			"customer", {"Id": made["Id"], "SyncToken": "0", "sparse": True, "CurrencyRef": {"value": "USD"}}
		)
	)
	assert error["code"] == "6000" and error["element"] == "CurrencyRef"
	same = raw.post("customer", {"Id": made["Id"], "SyncToken": "0", "DisplayName": "Euro Buyer"}).json()
	assert same["Customer"]["CurrencyRef"]["value"] == "EUR"  # a full update that omits it keeps it


def test_foreign_currency_customer_needs_multicurrency(raw):
	error = fault_of(raw.post("customer", {"DisplayName": "Euro", "CurrencyRef": {"value": "EUR"}}))
	assert error["code"] == "6000" and error["element"] == "CurrencyRef"


def test_inactivating_a_customer_with_open_balance_is_refused(raw):
	customer = raw.create("Customer", {"DisplayName": "Owes Money"})
	line = {
		"DetailType": "SalesItemLineDetail",
		"Amount": 10,
		"SalesItemLineDetail": {"ItemRef": {"value": "1"}},
	}
	raw.create("Invoice", {"CustomerRef": {"value": customer["Id"]}, "Line": [line]})
	body = {"Id": customer["Id"], "SyncToken": "0", "sparse": True, "Active": False}
	error = fault_of(raw.post("customer", body))
	assert error["code"] == "6000" and "Balance" in error["Detail"]
	clean = raw.create("Customer", {"DisplayName": "Owes Nothing"})
	assert raw.post("customer", {**body, "Id": clean["Id"]}).json()["Customer"]["Active"] is False


def test_read_missing_and_unknown_entity(raw):
	error = fault_of(raw.get("customer/999"))
	assert error["code"] == "610" and error["Message"] == "Object Not Found"
	unknown = raw.get("spaceship/1")
	assert unknown.status_code == 400 and unknown.json()["Fault"]["Error"][0]["code"] == "500"
	assert fault_of(raw.post("taxcode", {"Name": "X"}))["code"] == "500"  # read-only, as in QBO


def test_companyinfo_and_preferences(raw):
	info = raw.get(f"companyinfo/{raw.realm}").json()["CompanyInfo"]
	assert info["Country"] == "US" and info["CompanyName"]
	prefs = raw.get("preferences").json()["Preferences"]
	assert prefs["CurrencyPrefs"]["MultiCurrencyEnabled"] is False
	assert raw.rows("select * from CompanyInfo")[0]["CompanyName"] == info["CompanyName"]


def test_items_need_unique_names_and_accounts(raw):
	assert (
		fault_of(raw.post("item", {"Name": "hours", "Type": "Service", "IncomeAccountRef": {"value": "1"}}))[
			"code"
		]
		== "6240"
	)
	assert fault_of(raw.post("item", {"Name": "Consulting", "Type": "Service"}))["code"] == "2020"
	made = raw.create("Item", {"Name": "Consulting", "Type": "Service", "IncomeAccountRef": {"value": "1"}})
	assert made["IncomeAccountRef"]["name"] == "Services"
