"""Payments ERPNext -> QBO and credit notes applied, against the sandbox. Balances are read back from the
sandbox, which recomputes them from the payments' LinkedTxn (sandbox/txns.py, Intuit's Payment reference):
the engine's own arithmetic decides nothing here."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from qbo_connector.engine.payments import PaymentExporter, PaymentSettings, credit_application, invoice_links
from qbo_connector.engine.records import (
	HELD,
	QUEUED,
	SYNCED,
	VOIDED,
	WAITING_FOR_INVOICE,
	ERPPayment,
	PaymentReference,
)

from .conftest import INTL_REALM, US_REALM, Ledger, exporter_for, intl_settings, make_client, us_settings
from .factories import invoice, line


def payment(name="PE-0001", refs=(("SINV-0001", "40"),), paid=None, **kw) -> ERPPayment:
	references = [PaymentReference(inv, D(amount), kw.pop("invoice_id", "")) for inv, amount in refs]
	paid = D(paid) if paid is not None else sum((r.allocated for r in references), D(0))
	kw.setdefault("customer_qbo_id", "1")
	kw.setdefault("posting_date", "2026-02-01")
	return ERPPayment(name=name, customer="Acme", paid_amount=paid, references=references, **kw)


def send_invoices(sb, realm, invoices, cfg=None):
	ledger = Ledger()
	report = exporter_for(make_client(sb, realm), cfg or us_settings(), ledger).export(invoices)
	ledger.write_back(invoices)
	return report


def send_payments(sb, realm, payments, ledger, settings=None, **kw):
	client = make_client(sb, realm)
	exporter = PaymentExporter(
		client,
		settings or PaymentSettings(),
		on_outcome=ledger.on_outcome,
		on_in_flight=ledger.on_in_flight,
		backoff=0.05,
		doctype=kw.pop("doctype", "Payment Entry"),
	)
	report = exporter.export(payments, **kw)
	ledger.write_back(payments)
	return report


def link(payments, invoices):
	"""What the Frappe layer does when it loads a payment: each reference carries its invoice's QBO id."""
	ids = {inv.name: inv.qbo_id for inv in invoices}
	for pay in payments:
		for ref in pay.references:
			ref.qbo_id = ids.get(ref.invoice, ref.qbo_id)


def rows(sb, realm, entity):
	return {row["Id"]: row for row in sb.dump(realm)[entity]}


def balance(sb, realm, inv) -> float:
	return rows(sb, realm, "Invoice")[inv.qbo_id]["Balance"]


def test_partial_payment_leaves_the_rest_open(us):
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	pay = payment(reference_no="CHQ-12345", mode_of_payment="Cheque", paid_to="Bank - C")
	link([pay], [inv])
	check = {"Name": "Check", "Type": "NON_CREDIT_CARD"}
	method = make_client(us, US_REALM).create("PaymentMethod", check, "pm-check")["Id"]
	ledger = Ledger()
	send_payments(us, US_REALM, [pay], ledger, PaymentSettings(method_map={"Cheque": method}))
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(pay.name) == SYNCED and pay.qbo_id == row["Id"]
	assert balance(us, US_REALM, inv) == 60
	assert row["PaymentRefNum"] == "CHQ-12345" and row["PaymentMethodRef"]["value"] == method
	assert row["DepositToAccountRef"]["name"] == "Undeposited Funds"  # QuickBooks' default, not ours
	assert row["PrivateNote"] == "ERPNext Payment Entry PE-0001"


def test_one_payment_for_two_invoices_with_an_unallocated_remainder(us):
	first, second = invoice("SINV-0001"), invoice("SINV-0002", lines=[line(rate="50")])
	send_invoices(us, US_REALM, [first, second])
	pay = payment(refs=(("SINV-0001", "100"), ("SINV-0002", "50")), paid="175", paid_to="Bank - C")
	link([pay], [first, second])
	ledger = Ledger()
	send_payments(us, US_REALM, [pay], ledger, PaymentSettings(account_map={"Bank - C": "4"}))
	[row] = us.dump(US_REALM)["Payment"]
	assert balance(us, US_REALM, first) == 0 and balance(us, US_REALM, second) == 0
	assert row["UnappliedAmt"] == 25 and len(row["Line"]) == 2
	assert rows(us, US_REALM, "Customer")["1"]["Balance"] == -25  # unapplied credit on the customer


