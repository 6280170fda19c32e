"""Payments QBO -> ERPNext (engine/payment_import.py) against the sandbox: payments entered in QuickBooks are
read by CDC and planned; our own never are. Balances are the sandbox's, recomputed from the payments'
LinkedTxn (sandbox/txns.py, Intuit's Payment reference)."""

from __future__ import annotations

from decimal import Decimal as D

from qbo_connector.engine import payment_import
from qbo_connector.engine.payment_import import (
	Allocation,
	PaymentChanges,
	plan_payment_import,
	plan_payments,
	read_invoice_balances,
)
from qbo_connector.engine.payments import PaymentSettings

from .conftest import INTL_REALM, US_REALM, Ledger, intl_settings, make_client
from .factories import invoice, line
from .test_payments import link, payment, send_invoices, send_payments

HOUR = 3600


class Books:
	"""What the Frappe layer keeps between runs: exported invoices, our payments' links, imported payments."""

	def __init__(self, sb, realm=US_REALM):
		self.sb, self.realm = sb, realm
		self.client = make_client(sb, realm)
		self.invoices: dict[str, str] = {}  # QBO invoice id -> Sales Invoice
		self.own: set[str] = set()
		self.imported: dict[str, tuple[str, str]] = {}
		self.cursor = sb.clock.now() - HOUR

	def export(self, *invoices, cfg=None):
		send_invoices(self.sb, self.realm, list(invoices), cfg)
		self.invoices.update({inv.qbo_id: inv.name for inv in invoices})
		return invoices

	def plan(self, cursor=None, **kw):
		now = self.sb.clock.now()
		plan = plan_payment_import(
			self.client,
			self.cursor if cursor is None else cursor,
			now,
			self.invoices,
			self.own,
			self.imported,
			**kw,
		)
		self.cursor = now
		return plan

	def keep(self, plan):
		"""Create the planned Payment Entries (by name), as the Frappe layer would, and drop cancelled ones."""
		for item in plan.create + plan.update:
			name = item.payment_entry or f"PE-QBO-{item.qbo_id}"
			self.imported[item.qbo_id] = (name, item.sync_token)
		for item in plan.cancel:
			self.imported.pop(item.qbo_id, None)

	def pay_in_qbo(self, customer="1", total=None, lines=(), **extra) -> dict:
		"""A payment entered by a user in QuickBooks: (qbo invoice id, amount) per line."""
		body = {
			"CustomerRef": {"value": customer},
			"TotalAmt": float(total if total is not None else sum(D(a) for _, a in lines)),
			"Line": [
				{"Amount": float(a), "LinkedTxn": [{"TxnId": i, "TxnType": "Invoice"}]} for i, a in lines
			],
			**extra,
		}
		return self.client.create("Payment", body, f"user-{len(self.sb.dump(self.realm)['Payment'])}")

	def balances(self) -> dict[str, D]:
		return {row["Id"]: D(str(row["Balance"])) for row in self.sb.dump(self.realm)["Invoice"]}


def test_a_payment_entered_in_quickbooks_is_planned_once(us):
	books = Books(us)
	[inv] = books.export(invoice())
	method = books.client.create("PaymentMethod", {"Name": "Check", "Type": "NON_CREDIT_CARD"}, "pm-1")["Id"]
	made = books.pay_in_qbo(
		lines=[(inv.qbo_id, "40")],
		TxnDate="2026-02-03",
		PaymentRefNum="CHQ-881",
		PaymentMethodRef={"value": method},
		DepositToAccountRef={"value": "4"},
	)
	plan = books.plan()
	[item] = plan.create
	assert not plan.update and not plan.cancel and not plan.unknown
	assert item.qbo_id == made["Id"] and item.allocations == [Allocation("SINV-0001", inv.qbo_id, D("40"))]
	assert (item.total, item.unallocated, item.txn_date, item.ref_num) == (
		D("40"),
		D("0"),
		"2026-02-03",
		"CHQ-881",
	)
	assert (item.payment_method_id, item.deposit_account_id, item.currency) == (method, "4", "USD")
	assert item.customer_qbo_id == "1" and item.sync_token == made["SyncToken"]
	books.keep(plan)
	# the next run reads from the new cursor; its 5-minute overlap sees the payment again: nothing to do
	assert books.plan().items == []
	assert books.imported == {made["Id"]: ("PE-QBO-" + made["Id"], "0")}
	# ten minutes later, two runs on: CDC from the cursor (less 5 minutes) no longer returns it at all
	us.advance_clock(600)
	assert books.plan().items == []
	books.imported = {}
	assert books.plan().items == []


