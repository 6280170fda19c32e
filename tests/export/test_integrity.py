"""Regression tests for the integrity defects of issue 8 in the engine tier. Each one failed on 8b4f8bb
(the commit before its fix) and passes after."""

from __future__ import annotations

from decimal import Decimal as D

from qbo_connector.engine.client import BATCH_LIMIT
from qbo_connector.engine.records import FAILED, HELD, QUEUED, SYNCED, VOIDED

from .conftest import US_REALM, Ledger, exporter_for, invoices_in, make_client, us_settings
from .factories import invoice, line


def export(sb, invoices, ledger, **cfg):
	ledger.write_back(invoices)  # the records as the Frappe layer loads them: ids and revisions
	client = make_client(sb, US_REALM)
	report = exporter_for(client, us_settings(**cfg), ledger).export(invoices)
	ledger.write_back(invoices)
	return report


def live(sb, entity="Invoice") -> list[dict]:
	return [
		row
		for row in invoices_in(sb, US_REALM, entity)
		if row["TotalAmt"] or "Voided" not in row.get("PrivateNote", "")
	]


# -- 1. a request is identified by what it says ------------------------------------------------------------
def test_a_fixed_mapping_goes_out_next_run(us):
	"""Held by QuickBooks for an unknown item, then the mapping is fixed: the changed payload is sent, not
	answered with the first run's fault from the requestid cache."""
	inv = invoice(lines=[line("WIDGET", "1", "100")])
	ledger = Ledger()
	export(us, [inv], ledger, item_map={"WIDGET": "77"})  # no item 77 in QuickBooks
	assert ledger.status(inv.name) == HELD and not invoices_in(us, US_REALM)
	export(us, [inv], ledger, item_map={"WIDGET": "2"})
	assert ledger.status(inv.name) == SYNCED
	[row] = invoices_in(us, US_REALM)
	assert row["Line"][0]["SalesItemLineDetail"]["ItemRef"]["value"] == "2"


def test_a_fault_fixed_in_quickbooks_goes_out_next_run(us):
	"""The same payload after a fault fixed in QuickBooks itself (the item reactivated): the stored answer
	gives the record a new revision, so it is not replayed."""
	inv = invoice(lines=[line("OLD", "1", "100")])
	ledger = Ledger()
	export(us, [inv], ledger, item_map={"OLD": "4"})  # "Old Widget" is inactive in the seed
	assert ledger.status(inv.name) == HELD
	client = make_client(us, US_REALM)
	item = client.read("Item", "4")
	client.update("Item", {"Id": "4", "SyncToken": item["SyncToken"], "sparse": True, "Active": True})
	export(us, [inv], ledger, item_map={"OLD": "4"})
	assert ledger.status(inv.name) == SYNCED and len(invoices_in(us, US_REALM)) == 1