def test_a_long_reference_is_cut_to_21_and_kept_in_the_note(us):
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	pay = payment(reference_no="TRANSFER-2026-000000012345")
	link([pay], [inv])
	send_payments(us, US_REALM, [pay], Ledger())
	[row] = us.dump(US_REALM)["Payment"]
	assert row["PaymentRefNum"] == "TRANSFER-2026-0000000" and "000000012345" in row["PrivateNote"]


def test_foreign_currency_payment(intl):
	inv = invoice(customer_qbo_id="2", currency="EUR", conversion_rate=D("0.85"))
	send_invoices(intl, INTL_REALM, [inv], intl_settings())
	pay = payment(refs=(("SINV-0001", "100"),), customer_qbo_id="2", currency="EUR", exchange_rate=D("0.86"))
	link([pay], [inv])
	ledger = Ledger()
	send_payments(intl, INTL_REALM, [pay], ledger, PaymentSettings(home_currency="GBP", multicurrency=True))
	[row] = intl.dump(INTL_REALM)["Payment"]
	assert ledger.status(pay.name) == SYNCED and balance(intl, INTL_REALM, inv) == 0
	assert row["CurrencyRef"]["value"] == "EUR" and row["ExchangeRate"] == 0.86 and row["HomeTotalAmt"] == 86


def test_cancel_voids_the_payment_and_reopens_the_invoice(us):
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	pay = payment(refs=(("SINV-0001", "100"),))
	link([pay], [inv])
	ledger = Ledger()
	send_payments(us, US_REALM, [pay], ledger)
	assert balance(us, US_REALM, inv) == 0
	pay.docstatus = 2
	send_payments(us, US_REALM, [pay], ledger)
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(pay.name) == VOIDED and row["PrivateNote"].startswith("Voided")
	assert balance(us, US_REALM, inv) == 100


def paid_then_cancelled(us):
	"""An invoice of 100 in QuickBooks, PE-0001 paying 40 of it sent, then PE-0001 cancelled."""
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	original = payment()
	link([original], [inv])
	ledger = Ledger()
	send_payments(us, US_REALM, [original], ledger)
	assert balance(us, US_REALM, inv) == 60
	original.docstatus = 2
	return inv, original, ledger


def amend(us, settings=None):
	"""Pay 40, then cancel and amend the Payment Entry to 60, in one run."""
	inv, original, ledger = paid_then_cancelled(us)
	amended = payment("PE-0001-1", refs=(("SINV-0001", "60"),), amended_from="PE-0001", invoice_id=inv.qbo_id)
	send_payments(us, US_REALM, [original, amended], ledger, settings)
	live = [r for r in us.dump(US_REALM)["Payment"] if not r.get("PrivateNote", "").startswith("Voided")]
	assert len(live) == 1 and live[0]["TotalAmt"] == 60  # never two live payments for one Payment Entry
	assert balance(us, US_REALM, inv) == 40 and ledger.status(amended.name) == SYNCED
	return ledger.outcomes[original.name], len(us.dump(US_REALM)["Payment"])


def test_amendment_updates_the_original_payment(us):
	original, count = amend(us)
	assert original.extra.get("superseded") and count == 1


def test_amendment_by_void_and_create(us):
	original, count = amend(us, PaymentSettings(amend_policy="void_and_create"))
	assert original.status == VOIDED and count == 2


def test_an_amendment_waiting_for_its_invoice_voids_its_original_in_the_same_run(us):
	"""Under "update", the original of an amendment that cannot go yet (it pays an invoice not in QuickBooks)
	is voided, never left applied: the void was queued while the payments were planned, then dropped when
	the first phase started (found looking at the model's amendment/payment gap replay)."""
	inv, original, ledger = paid_then_cancelled(us)
	amended = payment("PE-0001-1", refs=(("SINV-0002", "40"),), amended_from="PE-0001")  # not in QuickBooks
	send_payments(us, US_REALM, [original, amended], ledger)
	assert ledger.status(amended.name) == WAITING_FOR_INVOICE
	assert ledger.status(original.name) == VOIDED
	assert balance(us, US_REALM, inv) == 100  # what the cancelled payment applied is open again