def test_a_changed_imported_payment_is_planned_for_update(us):
	books = Books(us)
	[inv] = books.export(invoice())
	made = books.pay_in_qbo(lines=[(inv.qbo_id, "40")])
	books.keep(books.plan())
	change = {
		"Id": made["Id"],
		"SyncToken": "0",
		"TotalAmt": 55.0,
		"Line": [{"Amount": 55.0, "LinkedTxn": [{"TxnId": inv.qbo_id, "TxnType": "Invoice"}]}],
	}
	books.client.update("Payment", change)
	[item] = books.plan().update
	assert item.payment_entry == f"PE-QBO-{made['Id']}" and item.allocations[0].amount == D("55")
	assert item.sync_token == "1"


def test_a_payment_this_app_created_is_never_planned(us):
	books = Books(us)
	[inv] = books.export(invoice())
	pay = payment(refs=(("SINV-0001", "40"),))
	link([pay], [inv])
	ledger = Ledger()
	send_payments(us, US_REALM, [pay], ledger, PaymentSettings())
	books.own.add(pay.qbo_id)
	plan = books.plan()
	assert plan.items == [] and plan.own == [pay.qbo_id]
	# someone rewrites its note in QuickBooks: the link still says it is ours
	books.client.update("Payment", {"Id": pay.qbo_id, "SyncToken": "0", "PrivateNote": "cheque 12"})
	plan = books.plan(cursor=us.clock.now() - HOUR)
	assert plan.items == [] and plan.own == [pay.qbo_id]
	books.client.update(
		"Payment", {"Id": pay.qbo_id, "SyncToken": "1", "PrivateNote": "ERPNext Payment Entry PE-0001"}
	)
	pay.qbo_sync_token = "2"
	# a crash between QuickBooks' create and our link write: no link, the note still says it is ours
	books.own.clear()
	plan = books.plan(cursor=us.clock.now() - HOUR)
	assert plan.items == [] and plan.own == [pay.qbo_id]
	# and once voided by our cancel ("Voided - ERPNext Payment Entry ...")
	pay.docstatus = 2
	send_payments(us, US_REALM, [pay], ledger, PaymentSettings())
	assert ledger.status(pay.name) == "Voided"
	plan = books.plan(cursor=us.clock.now() - HOUR)
	assert plan.items == [] and plan.own == [pay.qbo_id]


def test_voided_or_deleted_imported_payments_are_planned_for_cancel(us):
	books = Books(us)
	first, second = books.export(invoice("SINV-0001"), invoice("SINV-0002"))
	kept = books.pay_in_qbo(lines=[(first.qbo_id, "10")])
	voided = books.pay_in_qbo(lines=[(first.qbo_id, "20")])
	deleted = books.pay_in_qbo(lines=[(second.qbo_id, "30")])
	never_imported = books.pay_in_qbo(lines=[(second.qbo_id, "5")])
	plan = books.plan()
	assert len(plan.create) == 4
	books.keep(plan)
	books.imported.pop(never_imported["Id"])  # the accountant deleted that draft in ERPNext
	books.client.void("Payment", voided["Id"], "0")
	books.client.delete("Payment", deleted["Id"], "0")
	books.client.void("Payment", never_imported["Id"], "0")
	plan = books.plan()
	cancels = {item.qbo_id: item.payment_entry for item in plan.cancel}
	assert cancels == {voided["Id"]: f"PE-QBO-{voided['Id']}", deleted["Id"]: f"PE-QBO-{deleted['Id']}"}
	assert not plan.create and not plan.update and not plan.unknown and kept["Id"] in books.imported
	books.keep(plan)
	assert books.plan().items == []  # the overlap re-reads the void: cancelled entries are not in `imported`


