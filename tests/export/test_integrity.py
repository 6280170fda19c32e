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


# -- 2. a refused amendment creates nothing -----------------------------------------------------------------
def pay_in_quickbooks(sb, qbo_id: str, amount: str) -> None:
	client = make_client(sb, US_REALM)
	link = [{"TxnId": qbo_id, "TxnType": "Invoice"}]
	client.create(
		"Payment",
		{
			"CustomerRef": {"value": "1"},
			"TotalAmt": float(amount),
			"Line": [{"Amount": float(amount), "LinkedTxn": link}],
		},
		request_id=f"pay-{qbo_id}",
	)


def test_a_refused_amendment_is_failed_not_created_twice(us):
	"""The amendment lowers the total below what was paid in QuickBooks: QuickBooks refuses the update. The
	old code created a second, open invoice; now the amendment fails with the reason and nothing is created."""
	original = invoice(name="SINV-0001", lines=[line("SVC", "1", "100")])
	ledger = Ledger()
	export(us, [original], ledger)
	pay_in_quickbooks(us, original.qbo_id, "100")
	original.docstatus = 2
	amended = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "50")], amended_from="SINV-0001")
	export(us, [original, amended], ledger)
	assert len(invoices_in(us, US_REALM)) == 1  # the original, paid; no second invoice
	assert ledger.status(amended.name) == FAILED
	message = ledger.outcomes[amended.name].message
	assert "refused to update" in message and "payments already applied" in message
	# the original is not marked as carried by an amendment that never reached QuickBooks
	assert not ledger.outcomes[original.name].extra.get("superseded")
	assert ledger.status(original.name) != SYNCED


def test_an_amendment_of_an_original_voided_in_quickbooks_is_created(us):
	original = invoice(name="SINV-0001", lines=[line("SVC", "1", "100")])
	ledger = Ledger()
	export(us, [original], ledger)
	make_client(us, US_REALM).void_invoice(original.qbo_id, original.qbo_sync_token, "void-by-a-user")
	original.docstatus = 2
	amended = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "80")], amended_from="SINV-0001")
	export(us, [original, amended], ledger)
	assert ledger.status(amended.name) == SYNCED and ledger.status(original.name) == VOIDED
	assert [row["TotalAmt"] for row in live(us)] == [80]


# -- 3. the original of a held amendment is voided -------------------------------------------------------------
def test_the_original_of_a_held_amendment_is_voided_not_left_live(us):
	original = invoice(name="SINV-0001", lines=[line("SVC", "1", "100")])
	ledger = Ledger()
	export(us, [original], ledger)
	original.docstatus = 2
	held = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "120")], amended_from="SINV-0001")
	export(us, [held, original], ledger, default_item_id="")  # no item for SVC: pre-flight holds it
	assert ledger.status(held.name) == HELD
	assert ledger.status(original.name) == VOIDED and not live(us)
	export(us, [held], ledger)  # mapping fixed: the amendment goes out as a new invoice
	assert ledger.status(held.name) == SYNCED
	assert [(row["DocNumber"], row["TotalAmt"]) for row in live(us)] == [("SINV-0001-1", 120)]


def test_the_original_waits_with_an_amendment_that_will_be_retried(us):
	"""QuickBooks unreachable for the amendment: the original is neither voided nor called carried."""
	original = invoice(name="SINV-0001", lines=[line("SVC", "1", "100")])
	ledger = Ledger()
	export(us, [original], ledger)
	original.docstatus = 2
	amended = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "90")], amended_from="SINV-0001")
	us.script_fault("503", count=50, kind="batch")
	export(us, [original, amended], ledger)
	assert ledger.status(amended.name) == QUEUED and ledger.status(original.name) == QUEUED
	us.clear_faults()
	export(us, [original, amended], ledger)
	assert ledger.status(amended.name) == SYNCED and ledger.outcomes[original.name].extra.get("superseded")
	assert [(row["DocNumber"], row["TotalAmt"]) for row in live(us)] == [("SINV-0001", 90)]
