"""Issue 11: income accounts choose the QBO item; cost centers become QBO classes (per line or per invoice) and
locations (Department), only where the company tracks them."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.invoice_refs import default_item_lines
from qbo_connector.engine.invoices import QBOFacts, map_invoice, preflight
from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.seed import read_seed

from .conftest import US_REALM, Ledger, exporter_for, invoices_in, make_client, us_settings
from .factories import invoice, line

RETAIL, TRADE, SPARE = "Retail - C", "Trade - C", "Spare - C"
CLASSES = {RETAIL: "11", TRADE: "12"}


def sales_lines(payload: dict) -> list[dict]:
	return [ln for ln in payload["Line"] if ln["DetailType"] == "SalesItemLineDetail"]


def line_classes(payload: dict) -> list[str]:
	return [ln["SalesItemLineDetail"].get("ClassRef", {}).get("value", "") for ln in sales_lines(payload)]


def two_centers(name="SINV-CC", sign=1, **kw) -> object:
	"""A trade line (its own cost center) and a line that takes the header's cost center (retail)."""
	lines = [line("WIDGET", str(sign), "60", cost_center=TRADE), line("GADGET", str(sign), "40")]
	return invoice(name=name, lines=lines, cost_center=RETAIL, is_return=sign < 0, **kw)


# -- items: the income account's mapping -----------------------------------------------------------
def test_item_order_is_line_mapping_income_account_name_then_default():
	cfg = us_settings(
		default_item_id="1",
		item_map={"MAPPED": "7"},
		income_account_map={"Consulting - C": "5"},
		item_names={"hours": "2"},
	)
	lines = [
		line("MAPPED", income_account="Consulting - C"),  # the Item Mapping beats the account's
		line("HOURS", income_account="Consulting - C"),  # the account's mapping beats the name match
		line("HOURS", income_account="Other - C"),  # account not mapped: the QBO item of the same name
		line("MISC", income_account="Other - C"),  # nothing: the default item
		line("OWN", qbo_item_id="9", income_account="Consulting - C"),  # the line's own id first
	]
	inv = invoice(lines=lines)
	refs = [ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in sales_lines(map_invoice(inv, cfg))]
	assert refs == ["7", "5", "2", "1", "9"]
	assert default_item_lines(inv, cfg).startswith("Line 4 (MISC) goes to the default QuickBooks item")


def test_no_item_at_all_names_the_income_account_in_the_hold():
	cfg = us_settings(default_item_id="", income_account_map={"Consulting - C": "5"})
	reasons = preflight(invoice(lines=[line("MISC", income_account="Other - C")]), cfg)
	assert any("no Income Account Mapping for its income account 'Other - C'" in r for r in reasons)


# -- classes and locations in the payload -----------------------------------------------------------
def test_class_per_line_from_the_line_or_the_header_cost_center():
	cfg = us_settings(class_map=CLASSES, class_tracking="line")
	payload = map_invoice(two_centers(), cfg)
	assert line_classes(payload) == ["12", "11"]
	assert "ClassRef" not in payload and "DepartmentRef" not in payload


def test_an_unmapped_cost_center_sends_no_class_and_holds_nothing():
	cfg = us_settings(class_map=CLASSES, class_tracking="line")
	inv = invoice(lines=[line("WIDGET", cost_center=SPARE)])
	assert line_classes(map_invoice(inv, cfg)) == [""]


def test_the_rounding_line_takes_the_header_class():
	cfg = us_settings(class_map=CLASSES, class_tracking="line", rounding_item_id="99")
	inv = two_centers(disable_rounded_total=False, rounded_total=D("100"), rounding_adjustment=D("0"))
	inv.lines[1].rate = inv.lines[1].amount = D("39.70")
	inv.grand_total, inv.rounding_adjustment = D("99.70"), D("0.30")
	payload = map_invoice(inv, cfg)
	assert sales_lines(payload)[-1]["Description"] == "Rounding adjustment"
	assert line_classes(payload) == ["12", "11", "11"]


def test_class_per_transaction_goes_on_the_header_only():
	cfg = us_settings(class_map=CLASSES, class_tracking="txn")
	payload = map_invoice(two_centers(), cfg)
	assert payload["ClassRef"] == {"value": "11"} and line_classes(payload) == ["", ""]