def test_an_imported_payment_emptied_in_quickbooks_is_planned_for_cancel(us):
	"""Zero and without lines reads as void whatever the note says (Intuit does not document the voided shape)."""
	books = Books(us)
	[inv] = books.export(invoice())
	made = books.pay_in_qbo(lines=[(inv.qbo_id, "40")])
	books.keep(books.plan())
	row = {**books.client.read("Payment", made["Id"]), "SyncToken": "1", "TotalAmt": 0, "Line": []}
	row["PrivateNote"] = ""
	plan = plan_payments(PaymentChanges([row], set()), books.invoices, books.own, books.imported)
	assert [(i.qbo_id, i.payment_entry) for i in plan.cancel] == [(made["Id"], f"PE-QBO-{made['Id']}")]
	assert not plan.update


def test_a_deletion_is_found_without_cdc(us):
	"""No cursor (or a full CDC answer): payments are queried, and an imported payment that is gone was deleted."""
	books = Books(us)
	[inv] = books.export(invoice())
	made = books.pay_in_qbo(lines=[(inv.qbo_id, "40")])
	plan = books.plan(cursor=0)
	assert plan.full_sweep and [i.qbo_id for i in plan.create] == [made["Id"]]
	books.keep(plan)
	books.client.delete("Payment", made["Id"], "0")
	plan = books.plan(cursor=0)
	assert plan.full_sweep and [(i.qbo_id, i.action) for i in plan.cancel] == [(made["Id"], "cancel")]


def test_the_plan_names_the_invoices_whose_balance_may_have_moved(us):
	"""Between full reads the Frappe layer reads back only the balances a changed payment links (touched),
	ours, imported or unknown alike; a deleted or voided payment no longer says what it paid: unknown."""
	books = Books(us)
	first, second, third, other = books.export(*(invoice(f"SINV-000{n}") for n in range(1, 5)))
	del books.invoices[other.qbo_id]  # an invoice this app did not export
	made = books.pay_in_qbo(lines=[(first.qbo_id, "10"), (second.qbo_id, "5")])
	stranger = books.pay_in_qbo(lines=[(other.qbo_id, "7")])
	plan = books.plan()
	assert plan.touched == {first.qbo_id, second.qbo_id, other.qbo_id} and not plan.balances_unknown
	books.keep(plan)
	assert books.plan().touched == {first.qbo_id, second.qbo_id, other.qbo_id}  # the overlap reads them again
	us.advance_clock(600)
	books.plan()
	assert books.plan().touched == set()  # ten minutes and two runs on: nothing changed since
	books.client.delete("Payment", made["Id"], "0")
	plan = books.plan()
	assert plan.balances_unknown and third.qbo_id not in plan.touched
	us.advance_clock(600)
	books.plan()
	books.client.void("Payment", stranger["Id"], "0")
	assert books.plan().balances_unknown
	assert books.plan(cursor=0).balances_unknown  # no cursor: payments are swept, so are balances


def test_partial_and_multi_invoice_payments_allocate_per_invoice(us):
	books = Books(us)
	first, second = books.export(invoice("SINV-0001"), invoice("SINV-0002", lines=[line(rate="50")]))
	partial = books.pay_in_qbo(lines=[(first.qbo_id, "30")])
	multi = books.pay_in_qbo(total="95", lines=[(first.qbo_id, "45"), (second.qbo_id, "50")])
	remainder = books.pay_in_qbo(total="40", lines=[(first.qbo_id, "25")])
	items = {item.qbo_id: item for item in books.plan().create}
	assert items[partial["Id"]].allocations == [Allocation("SINV-0001", first.qbo_id, D("30"))]
	assert items[multi["Id"]].allocations == [
		Allocation("SINV-0001", first.qbo_id, D("45")),
		Allocation("SINV-0002", second.qbo_id, D("50")),
	]
	assert items[multi["Id"]].unallocated == 0
	left = items[remainder["Id"]]
	assert (left.total, left.unallocated, left.unapplied) == (D("40"), D("15"), D("15"))
	balances = books.balances()
	assert balances[first.qbo_id] == D("0") and balances[second.qbo_id] == D("0")


