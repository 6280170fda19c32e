"""The query language: operators, paging, counting, Active filtering and Intuit's parse/validation faults."""

from __future__ import annotations

import pytest

from tests.sandbox.conftest import Raw, fault_of


@pytest.fixture
def people(raw):
	for name, email in (
		("Zed Alpha", "z@a.invalid"),
		("Yan Beta", "y@b.invalid"),
		("Xia O'Hara", "x@c.invalid"),
	):
		raw.create("Customer", {"DisplayName": name, "PrimaryEmailAddr": {"Address": email}})
	return raw


def names(raw, text: str) -> list[str]:
	return [row.get("DisplayName") or row.get("Name") for row in raw.rows(text)]


def test_operators(people):
	assert names(people, "SELECT * FROM Customer WHERE DisplayName = 'yan beta'") == ["Yan Beta"]
	assert names(people, "select * from customer where DisplayName LIKE '%o\\'h%'") == ["Xia O'Hara"]
	assert names(
		people, "SELECT * FROM Customer WHERE DisplayName LIKE '%a%a%' ORDERBY DisplayName DESC"
	) == [
		"Zed Alpha",
		"Yan Beta",
		"Xia O'Hara",
		"Amy's Bird Sanctuary",
	]
	assert names(people, "SELECT * FROM Customer WHERE DisplayName LIKE 'Bill%'") == ["Bill's Windsurf Shop"]
	assert names(people, "SELECT * FROM Customer WHERE Id IN ('1', '2') ORDERBY Id DESC") == [
		"Bill's Windsurf Shop",
		"Amy's Bird Sanctuary",
	]
	assert names(people, "SELECT * FROM Customer WHERE DisplayName = 'Xia O\\'Hara'") == ["Xia O'Hara"]
	line = {"DetailType": "SalesItemLineDetail", "Amount": 10, "SalesItemLineDetail": {}}
	for amount in (10, 20, 30):
		people.create("Invoice", {"CustomerRef": {"value": "1"}, "Line": [{**line, "Amount": amount}]})
	totals = [
		row["TotalAmt"]
		for row in people.rows("SELECT * FROM Invoice WHERE TotalAmt > '10' AND TotalAmt <= 30")
	]
	assert totals == [20, 30]
	assert names(people, "SELECT * FROM Item WHERE Type = 'Service' AND Name >= 'H' ORDERBY Name") == [
		"Hours",
		"Services",
	]
	assert names(people, "SELECT * FROM Customer WHERE PrimaryEmailAddr = 'Y@B.INVALID'") == ["Yan Beta"]


def test_metadata_and_dates(people):
	stamp = people.rows("SELECT * FROM Customer WHERE DisplayName = 'Zed Alpha'")[0]["MetaData"][
		"LastUpdatedTime"
	]
	rows = people.rows(f"SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '{stamp}'")
	assert "Zed Alpha" in [row["DisplayName"] for row in rows]
	assert people.rows("SELECT * FROM Customer WHERE MetaData.LastUpdatedTime > '2999-01-01T00:00:00Z'") == []


def test_active_filtering(people):
	assert "Cool Cars" not in names(people, "SELECT * FROM Customer")
	assert "Cool Cars" in names(people, "SELECT * FROM Customer WHERE Active IN (true, false)")
	assert names(people, "SELECT * FROM Customer WHERE Active = false") == ["Cool Cars"]
	assert "Old Widget" not in names(people, "SELECT * FROM Item")


def test_paging_and_count(people):
	first = people.query("SELECT * FROM Customer ORDERBY Id STARTPOSITION 1 MAXRESULTS 2").json()[
		"QueryResponse"
	]
	assert first["startPosition"] == 1 and first["maxResults"] == 2 and len(first["Customer"]) == 2
	rest = people.query("SELECT * FROM Customer ORDERBY Id STARTPOSITION 3 MAXRESULTS 2").json()[
		"QueryResponse"
	]
	assert rest["startPosition"] == 3 and [c["Id"] for c in rest["Customer"]] == ["8", "9"]
	assert people.query("SELECT COUNT(*) FROM Customer").json()["QueryResponse"] == {"totalCount": 5}
	assert people.query("SELECT * FROM Customer STARTPOSITION 50").json()["QueryResponse"] == {}
	assert people.query("SELECT * FROM Invoice").json() | {"time": None} == {
		"QueryResponse": {},
		"time": None,
	}


