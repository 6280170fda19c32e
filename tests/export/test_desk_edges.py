"""Issue 14, rough edges 8 and 9: items matched by name, and discounts the customer's invoice shows."""

from __future__ import annotations

from decimal import Decimal as D

from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.export import preview_next_batch
from qbo_connector.engine.invoices import map_invoice

from .conftest import US_REALM, make_client, us_settings
from .factories import invoice, line


# -- 8: items matched by name ----------------------------------------------------------------------
def test_discovery_offers_active_items_by_name(us):
	settings, _ = discover_export_settings(make_client(us, US_REALM), ExportChoices(default_item="Services"))
	assert settings.item_names["hours"] == "2" and settings.item_names["design"] == "3"
	assert "old widget" not in settings.item_names  # inactive: never matched by name


def test_unmapped_item_goes_to_the_qbo_item_of_the_same_name_before_the_default():
	cfg = us_settings(default_item_id="1", item_names={"hours": "2", "design": "3"})
	lines = [
		line("HOURS", "2", "75", item_name="Consulting hours"),  # by item code, case-insensitive
		line("DSN-01", "1", "120", item_name="design"),  # by item name
		line("MISC", "1", "10", item_name="Miscellaneous"),  # no match: the default item
	]
	payload = map_invoice(invoice(lines=lines), cfg)
	refs = [ln["SalesItemLineDetail"]["ItemRef"]["value"] for ln in payload["Line"]]
	assert refs == ["2", "3", "1"]


def test_an_item_mapping_still_wins_over_a_name_match():
	cfg = us_settings(item_map={"HOURS": "3"}, item_names={"hours": "2"})
	payload = map_invoice(invoice(lines=[line("HOURS")]), cfg)
	assert payload["Line"][0]["SalesItemLineDetail"]["ItemRef"] == {"value": "3"}


def test_line_description_does_not_repeat_an_item_name_equal_to_its_code():
	payload = map_invoice(invoice(lines=[line("Service Call", item_name="Service Call")]), us_settings())
	assert payload["Line"][0]["Description"] == "Service Call"
	payload = map_invoice(invoice(lines=[line("SC-1", item_name="Service Call")]), us_settings())
	assert payload["Line"][0]["Description"] == "SC-1: Service Call"


def test_preview_next_batch_names_the_lines_that_fall_back_to_the_default_item():
	cfg = us_settings(default_item_id="1", item_names={"hours": "2"})
	inv = invoice(name="MIXED", lines=[line("HOURS"), line("MISC"), line("GIFT")])
	both = invoice(name="ALL-NAMED", lines=[line("Hours")])
	rows = preview_next_batch([inv, both], cfg)
	assert rows[0][:2] == ("MIXED", "will_send")
	assert "Lines 2 (MISC), 3 (GIFT) go to the default QuickBooks item" in rows[0][2]
	assert rows[1] == ("ALL-NAMED", "will_send", "")


def test_invoice_with_a_name_matched_item_lands_on_that_item_in_the_sandbox(us):
	from .conftest import Ledger, exporter_for, invoices_in

	client = make_client(us, US_REALM)
	cfg, facts = discover_export_settings(client, ExportChoices(default_item="Services"))
	ledger = Ledger()
	exporter_for(client, cfg, ledger, facts=facts).export([invoice(lines=[line("DESIGN", "1", "120")])])
	[stored] = invoices_in(us, US_REALM)
	sales = [ln for ln in stored["Line"] if ln["DetailType"] == "SalesItemLineDetail"]
	assert sales[0]["SalesItemLineDetail"]["ItemRef"]["value"] == "3"
	assert D(str(stored["TotalAmt"])) == D("120")