def test_void_and_create_of_a_payment_of_the_whole_balance(us):
	"""Found by the model (test_model.py): the amendment again pays the whole balance; the original's void
	must go first, else QuickBooks refuses the amendment (more than the open balance)."""
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	original = payment(refs=(("SINV-0001", "100"),), invoice_id=inv.qbo_id)
	ledger = Ledger()
	send_payments(us, US_REALM, [original], ledger)
	original.docstatus = 2
	amended = payment(
		"PE-0001-1", refs=(("SINV-0001", "100"),), amended_from="PE-0001", invoice_id=inv.qbo_id
	)
	send_payments(us, US_REALM, [original, amended], ledger, PaymentSettings(amend_policy="void_and_create"))
	assert ledger.status(original.name) == VOIDED and ledger.status(amended.name) == SYNCED
	assert balance(us, US_REALM, inv) == 0


def test_an_amendment_that_applies_nothing_keeps_no_lines(us):
	"""Found by the model: an amendment whose whole amount is unallocated updates the original's payment;
	QuickBooks reads an empty Line list as absent, so a sparse update would keep the original's lines."""
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	original = payment(invoice_id=inv.qbo_id)
	ledger = Ledger()
	send_payments(us, US_REALM, [original], ledger)
	original.docstatus = 2
	amended = payment("PE-0001-1", refs=(), paid="40", amended_from="PE-0001")
	send_payments(us, US_REALM, [original, amended], ledger)
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(amended.name) == SYNCED and not row.get("Line") and row["UnappliedAmt"] == 40
	assert balance(us, US_REALM, inv) == 100


def amend_to_half_and_pay_the_rest(us):
	"""Pay the whole 100 (PE-0001); cancel and amend it to 50 (PE-0001-1, an update of the same QBO payment); a
	new PE-0002 pays the other 50. QuickBooks takes PE-0002 only once the update has lowered PE-0001."""
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	original = payment(refs=(("SINV-0001", "100"),), invoice_id=inv.qbo_id)
	ledger = Ledger()
	send_payments(us, US_REALM, [original], ledger)
	original.docstatus = 2
	amended = payment("PE-0001-1", refs=(("SINV-0001", "50"),), amended_from="PE-0001", invoice_id=inv.qbo_id)
	new = payment("PE-0002", refs=(("SINV-0001", "50"),), invoice_id=inv.qbo_id, reference_no="CHQ-2")
	return inv, ledger, [original, amended, new]


def test_an_amendment_that_frees_the_balance_goes_before_a_new_payment(us):
	"""Found by the model (QBO_MODEL_RANDOM): the update's batch timed out and waited for its retry while the
	creates' batch went at once: QuickBooks refused PE-0002 (more than the open balance 0), for good. The
	updates now finish, retries included, before any create is sent."""
	inv, ledger, payments = amend_to_half_and_pay_the_rest(us)
	us.script_fault("timeout", count=1, kind="batch", delay=0.02)
	send_payments(us, US_REALM, payments, ledger)
	assert [ledger.status(p.name) for p in payments] == [SYNCED, SYNCED, SYNCED]
	assert balance(us, US_REALM, inv) == 0


def test_a_new_payment_waits_while_the_update_that_frees_its_balance_is_left_queued(us):
	"""The update never got through in this run (transient trouble to the last attempt): the same customer's
	new payment is not sent to be refused; it stays Queued and both go in the next run."""
	inv, ledger, payments = amend_to_half_and_pay_the_rest(us)
	us.script_fault("503", count=50, kind="batch", delay=0)
	send_payments(us, US_REALM, payments, ledger)
	us.clear_faults()
	assert [ledger.status(p.name) for p in payments] == [QUEUED, QUEUED, QUEUED]
	assert "PE-0001-1" in ledger.outcomes["PE-0002"].message
	assert balance(us, US_REALM, inv) == 0
	send_payments(us, US_REALM, payments, ledger)
	assert [ledger.status(p.name) for p in payments[1:]] == [SYNCED, SYNCED]
	assert balance(us, US_REALM, inv) == 0 and len(us.dump(US_REALM)["Payment"]) == 2