def test_without_a_header_cost_center_the_lines_common_one_is_the_invoices():
	cfg = us_settings(class_map=CLASSES, department_map={TRADE: "4"}, class_tracking="txn")
	cfg.track_departments = True
	inv = invoice(lines=[line("A", cost_center=TRADE), line("B", cost_center=TRADE)])
	payload = map_invoice(inv, cfg)
	assert payload["ClassRef"] == {"value": "12"} and payload["DepartmentRef"] == {"value": "4"}
	inv.lines[1].cost_center = RETAIL  # two cost centers and no header: no invoice-wide class or location
	payload = map_invoice(inv, cfg)
	assert "ClassRef" not in payload and "DepartmentRef" not in payload


def test_location_from_the_header_cost_center():
	cfg = us_settings(department_map={RETAIL: "3", TRADE: "4"}, track_departments=True)
	payload = map_invoice(two_centers(), cfg)
	assert payload["DepartmentRef"] == {"value": "3"} and line_classes(payload) == ["", ""]


def test_nothing_is_sent_where_the_company_does_not_track_classes_or_locations():
	cfg = us_settings(class_map=CLASSES, department_map={RETAIL: "3"}, class_tracking="")
	payload = map_invoice(two_centers(), cfg)
	assert "ClassRef" not in payload and "DepartmentRef" not in payload and line_classes(payload) == ["", ""]


@pytest.mark.parametrize("tracking", ["line", "txn"])
def test_a_return_carries_the_same_refs(tracking):
	cfg = us_settings(class_map=CLASSES, department_map={RETAIL: "3"}, class_tracking=tracking)
	cfg.track_departments = True
	payload = map_invoice(two_centers("SINV-RET", sign=-1, return_against="SINV-CC"), cfg)
	assert payload["DepartmentRef"] == {"value": "3"}
	if tracking == "line":
		assert line_classes(payload) == ["12", "11"] and "ClassRef" not in payload
	else:
		assert payload["ClassRef"] == {"value": "11"} and line_classes(payload) == ["", ""]


def test_an_inactive_class_or_location_holds_the_invoice_when_the_active_ones_are_known():
	cfg = us_settings(class_map=CLASSES, department_map={RETAIL: "3"}, class_tracking="line")
	cfg.track_departments = True
	reasons = preflight(two_centers(), cfg, QBOFacts(class_ids={"11"}, department_ids={"4"}))
	assert reasons == [
		"The QuickBooks class (id 12) mapped for cost center 'Trade - C' is inactive or missing.",
		"The QuickBooks location (id 3) mapped for cost center 'Retail - C' is inactive or missing.",
	]
	assert preflight(two_centers(), cfg, QBOFacts(class_ids={"11", "12"}, department_ids={"3"})) == []
	assert preflight(two_centers(), cfg, QBOFacts()) == []  # not checked


def test_an_inactive_class_the_company_does_not_track_holds_nothing():
	cfg = us_settings(class_map=CLASSES, class_tracking="")
	assert preflight(two_centers(), cfg, QBOFacts(class_ids=set(), department_ids=set())) == []


# -- against the sandbox: discovery and export -----------------------------------------------------
def tracked_seed(per_line=True, departments=True) -> dict:
	seed = read_seed(None)
	realm = seed["realms"][0]
	realm["classes"] = [
		{"Id": "1", "Name": "Residential"},
		{"Id": "2", "Name": "Commercial"},
		{"Id": "3", "Name": "Municipal", "ParentRef": {"value": "2"}},
		{"Id": "4", "Name": "Closed Branch", "Active": False},
	]
	realm["departments"] = [{"Id": "1", "Name": "North"}, {"Id": "2", "Name": "South"}]
	realm["preferences"]["AccountingInfoPrefs"] = {
		"ClassTrackingPerTxnLine": per_line,
		"ClassTrackingPerTxn": not per_line,
		"TrackDepartments": departments,
	}
	return seed


