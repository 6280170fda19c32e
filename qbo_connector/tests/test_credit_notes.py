"""A return against an exported invoice: its CreditMemo is applied to the original in QuickBooks (a Payment of
total 0 linking both), once, whatever is lost; a cancelled return releases it; a return kept for itself stays
unapplied credit. The sandbox recomputes Invoice Balance and CreditMemo RemainingCredit from the payments."""

import frappe

from erpnext.accounts.doctype.sales_invoice.sales_invoice import make_sales_return

from qbo_connector import constants as c
from qbo_connector.tests.utils import QBOTestCase


class TestCreditNotes(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def make_return(self, invoice, qty: float = -1, for_self: bool = False):
		ret = make_sales_return(invoice.name)
		ret.items[0].qty = qty
		ret.update_outstanding_for_self = int(for_self)
		ret.insert(ignore_permissions=True)
		ret.submit()
		return ret

	def qbo(self, entity: str, doc) -> dict:
		qbo_id = frappe.db.get_value("Sales Invoice", doc.name, c.INVOICE_QBO_ID)
		return next(row for row in self.qbo_rows(entity) if row["Id"] == qbo_id)

	def outstanding(self, invoice) -> float:
		return float(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"))

	def applications(self) -> list[dict]:
		return [
			p for p in self.qbo_rows("Payment") if "credit note" in p.get("PrivateNote", "") and p["Line"]
		]

	def applied_by(self, ret) -> str:
		return frappe.db.get_value(
			c.LINK, {"reference_doctype": "Sales Invoice", "reference_name": ret.name}, "applied_payment_id"
		)

	def test_a_return_is_applied_to_its_original_once_and_released_on_cancel(self):
		invoice = self.make_invoice(self.make_customer("Returned Goods Emporium"), rate=50, qty=2)
		self.sync()
		ret = self.make_return(invoice)
		self.sync()
		self.assertEqual(self.outstanding(invoice), 50.0)
		self.assertEqual(float(self.qbo("Invoice", invoice)["Balance"]), 50.0)
		self.assertEqual(float(self.qbo("CreditMemo", ret)["RemainingCredit"]), 0.0)
		self.assertTrue(self.applied_by(ret))
		before = len(self.applications())
		self.sync()
		self.assertEqual(len(self.applications()), before, "applied twice")

		ret.reload()
		ret.cancel()
		self.sync()
		self.assertFalse(self.applied_by(ret))
		self.assertEqual(self.outstanding(invoice), 100.0)
		self.assertEqual(float(self.qbo("Invoice", invoice)["Balance"]), 100.0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", ret.name, c.INVOICE_SYNC_STATUS), "Voided")

	def test_an_application_whose_answer_was_lost_is_found_not_made_again(self):
		invoice = self.make_invoice(self.make_customer("Lost Answer Linens"), rate=40, qty=2)
		self.sync()
		ret = self.make_return(invoice)
		self.sync()
		count = len(self.applications())
		# the run died after QuickBooks applied the credit and before the link was written, and QuickBooks no
		# longer keeps the requestid's answer (it does not keep them forever): only the lookup can tell
		self.sandbox.realms[self.sandbox.realm_ids[0]].replies.clear()
		frappe.db.set_value(
			c.LINK,
			{"reference_doctype": "Sales Invoice", "reference_name": ret.name},
			"applied_payment_id",
			"",
		)
		self.sync()
		self.assertEqual(len(self.applications()), count)
		self.assertTrue(self.applied_by(ret))
		self.assertEqual(float(self.qbo("Invoice", invoice)["Balance"]), self.outstanding(invoice))

	def test_a_return_cancelled_after_its_application_answer_was_lost_releases_it(self):
		invoice = self.make_invoice(self.make_customer("Lost Release Lamps"), rate=50, qty=2)
		self.sync()
		ret = self.make_return(invoice)
		self.sync()
		count = len(self.applications())
		# the run died after QuickBooks applied the credit, before the link was written; then the return is
		# cancelled: release_credits must look the application up, not only release the ones it knows of
		frappe.db.set_value(
			c.LINK,
			{"reference_doctype": "Sales Invoice", "reference_name": ret.name},
			"applied_payment_id",
			"",
		)
		ret.reload()
		ret.cancel()
		self.sync()
		self.assertEqual(len(self.applications()), count - 1)
		self.assertEqual(self.outstanding(invoice), 100.0)
		self.assertEqual(float(self.qbo("Invoice", invoice)["Balance"]), 100.0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", ret.name, c.INVOICE_SYNC_STATUS), "Voided")

	def test_a_return_kept_for_itself_stays_unapplied_credit(self):
		invoice = self.make_invoice(self.make_customer("Own Credit Outfitters"), rate=30, qty=2)
		self.sync()
		ret = self.make_return(invoice, for_self=True)
		self.sync()
		self.assertFalse(self.applied_by(ret))
		self.assertEqual(float(self.qbo("CreditMemo", ret)["RemainingCredit"]), 30.0)
		self.assertEqual(float(self.qbo("Invoice", invoice)["Balance"]), 60.0)
		self.assertEqual(self.outstanding(invoice), 60.0)
