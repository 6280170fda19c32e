"""QuickBooks Reconciliation report: QuickBooks' totals and balances beside ERPNext's, read live; a drift made
on purpose in QuickBooks (a payment ERPNext does not know, an invoice deleted there) is shown, agreeing
records are not (Drift Only), and each customer gets a total row."""

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.jobs import run_sync
from qbo_connector.qbo_connector.report.quickbooks_reconciliation.quickbooks_reconciliation import execute
from qbo_connector.tests.utils import QBOTestCase


class TestReconciliation(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def report(self, **filters) -> dict[str, dict]:
		_columns, rows, message = execute({"company": self.company, **filters})
		self.assertIn("Read from QuickBooks", message)
		return rows

	def test_a_drift_made_in_quickbooks_is_shown_and_agreeing_records_are_not(self):
		customer = self.make_customer("Drift Watch Distributors")
		paid_there = self.make_invoice(customer, rate=25, qty=2)
		agreeing = self.make_invoice(customer, rate=10, qty=1)
		frappe.db.commit()
		run_sync()
		qbo_id = frappe.db.get_value("Sales Invoice", paid_there.name, c.INVOICE_QBO_ID)
		get_client().create(  # paid in QuickBooks while payments are recorded in ERPNext: a drift
			"Payment",
			{
				"CustomerRef": {"value": frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)},
				"TotalAmt": 20,
				"Line": [{"Amount": 20, "LinkedTxn": [{"TxnId": qbo_id, "TxnType": "Invoice"}]}],
			},
			request_id=frappe.generate_hash(length=12),
		)
		rows = self.report(customer=customer)
		by_name = {r.get("document"): r for r in rows}
		self.assertEqual(by_name[paid_there.name]["drift"], "open amounts differ")
		self.assertEqual(
			(by_name[paid_there.name]["erp_open"], by_name[paid_there.name]["qbo_open"]), (50, 30)
		)
		self.assertEqual(by_name[agreeing.name]["drift"], "")
		self.assertEqual(by_name[agreeing.name]["qbo_total"], 10)
		total = next(r for r in rows if r.get("is_total"))
		self.assertEqual((total["erp_total"], total["qbo_total"], total["drift"]), (60, 60, "1 differ"))
		drifting = [
			r.get("document") for r in self.report(customer=customer, drift_only=1) if not r.get("is_total")
		]
		self.assertEqual(drifting, [paid_there.name])

	def test_an_invoice_deleted_in_quickbooks_is_shown(self):
		customer = self.make_customer("Vanished Invoice Vendors")
		invoice = self.make_invoice(customer, rate=7, qty=1)
		frappe.db.commit()
		run_sync()
		qbo_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		token = get_client().read("Invoice", qbo_id)["SyncToken"]
		get_client().delete("Invoice", qbo_id, token, request_id=frappe.generate_hash(length=12))
		rows = {r.get("document"): r for r in self.report(customer=customer, drift_only=1)}
		self.assertIn("not in QuickBooks", rows[invoice.name]["drift"])