def test_payment_waits_for_its_invoice_then_goes_in_the_same_run(us):
	inv = invoice()
	pay = payment()
	ledger = Ledger()
	send_payments(us, US_REALM, [pay], ledger)
	assert ledger.status(pay.name) == WAITING_FOR_INVOICE and "SINV-0001" in ledger.outcomes[pay.name].message
	assert not us.dump(US_REALM)["Payment"]
	report = send_invoices(us, US_REALM, [inv])  # one run: invoices first, then payments
	send_payments(us, US_REALM, [pay], ledger, invoices=invoice_links(report.outcomes))
	assert ledger.status(pay.name) == SYNCED and balance(us, US_REALM, inv) == 60


class Killed(BaseException):
	"""The worker dies: nothing after the answer is written back."""


def crash_after_send(monkeypatch, us, pay, ledger):
	"""QuickBooks creates the payment; the process dies before its answer is written back."""
	real_send = PaymentExporter.send

	def send_then_die(self, batch):
		real_send(self, batch)
		raise Killed()

	monkeypatch.setattr(PaymentExporter, "send", send_then_die)
	with pytest.raises(Killed):
		send_payments(us, US_REALM, [pay], ledger)
	monkeypatch.undo()
	assert pay.name in ledger.in_flight and not pay.qbo_id and len(us.dump(US_REALM)["Payment"]) == 1


def test_crash_after_the_answer_does_not_duplicate_on_rerun(us, monkeypatch):
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	pay = payment()
	link([pay], [inv])
	ledger = Ledger()
	crash_after_send(monkeypatch, us, pay, ledger)
	send_payments(us, US_REALM, [pay], ledger, in_flight=set(ledger.in_flight))
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(pay.name) == SYNCED and ledger.outcomes[pay.name].extra.get("adopted")
	assert pay.qbo_id == row["Id"] and balance(us, US_REALM, inv) == 60


def test_cancel_of_a_payment_lost_in_flight_finds_and_voids_it(us, monkeypatch):
	inv = invoice()
	send_invoices(us, US_REALM, [inv])
	pay = payment(reference_no="WIRE-7")
	link([pay], [inv])
	ledger = Ledger()
	crash_after_send(monkeypatch, us, pay, ledger)
	pay.docstatus = 2
	send_payments(us, US_REALM, [pay], ledger)
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(pay.name) == VOIDED and row["PrivateNote"].startswith("Voided")
	assert balance(us, US_REALM, inv) == 100


def test_credit_note_is_applied_to_its_original(us):
	original = invoice(name="SINV-0001", lines=[line("SVC", "2", "50")])
	ret = invoice(
		name="SINV-RET-0001",
		lines=[line("SVC", "-1", "30", amount="-30")],
		is_return=True,
		return_against="SINV-0001",
	)
	orphan = invoice(name="SINV-RET-0002", lines=[line("SVC", "-1", "20", amount="-20")], is_return=True)
	send_invoices(us, US_REALM, [original])
	send_invoices(us, US_REALM, [ret, orphan])
	ledger = Ledger()
	application = credit_application(ret, original.qbo_id)
	send_payments(us, US_REALM, [application], ledger, doctype="Sales Invoice")
	memos = rows(us, US_REALM, "CreditMemo")
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(ret.name) == SYNCED and ledger.outcomes[ret.name].doctype == "Sales Invoice"
	assert row["TotalAmt"] == 0 and balance(us, US_REALM, original) == 70
	assert memos[ret.qbo_id]["RemainingCredit"] == 0
	assert memos[orphan.qbo_id]["RemainingCredit"] == 20  # no original: stays unapplied credit


