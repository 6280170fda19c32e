"""Payments recorded in QuickBooks -> Payment Entries (In QuickBooks / In both), never twice and never sent
back; a payment this app sent is never imported; voided in QuickBooks -> cancelled; unknown -> logged;
balances read back. The sandbox recomputes Invoice Balance from the payments' LinkedTxn."""

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.queue import queue_name
from qbo_connector.tests import test_payments
from qbo_connector.tests.utils import QBOTestCase


class PaymentsInQuickBooks(QBOTestCase):
	"""Payments recorded In both, and a user's payment entered in QuickBooks (shared with test_balances)."""

	pay = test_payments.TestPayments.pay
	balance = test_payments.TestPayments.balance
	outstanding = test_payments.TestPayments.outstanding

	def setUp(self):
		self.connect_and_enable()
		self.record_payments_in(c.PAYMENTS_IN_BOTH)
		self.addCleanup(self.record_payments_in, c.PAYMENTS_IN_ERPNEXT, "Submitted")

	def record_payments_in(self, where: str, state: str = "Submitted") -> None:
		settings = frappe.get_single(c.SETTINGS)
		settings.payments_recorded_in = where
		settings.imported_payment_state = state
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	def pay_in_quickbooks(self, invoices_amounts, total=None, note="Cheque taken at the counter") -> str:
		"""A payment entered in QuickBooks itself (not by this app): lines linking the invoices."""
		lines = [
			{
				"Amount": amount,
				"LinkedTxn": [
					{
						"TxnId": frappe.db.get_value("Sales Invoice", inv.name, c.INVOICE_QBO_ID),
						"TxnType": "Invoice",
					}
				],
			}
			for inv, amount in invoices_amounts
		]
		customer_id = frappe.db.get_value("Customer", invoices_amounts[0][0].customer, c.CUSTOMER_QBO_ID)
		body = {
			"CustomerRef": {"value": customer_id},
			"TotalAmt": total if total is not None else sum(a for _, a in invoices_amounts),
			"Line": lines,
			"PrivateNote": note,
			"PaymentRefNum": "QB-77",
		}
		return get_client().create("Payment", body, request_id=frappe.generate_hash(length=12))["Id"]


