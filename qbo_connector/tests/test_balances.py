"""The QuickBooks balance on the invoice form (payment_import.read_back_balances): read in full at least daily
and when a payment was deleted or voided in QuickBooks; between full reads, only what may have moved. An idle
run reads no balance."""

from unittest.mock import patch

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.engine.payment_import import read_invoice_balances
from qbo_connector.tests.test_payment_import import PaymentsInQuickBooks

DAY_AGO = "2000-01-01T00:00:00+00:00"


class TestBalances(PaymentsInQuickBooks):
	def shown(self, invoice) -> float:
		return float(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_BALANCE) or 0)

	def sync_reading(self) -> tuple[dict, list[str]]:
		"""A run, and the QBO invoice ids whose balance it read."""
		read = []

		def reading(client, qbo_ids):
			read.extend(qbo_ids)
			return read_invoice_balances(client, qbo_ids)

		with patch("qbo_connector.payment_import.read_invoice_balances", reading):
			return self.sync(), read

	def test_an_idle_run_reads_no_balance_and_a_day_later_reads_them_all(self):
		customer = self.make_customer("Quiet Ledger Works")
		invoices = [self.make_invoice(customer, rate=10 + n, qty=1) for n in range(3)]
		self.sync()
		self.assertEqual([self.shown(i) for i in invoices], [10.0, 11.0, 12.0])
		# In ERPNext (payments made in QuickBooks are not read): another test's payments, deleted or drafted
		# in QuickBooks minutes ago, would be read again by the payments' feed (its 5 minutes of overlap)
		self.record_payments_in(c.PAYMENTS_IN_ERPNEXT)
		report, read = self.sync_reading()
		ours = {frappe.db.get_value("Sales Invoice", i.name, c.INVOICE_QBO_ID) for i in invoices}
		self.assertFalse(ours & set(read), read)  # (an earlier test's invoices may disagree on purpose)
		# the customers' change feed, and a query only for invoices whose two sides disagree
		self.assertLessEqual(report["qbo_calls"], 1 + (1 if read else 0), report)
		# an edit made in QuickBooks that no payment explains is read by the next full read, a day on
		row = next(r for r in self.qbo_rows("Invoice") if r["DocNumber"] == invoices[0].name)
		line = {**row["Line"][0], "Amount": 7.0}
		line["SalesItemLineDetail"] = {**line["SalesItemLineDetail"], "UnitPrice": 7.0}
		get_client().update("Invoice", {**row, "Line": [line], "sparse": False})
		self.sync()
		self.assertEqual(self.shown(invoices[0]), 10.0)
		frappe.db.set_value(c.QBO_COMPANY, self.company, "balance_cursor", DAY_AGO)
		frappe.db.commit()
		_, read = self.sync_reading()
		self.assertEqual(self.shown(invoices[0]), self.balance(invoices[0]))
		self.assertNotEqual(self.shown(invoices[0]), 10.0)
		self.assertLessEqual(ours, set(read))

	def test_a_payment_left_as_draft_still_moves_the_forms_balance(self):
		"""ERPNext's outstanding amount does not move (the entry is a draft): only the payment's link to the
		invoice tells that its QuickBooks balance did."""
		self.record_payments_in(c.PAYMENTS_IN_BOTH, "Left as draft")
		customer = self.make_customer("Drafted Cheque Dairy")
		invoice, other = (
			self.make_invoice(customer, rate=100, qty=1),
			self.make_invoice(customer, rate=5, qty=1),
		)
		self.sync()
		self.sync()  # the full read of the first run is done
		self.pay_in_quickbooks([(invoice, 60)])
		_, read = self.sync_reading()
		self.assertEqual(self.outstanding(invoice), 100.0)
		self.assertEqual((self.shown(invoice), self.balance(invoice)), (40.0, 40.0))
		self.assertEqual(self.shown(other), 5.0)
		qbo_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		self.assertEqual(read, [qbo_id])  # only the invoice the payment links

	def test_a_payment_this_app_sent_deleted_in_quickbooks_reopens_the_invoice_on_the_form(self):
		"""Paid on both sides (our Payment Entry went to QuickBooks), the balance is 0 everywhere; someone
		deletes that payment in QuickBooks. Nothing in ERPNext moves and the deleted payment no longer says
		what it paid: every balance is read."""
		customer = self.make_customer("Vanishing Cheque Vineyard")
		invoice = self.make_invoice(customer, rate=30, qty=1)
		self.sync()
		entry = self.pay(invoice, amount=30)
		self.sync()
		self.assertEqual((self.outstanding(invoice), self.shown(invoice)), (0.0, 0.0))
		self.sync()
		qbo_id = frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_QBO_ID)
		row = next(p for p in self.qbo_rows("Payment") if p["Id"] == qbo_id)
		get_client().delete("Payment", qbo_id, row["SyncToken"], request_id=frappe.generate_hash(length=12))
		self.sync()
		self.assertEqual((self.shown(invoice), self.balance(invoice)), (30.0, 30.0))
		self.assertEqual(self.outstanding(invoice), 0.0)  # ERPNext keeps its payment: a person decides

	def test_a_full_read_goes_page_by_page(self):
		"""Every Synced invoice is read once, a page of BALANCE_PAGE links at a time."""
		customer = self.make_customer("Paged Ledger Press")
		invoices = [self.make_invoice(customer, rate=20 + n, qty=1) for n in range(5)]
		self.sync()
		frappe.db.set_value(c.QBO_COMPANY, self.company, "balance_cursor", DAY_AGO)
		frappe.db.commit()
		with patch("qbo_connector.payment_import.BALANCE_PAGE", 2):
			_, read = self.sync_reading()
		ours = [frappe.db.get_value("Sales Invoice", i.name, c.INVOICE_QBO_ID) for i in invoices]
		self.assertLessEqual(set(ours), set(read))
		self.assertEqual(len(read), len(set(read)), read)  # no page read twice

	def test_new_links_with_and_without_a_balance_are_written_together(self):
		"""One batch's new links: an invoice's carries QuickBooks' balance, a return's credit memo none (its
		column is NOT NULL: the default goes in, not NULL)."""
		from qbo_connector import links

		customer = self.make_customer("Mixed Batch Mercantile")
		invoice, other = (
			self.make_invoice(customer, rate=8, qty=1),
			self.make_invoice(customer, rate=9, qty=1),
		)
		realm = frappe.db.get_value(c.QBO_COMPANY, self.company, "realm_id")
		links.set_links(
			"Sales Invoice",
			realm,
			self.company,
			{
				invoice.name: {"status": "Synced", "qbo_id": "9001", "qbo_balance": 8.0},
				other.name: {"status": "Synced", "qbo_id": "9002", "qbo_entity": "CreditMemo"},
			},
		)
		stored = {
			r.reference_name: r.qbo_balance
			for r in frappe.get_all(
				c.LINK,
				filters={"reference_name": ("in", [invoice.name, other.name]), "realm_id": realm},
				fields=["reference_name", "qbo_balance"],
			)
		}
		self.assertEqual(stored, {invoice.name: 8.0, other.name: 0.0})
		frappe.db.rollback()