def test_closed_period_holds_with_words_and_is_not_retried(us):
	inv = invoice(posting_date="2026-01-15")
	send_invoices(us, US_REALM, [inv])
	client = make_client(us, US_REALM)
	prefs = client.preferences()
	client.update(
		"Preferences",
		{
			"Id": prefs["Id"],
			"SyncToken": prefs["SyncToken"],
			"AccountingInfoPrefs": {"BookCloseDate": "2026-01-31"},
		},
	)
	pay = payment(posting_date="2026-01-20")
	link([pay], [inv])
	ledger = Ledger()
	report = send_payments(us, US_REALM, [pay], ledger)
	outcome = ledger.outcomes[pay.name]
	assert outcome.status == HELD and outcome.error_code == "6210" and report.batches == 1
	assert "closed in QuickBooks" in outcome.message and "Retry" in outcome.message
	assert not us.dump(US_REALM)["Payment"] and balance(us, US_REALM, inv) == 100
	late = invoice("SINV-0002", posting_date="2026-02-03")
	assert send_invoices(us, US_REALM, [late]).count(SYNCED) == 1  # after the closing date: open


def test_payment_mappings_are_resolved_by_name_and_unknown_names_hold(us):
	from qbo_connector.engine.discovery import PaymentChoices, discover_payment_settings, unresolved_reasons

	client = make_client(us, US_REALM)
	bank = client.create("Account", {"Name": "Business Checking", "AccountType": "Bank"}, "acct-bank")["Id"]
	method = client.create("PaymentMethod", {"Name": "Check", "Type": "NON_CREDIT_CARD"}, "pm-check")["Id"]
	choices = PaymentChoices(
		account_map={"Bank - C": "business checking", "Petty - C": "No Such Account"},
		method_map={"Cheque": "CHECK", "Card": "Visa"},
	)
	settings, unresolved = discover_payment_settings(client, choices)
	assert settings.account_map == {"Bank - C": bank} and settings.method_map == {"Cheque": method}
	assert settings.deposit_account_id == "" and settings.home_currency == "USD"  # Undeposited Funds
	assert (
		unresolved_reasons(payment(paid_to="Bank - C", mode_of_payment="Cheque"), settings, unresolved) == []
	)
	petty = unresolved_reasons(payment(paid_to="Petty - C", mode_of_payment="Card"), settings, unresolved)
	assert len(petty) == 2 and "No Such Account" in petty[0] and "Visa" in petty[1]
	# an unknown default account holds only the payments that would use it
	settings, unresolved = discover_payment_settings(
		client, PaymentChoices({"Bank - C": bank}, {}, "Nowhere")
	)
	assert unresolved_reasons(payment(paid_to="Bank - C"), settings, unresolved) == []
	assert "Nowhere" in unresolved_reasons(payment(paid_to="Cash - C"), settings, unresolved)[0]


def test_a_release_whose_lookup_fails_is_left_queued_not_voided_blind(us, monkeypatch):
	"""A cancelled credit application without its QBO id (the answer to its create was lost) is looked up
	before its void (credit_notes.release_credits). When that lookup meets transient trouble, it is tried again
	and then left Queued (the return held back), never followed by a void without an Id (was: void, read and
	delete of "", Failed); a later run finds the application and voids it."""
	original = invoice(name="SINV-0001", lines=[line("SVC", "2", "50")])
	ret = invoice(
		name="SINV-RET-0001",
		lines=[line("SVC", "-1", "30", amount="-30")],
		is_return=True,
		return_against="SINV-0001",
	)
	send_invoices(us, US_REALM, [original])
	send_invoices(us, US_REALM, [ret])
	ledger = Ledger()
	application = credit_application(ret, original.qbo_id)
	crash_after_send(monkeypatch, us, application, ledger)
	release = credit_application(ret, original.qbo_id)
	release.docstatus = 2
	us.script_fault("503", count=50, kind="query", delay=0)
	start = len(us.log_since())
	send_payments(us, US_REALM, [release], ledger, doctype="Sales Invoice")
	us.clear_faults()
	sent = [e["kind"] for e in us.log_since(start) if e["path"].startswith("/v3/")]
	assert ledger.status(ret.name) == QUEUED and set(sent) == {"query"}  # was: void, read, delete with no Id
	assert balance(us, US_REALM, original) == 70  # still applied
	send_payments(us, US_REALM, [release], ledger, doctype="Sales Invoice")
	[row] = us.dump(US_REALM)["Payment"]
	assert ledger.status(ret.name) == VOIDED and row["PrivateNote"].startswith("Voided")
	assert balance(us, US_REALM, original) == 100