class TestPaymentImport(PaymentsInQuickBooks):
	def entries_from(self, qbo_id: str) -> list[frappe._dict]:
		names = frappe.get_all(
			c.LINK,
			filters={"reference_doctype": "Payment Entry", "qbo_id": qbo_id, "origin": c.ORIGIN_QUICKBOOKS},
			pluck="reference_name",
		)
		return frappe.get_all(
			"Payment Entry",
			filters={"name": ("in", names or [""])},
			fields=["name", "docstatus", "paid_amount", "reference_no"],
		)

	def test_a_payment_made_in_quickbooks_is_recorded_once_and_never_sent_back(self):
		customer = self.make_customer("Counter Cheque Traders")
		first = self.make_invoice(customer, rate=50, qty=2)  # 100
		second = self.make_invoice(customer, rate=30, qty=1)  # 30
		self.sync()
		qbo_id = self.pay_in_quickbooks([(first, 60), (second, 30)])
		payments_before = len(self.qbo_rows("Payment"))
		self.sync()
		entries = self.entries_from(qbo_id)
		self.assertEqual([(e.docstatus, e.paid_amount, e.reference_no) for e in entries], [(1, 90, "QB-77")])
		self.assertEqual((self.outstanding(first), self.outstanding(second)), (40.0, 0.0))
		# never queued for QuickBooks, never sent back
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entries[0].name)))
		self.assertEqual(len(self.qbo_rows("Payment")), payments_before)
		# the balances read back: QuickBooks' own
		self.assertEqual(float(frappe.db.get_value("Sales Invoice", first.name, c.INVOICE_QBO_BALANCE)), 40.0)
		self.assertEqual(self.balance(first), self.outstanding(first))
		# a rerun (and a rerun from an old cursor: the overlap re-reads it) records nothing more
		self.sync()
		frappe.db.set_value(c.QBO_COMPANY, self.company, "payment_cursor", "")
		self.sync()
		self.assertEqual(len(self.entries_from(qbo_id)), 1)
		self.assertEqual(len(self.qbo_rows("Payment")), payments_before)

	def test_a_payment_sent_from_erpnext_is_never_imported_back(self):
		customer = self.make_customer("Round Trip Supplies")
		invoice = self.make_invoice(customer, rate=70, qty=1)
		self.sync()
		entry = self.pay(invoice, amount=70)
		self.sync()
		self.assertEqual(frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_SYNC_STATUS), "Synced")
		frappe.db.set_value(c.QBO_COMPANY, self.company, "payment_cursor", "")  # a full sweep sees it
		self.sync()
		self.assertEqual(
			frappe.db.count("Payment Entry", {"party": customer, "docstatus": 1}), 1, "imported back"
		)
		self.assertEqual(self.outstanding(invoice), 0.0)

	def test_a_payment_voided_in_quickbooks_cancels_its_entry(self):
		customer = self.make_customer("Bounced Cheque Bakery")
		invoice = self.make_invoice(customer, rate=45, qty=1)
		self.sync()
		qbo_id = self.pay_in_quickbooks([(invoice, 45)])
		self.sync()
		self.assertEqual(self.outstanding(invoice), 0.0)
		row = next(p for p in self.qbo_rows("Payment") if p["Id"] == qbo_id)
		get_client().void("Payment", qbo_id, row["SyncToken"], request_id=frappe.generate_hash(length=12))
		self.sync()
		self.assertEqual([e.docstatus for e in self.entries_from(qbo_id)], [2])
		self.assertEqual(self.outstanding(invoice), 45.0)
		self.assertEqual(self.balance(invoice), 45.0)

	def test_a_payment_against_an_invoice_we_did_not_export_is_logged_not_guessed(self):
		customer = self.make_customer("Stranger Ledger Co")
		invoice = self.make_invoice(customer, rate=20, qty=1)
		self.sync()
		client = get_client()
		foreign = client.create(
			"Invoice",
			{
				"CustomerRef": {"value": frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)},
				"Line": [
					{
						"Amount": 15,
						"DetailType": "SalesItemLineDetail",
						"SalesItemLineDetail": {"ItemRef": {"value": "1"}},
					}
				],
			},
			request_id=frappe.generate_hash(length=12),
		)
		body = {
			"CustomerRef": {"value": foreign["CustomerRef"]["value"]},
			"TotalAmt": 15,
			"Line": [{"Amount": 15, "LinkedTxn": [{"TxnId": foreign["Id"], "TxnType": "Invoice"}]}],
		}
		qbo_id = client.create("Payment", body, request_id=frappe.generate_hash(length=12))["Id"]
		report = self.sync()
		self.assertEqual(self.entries_from(qbo_id), [])
		self.assertEqual(report.get("imported_payments_held"), 1, report)
		self.assertTrue(frappe.db.exists(c.SYNC_LOG, {"qbo_id": qbo_id, "status": ("!=", "Success")}))
		self.assertEqual(self.outstanding(invoice), 20.0)

	def test_left_as_draft_and_in_erpnext_only(self):
		self.record_payments_in(c.PAYMENTS_IN_BOTH, "Left as draft")
		customer = self.make_customer("Draft Desk Partners")
		invoice = self.make_invoice(customer, rate=10, qty=1)
		self.sync()
		qbo_id = self.pay_in_quickbooks([(invoice, 10)])
		self.sync()
		self.assertEqual([e.docstatus for e in self.entries_from(qbo_id)], [0])
		self.assertEqual(self.outstanding(invoice), 10.0)
		# In ERPNext: payments made in QuickBooks are not read at all
		self.record_payments_in(c.PAYMENTS_IN_ERPNEXT)
		other = self.pay_in_quickbooks([(self.make_invoice_synced(customer), 5)], total=5)
		self.sync()
		self.assertEqual(self.entries_from(other), [])

	def make_invoice_synced(self, customer):
		invoice = self.make_invoice(customer, rate=5, qty=1)
		self.sync()
		return invoice

	def test_a_lost_connection_while_recording_pauses_the_run_and_loses_nothing(self):
		from unittest.mock import patch

		from qbo_connector.engine.errors import ReconnectRequired
		from qbo_connector.jobs import run_sync

		customer = self.make_customer("Pause Point Paper")
		invoice = self.make_invoice(customer, rate=9, qty=1)
		self.sync()
		qbo_id = self.pay_in_quickbooks([(invoice, 9)])
		cursor = frappe.db.get_value(c.QBO_COMPANY, self.company, "payment_cursor")
		frappe.db.commit()
		lost = ReconnectRequired("invalid_grant")
		with patch("qbo_connector.payment_import.create_entry", side_effect=lost):
			self.assertEqual(run_sync()["status"], "paused")
		self.assertEqual(frappe.db.get_value(c.QBO_COMPANY, self.company, "payment_cursor"), cursor)
		self.assertFalse(frappe.db.exists(c.SYNC_LOG, {"qbo_id": qbo_id, "status": "Failed"}))
		self.connect_and_enable()  # reconnected: the payment comes in
		self.sync()
		self.assertEqual(len(self.entries_from(qbo_id)), 1)
