"""The local directory of QuickBooks names (issue 13): the first run reads QuickBooks' lists whole and stores
them; the next runs read only the change feed, and still match a customer entered in QuickBooks meanwhile."""

from unittest.mock import patch

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.engine import directory as engine_directory
from qbo_connector.tests.utils import QBOTestCase


class TestDirectory(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def run_counting_full_reads(self) -> int:
		with patch.object(
			engine_directory, "load_directory", wraps=engine_directory.load_directory
		) as full_reads:
			self.sync()
		return full_reads.call_count

	def entries(self) -> dict[str, str]:
		realm = frappe.db.get_value(c.QBO_COMPANY, self.company, "realm_id")
		rows = frappe.get_all(
			c.DIRECTORY_ENTRY, filters={"realm_id": realm}, fields=["qbo_id", "entity_type", "display_name"]
		)
		return {f"{r.entity_type} {r.qbo_id}": r.display_name for r in rows}

	def qbo_names(self) -> dict[str, str]:
		names = {}
		for entity in ("Customer", "Vendor", "Employee"):
			names |= {f"{entity} {r['Id']}": r["DisplayName"] for r in self.qbo_rows(entity)}
		return names

	def test_runs_read_the_change_feed_and_match_a_customer_entered_in_quickbooks_meanwhile(self):
		# connecting (setUp) cleared what an earlier run stored: this class's sandbox is a new QuickBooks company
		self.assertFalse(frappe.db.get_value(c.QBO_COMPANY, self.company, "directory_cursor"))
		first = self.make_customer("Directory First Light")
		self.make_invoice(first)
		before = self.qbo_names()
		self.assertEqual(self.run_counting_full_reads(), 1)
		self.assertEqual(self.entries(), before)  # QuickBooks' lists as the run read them
		self.assertTrue(frappe.db.get_value(c.QBO_COMPANY, self.company, "directory_cursor"))
		created = frappe.db.get_value("Customer", first, c.CUSTOMER_QBO_ID)
		self.assertTrue(created)

		entered = get_client().create(
			"Customer",
			{
				"DisplayName": "Directory Harbour Nets",
				"PrimaryEmailAddr": {"Address": "nets@harbour.example"},
			},
			request_id=frappe.generate_hash(length=12),
		)
		customer = self.make_customer("Directory Harbour Nets", email_id="nets@harbour.example")
		self.make_invoice(customer)
		self.assertEqual(self.run_counting_full_reads(), 0)  # the change feed only
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID), entered["Id"])
		names = [r["DisplayName"] for r in self.qbo_rows("Customer")]
		self.assertEqual(names.count("Directory Harbour Nets"), 1)  # matched, not created again
		# the change feed brought both the customer entered in QuickBooks and the one the first run created
		self.assertEqual(self.entries(), self.qbo_names())
		self.assertEqual(self.entries()[f"Customer {created}"], "Directory First Light")

	def test_a_customer_already_linked_writes_nothing_when_its_next_invoice_goes(self):
		customer = self.make_customer("Directory Quiet Harbour")
		self.make_invoice(customer)
		self.sync()
		logs = frappe.db.count(c.SYNC_LOG, {"reference_doctype": "Customer", "reference_name": customer})
		modified = frappe.db.get_value(
			c.LINK, {"reference_doctype": "Customer", "reference_name": customer}, "modified"
		)
		invoice = self.make_invoice(customer)
		report = self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		self.assertEqual(report.get("customers_unchanged"), 1, report)
		self.assertEqual(
			frappe.db.count(c.SYNC_LOG, {"reference_doctype": "Customer", "reference_name": customer}), logs
		)
		self.assertEqual(
			frappe.db.get_value(
				c.LINK, {"reference_doctype": "Customer", "reference_name": customer}, "modified"
			),
			modified,
		)