def test_a_payment_against_invoices_we_do_not_know_is_listed(us):
	books = Books(us)
	[ours] = books.export(invoice())
	sale = {"DetailType": "SalesItemLineDetail", "Amount": 70, "SalesItemLineDetail": {}}
	theirs = books.client.create("Invoice", {"CustomerRef": {"value": "1"}, "Line": [sale]}, "their-inv")
	unknown = books.pay_in_qbo(lines=[(theirs["Id"], "60")])
	loose = books.pay_in_qbo(total="12")  # not applied to anything
	mixed = books.pay_in_qbo(lines=[(ours.qbo_id, "20"), (theirs["Id"], "5")])
	plan = books.plan()
	listed = {item.qbo_id: item for item in plan.unknown}
	assert set(listed) == {unknown["Id"], loose["Id"]}
	assert listed[unknown["Id"]].other_links == [("Invoice", theirs["Id"], D("60"))]
	assert "did not export" in listed[unknown["Id"]].reasons[0]
	assert listed[loose["Id"]].reasons == ["It is not applied to any invoice."]
	[item] = plan.create
	assert item.qbo_id == mixed["Id"] and [a.invoice for a in item.allocations] == ["SINV-0001"]
	assert item.other_links == [("Invoice", theirs["Id"], D("5"))]
	assert (item.total, item.unallocated, item.unapplied) == (D("25"), D("5"), D("0"))


def test_a_credit_applied_in_quickbooks_is_listed(us):
	books = Books(us)
	[ours] = books.export(invoice())
	sale = {"DetailType": "SalesItemLineDetail", "Amount": 30, "SalesItemLineDetail": {}}
	memo = books.client.create("CreditMemo", {"CustomerRef": {"value": "1"}, "Line": [sale]}, "memo-1")
	body = {
		"CustomerRef": {"value": "1"},
		"TotalAmt": 0,
		"Line": [
			{"Amount": 30, "LinkedTxn": [{"TxnId": ours.qbo_id, "TxnType": "Invoice"}]},
			{"Amount": 30, "LinkedTxn": [{"TxnId": memo["Id"], "TxnType": "CreditMemo"}]},
		],
	}
	applied = books.client.create("Payment", body, "apply-1")
	plan = books.plan()
	assert [i.qbo_id for i in plan.unknown] == [applied["Id"]] and not plan.create
	assert "credit memo" in plan.unknown[0].reasons[0]


def test_foreign_currency_payment_keeps_currency_and_rate(intl):
	books = Books(intl, INTL_REALM)
	[inv] = books.export(
		invoice(customer_qbo_id="2", currency="EUR", conversion_rate=D("0.85")), cfg=intl_settings()
	)
	books.pay_in_qbo(
		customer="2", lines=[(inv.qbo_id, "100")], CurrencyRef={"value": "EUR"}, ExchangeRate=0.86
	)
	[item] = books.plan(home_currency="GBP").create
	assert (item.currency, item.exchange_rate, item.total) == ("EUR", D("0.86"), D("100"))


def test_balances_read_back_equal_quickbooks_after_payments(us, monkeypatch):
	books = Books(us)
	invoices = books.export(*(invoice(f"SINV-000{n}") for n in range(1, 4)))
	books.pay_in_qbo(lines=[(invoices[0].qbo_id, "100")])
	books.pay_in_qbo(lines=[(invoices[1].qbo_id, "12.5")])
	pay = payment(name="PE-0009", refs=(("SINV-0003", "60"),))
	link([pay], invoices)
	send_payments(us, US_REALM, [pay], Ledger())
	monkeypatch.setattr(payment_import, "BALANCE_CHUNK", 2)  # three ids: two queries
	mark = len(us.request_log)
	ids = [inv.qbo_id for inv in invoices]
	balances = read_invoice_balances(books.client, [*ids, "999"])
	assert balances == {qbo_id: books.balances()[qbo_id] for qbo_id in ids}
	assert [balances[i] for i in ids] == [D("0"), D("87.5"), D("40")]
	assert sum(1 for entry in us.log_since(mark) if entry["kind"] == "query") == 2