def test_default_page_is_100(sb):
	vendors = [{"DisplayName": f"Vendor {number:03d}"} for number in range(105)]
	sb.reset({"realms": [{"realm_id": "5", "vendors": vendors}]})
	raw = Raw(sb, "5")
	assert len(raw.rows("SELECT * FROM Vendor")) == 100
	assert len(raw.rows("SELECT * FROM Vendor MAXRESULTS 1000")) == 105


def test_projection_and_get(people):
	rows = people.rows("SELECT Id, DisplayName FROM Customer WHERE DisplayName = 'Zed Alpha'")
	assert rows == [{"Id": rows[0]["Id"], "DisplayName": "Zed Alpha"}]
	response = people.get("query", query="select * from Customer where DisplayName = 'Zed Alpha'")
	assert response.json()["QueryResponse"]["Customer"][0]["DisplayName"] == "Zed Alpha"


@pytest.mark.parametrize(
	("text", "code"),
	[
		("SELECT * FROM Customer WHERE DisplayName = 'a' OR DisplayName = 'b'", "4000"),
		("SELEC * FROM Customer", "4000"),
		("SELECT * FROM Customer WHERE DisplayName = 'unterminated", "4000"),
		("SELECT * FROM Customer WHERE DisplayName != 'x'", "4000"),
		("SELECT * FROM Customer WHERE DisplayName = “curly”", "4000"),
		("", "4000"),
		("SELECT * FROM Customer MAXRESULTS 1001", "4001"),
		("SELECT * FROM Customer WHERE ShoeSize = '9'", "4001"),
		("SELECT * FROM Spaceship", "4001"),
		("SELECT * FROM Customer WHERE Id LIKE '1%'", "4001"),
		("SELECT * FROM Customer STARTPOSITION 0", "4001"),
	],
)
def test_bad_queries_are_faults_not_crashes(raw, text, code):
	response = raw.query(text)
	assert response.status_code == 400
	error = fault_of(response)
	assert error["code"] == code
	if code == "4000":
		assert error["Message"] == "Error parsing query"


def test_select_star_with_named_fields_orderby_forms_and_typed_filters(people):
	"""`SELECT *, Sku` (python-quickbooks Item.all), `ORDER BY` and `ORDERBY`, numbers, dates, COUNT with WHERE."""
	items = people.rows("SELECT *, Sku FROM Item ORDER BY Name DESC MAXRESULTS 100")
	assert [row["Name"] for row in items] == sorted((row["Name"] for row in items), reverse=True)
	assert people.rows("SELECT *, Sku, Name FROM Item ORDERBY Name ASC") == items[::-1]
	count = people.query("SELECT COUNT(*) FROM Item WHERE Type = 'Service'").json()["QueryResponse"]
	assert count == {"totalCount": len([row for row in items if row["Type"] == "Service"])}
	line = {"DetailType": "SalesItemLineDetail", "Amount": 10, "SalesItemLineDetail": {}}
	for day, amount in (("2024-01-05", 10), ("2024-02-05", 20), ("2024-03-05", 30)):
		body = {"CustomerRef": {"value": "1"}, "TxnDate": day, "Line": [{**line, "Amount": amount}]}
		people.create("Invoice", body)
	found = people.rows(
		"SELECT * FROM Invoice WHERE TxnDate >= '2024-02-01' AND TxnDate < '2024-03-31' ORDER BY TxnDate DESC"
	)
	assert [row["TotalAmt"] for row in found] == [30, 20]
	assert [row["TotalAmt"] for row in people.rows("SELECT * FROM Invoice WHERE TotalAmt IN (10, 30)")] == [
		10,
		30,
	]
	owing = people.rows("SELECT * FROM Customer WHERE Balance > 0")
	assert [row["Id"] for row in owing] == ["1"] and owing[0]["Balance"] == 60
	assert people.query("SELECT * FROM Customer WHERE").status_code == 400
