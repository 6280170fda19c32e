"""Issue 13: the invoice phase reads and sends its invoices a page at a time (memory flat however many are
queued), and an amendment stays in the page of the original it updates."""

from unittest.mock import patch

import frappe

from qbo_connector import adapters
from qbo_connector import constants as c
from qbo_connector.tests.utils import QBOTestCase


class TestPaging(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def test_invoices_go_a_page_at_a_time_and_an_amendment_with_its_original(self):
		customer = self.make_customer(f"Paged Partners {frappe.generate_hash(length=6)}")
		original = self.make_invoice(customer, rate=100, qty=1)
		self.sync()
		qbo_id = frappe.db.get_value("Sales Invoice", original.name, c.INVOICE_QBO_ID)
		first = self.make_invoice(customer, rate=11)  # queued before the original's Void
		original.reload()
		original.cancel()
		between = [self.make_invoice(customer, rate=12 + i) for i in range(2)]
		amended = frappe.copy_doc(original)
		amended.docstatus = 0
		amended.amended_from = original.name
		amended.items[0].rate = 150
		amended.insert()
		amended.submit()  # queue order: first, original (Void), between x2, amended
		pages = []
		load = adapters.load_invoices

		def loaded(names, realm_id=""):
			pages.append(sorted(names))
			return load(names, realm_id)

		with patch("qbo_connector.invoice_sync.PAGE", 2), patch.object(adapters, "load_invoices", loaded):
			self.sync()
		self.assertEqual(
			pages,
			[sorted([first.name, original.name, amended.name]), sorted(b.name for b in between)],
		)
		# the amendment updated the original's QuickBooks invoice (a page without it would have voided it)
		self.assertEqual(frappe.db.get_value("Sales Invoice", amended.name, c.INVOICE_QBO_ID), qbo_id)
		numbers = [i["DocNumber"] for i in self.qbo_rows("Invoice")]
		for doc in (first, *between):
			self.assertEqual(frappe.db.get_value("Sales Invoice", doc.name, c.INVOICE_SYNC_STATUS), "Synced")
			self.assertEqual(numbers.count(doc.name), 1)
		self.assertFalse(
			frappe.db.count(c.SYNC_QUEUE, {"reference_name": ("in", [first.name, amended.name])})
		)
