"""A foreign-currency payment on real documents (issue 11): a EUR Sales Invoice of a USD company and its
Payment Entry at another exchange rate go to a multicurrency QuickBooks company. QuickBooks gets the EUR
amounts with each document's own rate (the sandbox keeps the home-currency amounts); ERPNext keeps its
exchange gain or loss, and the invoice is paid off on both sides."""

import frappe
from frappe.utils import today

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

from qbo_connector import constants as c
from qbo_connector.tests.utils import QBOTestCase


class TestForeignCurrencyPayments(QBOTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		realm = cls.sandbox.realms[cls.sandbox.realm_ids[0]]
		realm.preferences["CurrencyPrefs"]["MultiCurrencyEnabled"] = True  # this class's own sandbox

	def setUp(self):
		self.connect_and_enable()

	def eur_receivable(self) -> str:
		abbr = frappe.get_cached_value("Company", self.company, "abbr")
		name = f"QBO Receivable EUR - {abbr}"
		if not frappe.db.exists("Account", name):
			default = frappe.get_cached_value("Company", self.company, "default_receivable_account")
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": "QBO Receivable EUR",
					"company": self.company,
					"parent_account": frappe.db.get_value("Account", default, "parent_account"),
					"account_type": "Receivable",
					"account_currency": "EUR",
				}
			).insert(ignore_permissions=True)
		return name

	def rate(self, value: float) -> None:
		"""EUR -> USD today, for ERPNext's own lookups (the payment's rate)."""
		frappe.db.delete("Currency Exchange", {"from_currency": "EUR", "to_currency": "USD", "date": today()})
		frappe.get_doc(
			{
				"doctype": "Currency Exchange",
				"date": today(),
				"from_currency": "EUR",
				"to_currency": "USD",
				"exchange_rate": value,
				"for_buying": 1,
				"for_selling": 1,
			}
		).insert(ignore_permissions=True)

	def test_a_euro_payment_goes_with_its_own_rate_and_pays_the_invoice_off(self):
		receivable = self.eur_receivable()
		customer = self.make_customer(
			"Euro Fjord Traders",
			default_currency="EUR",
			accounts=[{"company": self.company, "account": receivable}],
		)
		invoice = self.make_invoice(
			customer, rate=50, qty=2, currency="EUR", conversion_rate=1.10, debit_to=receivable
		)
		self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		qbo_invoice_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		sent = next(i for i in self.qbo_rows("Invoice") if i["Id"] == qbo_invoice_id)
		self.assertEqual((sent["CurrencyRef"]["value"], sent["ExchangeRate"]), ("EUR", 1.1))
		qbo_customer = next(r for r in self.qbo_rows("Customer") if r["Id"] == sent["CustomerRef"]["value"])
		self.assertEqual(qbo_customer["CurrencyRef"]["value"], "EUR")

		self.rate(1.12)  # the euro rose: ERPNext books an exchange gain, QuickBooks gets the payment's rate
		entry = get_payment_entry("Sales Invoice", invoice.name)
		entry.reference_no, entry.reference_date = "SEPA-88", today()
		entry.source_exchange_rate = 1.12
		entry.insert(ignore_permissions=True)
		entry.submit()
		self.assertEqual((entry.paid_from_account_currency, float(entry.paid_amount)), ("EUR", 100.0))
		self.sync()

		self.assertEqual(frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_SYNC_STATUS), "Synced")
		payment_id = frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_QBO_ID)
		payment = next(p for p in self.qbo_rows("Payment") if p["Id"] == payment_id)
		self.assertEqual(payment["CurrencyRef"]["value"], "EUR")
		self.assertEqual((float(payment["TotalAmt"]), payment["ExchangeRate"]), (100.0, 1.12))
		self.assertEqual(payment["Line"][0]["LinkedTxn"][0], {"TxnId": qbo_invoice_id, "TxnType": "Invoice"})
		sent = next(i for i in self.qbo_rows("Invoice") if i["Id"] == qbo_invoice_id)
		self.assertEqual(float(sent["Balance"]), 0.0)
		self.assertEqual(float(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount")), 0.0)
