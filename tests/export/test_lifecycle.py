"""Lifecycle against the sandbox: cancel -> void, return -> CreditMemo (and its cancel -> delete), amendment
by update or void + create, after-submit edits as sparse updates, reconnect-required stops, preview."""

from __future__ import annotations

from qbo_connector.engine.export import preview_next_batch
from qbo_connector.engine.records import QUEUED, SYNCED, VOIDED

from .conftest import US_REALM, Ledger, exporter_for, invoices_in, make_client, us_settings
from .factories import invoice, line, tax


def export(sb, invoices, ledger, **cfg):
	client = make_client(sb, US_REALM)
	report = exporter_for(client, us_settings(**cfg), ledger).export(invoices)
	ledger.write_back(invoices)
	return report, client


def test_cancel_voids(us):
	inv = invoice(taxes=[tax("5")])
	ledger = Ledger()
	export(us, [inv], ledger)
	inv.docstatus = 2
	export(us, [inv], ledger)
	[row] = invoices_in(us, US_REALM)
	assert (
		ledger.status(inv.name) == VOIDED and row["TotalAmt"] == 0 and row["PrivateNote"].startswith("Voided")
	)


def test_cancel_of_an_invoice_never_sent_sends_nothing(us):
	inv = invoice(docstatus=2)
	ledger = Ledger()
	_, client = export(us, [inv], ledger)
	assert ledger.status(inv.name) == VOIDED and "never in QuickBooks" in ledger.outcomes[inv.name].message
	assert client.calls == 1 and not invoices_in(us, US_REALM)  # one DocNumber lookup, no write


def test_return_is_a_credit_memo_and_its_cancel_deletes_it(us):
	original = invoice(name="SINV-0001", lines=[line("SVC", "2", "50")])
	ledger = Ledger()
	export(us, [original], ledger)
	ret = invoice(
		name="SINV-RET-0001",
		lines=[line("SVC", "-1", "50", amount="-50")],
		is_return=True,
		return_against="SINV-0001",
	)
	export(us, [ret], ledger, **{})
	[memo] = invoices_in(us, US_REALM, "CreditMemo")
	assert memo["TotalAmt"] == 50 and "SINV-0001" in memo["PrivateNote"]
	ret.docstatus = 2
	export(us, [original, ret], ledger)
	assert ledger.status(ret.name) == VOIDED and not invoices_in(us, US_REALM, "CreditMemo")


def test_return_note_names_the_original_qbo_invoice(us):
	original = invoice(name="SINV-0001")
	ledger = Ledger()
	export(us, [original], ledger)
	ret = invoice(
		name="SINV-RET-0002",
		lines=[line("SVC", "-1", "100", amount="-100")],
		is_return=True,
		return_against="SINV-0001",
	)
	export(us, [original, ret], ledger)
	[memo] = invoices_in(us, US_REALM, "CreditMemo")
	assert f"QuickBooks invoice {original.qbo_id}" in memo["PrivateNote"]


def test_amend_by_void_and_create(us):
	original = invoice(name="SINV-0001")
	ledger = Ledger()
	export(us, [original], ledger, amend_policy="void_and_create")
	original.docstatus = 2
	amended = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "150")], amended_from="SINV-0001")
	export(us, [original, amended], ledger, amend_policy="void_and_create")
	rows = {row["DocNumber"]: row for row in invoices_in(us, US_REALM)}
	assert rows["SINV-0001"]["TotalAmt"] == 0 and rows["SINV-0001-1"]["TotalAmt"] == 150
	assert ledger.status("SINV-0001") == VOIDED and ledger.status("SINV-0001-1") == SYNCED


def test_amendment_after_the_original_was_voided_is_created_anew(us):
	original = invoice(name="SINV-0001")
	ledger = Ledger()
	export(us, [original], ledger)
	original.docstatus = 2
	export(us, [original], ledger)  # the cancel was synced before the amendment existed
	amended = invoice(name="SINV-0001-1", lines=[line("SVC", "1", "80")], amended_from="SINV-0001")
	export(us, [original, amended], ledger)
	rows = {row["DocNumber"]: row for row in invoices_in(us, US_REALM)}
	assert ledger.status("SINV-0001-1") == SYNCED and rows["SINV-0001-1"]["TotalAmt"] == 80


def test_after_submit_edit_is_a_sparse_update(us):
	inv = invoice(due_date="2026-02-14")
	ledger = Ledger()
	export(us, [inv], ledger)
	inv.due_date, inv.remarks = "2026-03-31", "Extended"
	client = make_client(us, US_REALM)
	exporter_for(client, us_settings(), ledger).update_after_submit([inv])
	[row] = invoices_in(us, US_REALM)
	# ERPNext's Remarks are internal: they go to the private note, never to the customer-facing memo
	assert row["DueDate"] == "2026-03-31" and "Remarks: Extended" in row["PrivateNote"]
	assert "CustomerMemo" not in row and row["TotalAmt"] == 100 and inv.name in row["PrivateNote"]
	assert ledger.status(inv.name) == SYNCED and row["SyncToken"] == "1"


def test_reconnect_required_stops_and_loses_nothing(us):
	invoices = [invoice(name=f"SINV-{i}") for i in range(3)]
	ledger = Ledger()
	client = make_client(us, US_REALM)
	us.revoke_refresh_tokens()
	us.expire_access_tokens()
	report = exporter_for(client, us_settings(), ledger).export(invoices)
	assert report.stopped and all(ledger.status(inv.name) == QUEUED for inv in invoices)
	assert "Reconnect" in ledger.outcomes["SINV-0"].message and not invoices_in(us, US_REALM)


def test_preview_next_batch():
	rows = preview_next_batch(
		[invoice(name="OK"), invoice(name="EMPTY", lines=[]), invoice(name="DONE", qbo_id="9")], us_settings()
	)
	assert rows == [
		(
			"OK",
			"will_send",
			"Line 1 (WIDGET) goes to the default QuickBooks item (no Item Mapping, no Income Account Mapping and "
			"no QuickBooks item of the same name).",
		),
		("EMPTY", "blocked", "The invoice has no lines."),
		("DONE", "in QuickBooks", ""),
	]