@pytest.fixture
def tracked():
	sandbox = Sandbox(seed=tracked_seed(), port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


CHOICES = dict(
	default_item="Services",
	income_account_map={"Design Income - C": "Design"},
	class_map={RETAIL: "Residential", TRADE: "Commercial:Municipal", SPARE: "No Such Class"},
	department_map={RETAIL: "North", TRADE: "2"},
)


def test_discovery_resolves_names_to_ids_and_reads_what_the_company_tracks(tracked):
	client = make_client(tracked, US_REALM)
	cfg, facts = discover_export_settings(client, ExportChoices(**CHOICES))
	assert cfg.class_tracking == "line" and cfg.track_departments is True
	assert cfg.class_map == {RETAIL: "1", TRADE: "3"}  # an unknown name is left out, as in the item map
	assert cfg.department_map == {RETAIL: "1", TRADE: "2"}
	assert cfg.income_account_map == {"Design Income - C": "3"}
	assert facts.class_ids == {"1", "2", "3"} and facts.department_ids == {"1", "2"}


def test_discovery_reads_no_classes_or_locations_without_maps_or_tracking(tracked):
	client = make_client(tracked, US_REALM)

	def queries(choices: ExportChoices) -> tuple[int, object, object]:
		mark = len(tracked.log_since(0))
		cfg, facts = discover_export_settings(client, choices)
		return sum(1 for e in tracked.log_since(mark) if e["kind"] == "query"), cfg, facts

	plain, cfg, facts = queries(ExportChoices(default_item="Services"))
	assert facts.class_ids is None and facts.department_ids is None and cfg.class_tracking == "line"
	assert queries(ExportChoices(**CHOICES))[0] == plain + 2
	prefs = tracked.realms[US_REALM].preferences["AccountingInfoPrefs"]
	prefs.update(ClassTrackingPerTxnLine=False, ClassTrackingPerTxn=False, TrackDepartments=False)
	count, cfg, facts = queries(ExportChoices(**CHOICES))
	assert count == plain and cfg.class_map == {} and cfg.department_map == {}
	assert (cfg.class_tracking, cfg.track_departments, facts.class_ids) == ("", False, None)
	prefs.update(ClassTrackingPerTxn=True)
	assert discover_export_settings(client, ExportChoices())[0].class_tracking == "txn"


def test_an_invoice_with_two_cost_centers_lands_with_its_classes_and_location(tracked):
	client = make_client(tracked, US_REALM)
	cfg, facts = discover_export_settings(client, ExportChoices(**CHOICES))
	cfg.automated_sales_tax = True
	inv = two_centers()
	inv.lines[0].income_account = "Design Income - C"
	ret = two_centers("SINV-CC-RET", sign=-1)
	ledger = Ledger()
	exporter_for(client, cfg, ledger, facts=facts).export([inv, ret])
	assert ledger.status(inv.name) == ledger.status(ret.name) == "Synced", ledger.outcomes
	for stored in (invoices_in(tracked, US_REALM)[0], invoices_in(tracked, US_REALM, "CreditMemo")[0]):
		details = [ln["SalesItemLineDetail"] for ln in sales_lines(stored)]
		assert [d["ClassRef"] for d in details] == [
			{"value": "3", "name": "Commercial:Municipal"},
			{"value": "1", "name": "Residential"},
		]
		assert stored["DepartmentRef"] == {"value": "1", "name": "North"} and "ClassRef" not in stored
	first = sales_lines(invoices_in(tracked, US_REALM)[0])[0]["SalesItemLineDetail"]
	assert first["ItemRef"]["name"] == "Design"  # by its income account


def test_a_mapping_to_an_inactive_class_holds_the_invoice(tracked):
	client = make_client(tracked, US_REALM)
	cfg, facts = discover_export_settings(client, ExportChoices(class_map={TRADE: "Closed Branch"}))
	cfg.automated_sales_tax = True
	ledger = Ledger()
	exporter_for(client, cfg, ledger, facts=facts).export([two_centers()])
	outcome = ledger.outcomes["SINV-CC"]
	assert outcome.status == "Held" and "class (id 4) mapped for cost center 'Trade - C'" in outcome.message
	assert not invoices_in(tracked, US_REALM)
