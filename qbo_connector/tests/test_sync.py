"""Save hooks queue, the scheduled run exports, reruns create nothing, cancel voids, Retry re-queues."""

import frappe

from qbo_connector import constants as c
from qbo_connector.jobs import need_to_run, retry_records, run_sync
from qbo_connector.queue import queue_name
from qbo_connector.tests.utils import QBOTestCase


class TestSync(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def test_hooks_queue_only_when_enabled_and_for_the_configured_company(self):
		customer = self.make_customer("QBO Hook Customer")
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.CUSTOMER, customer, self.company)))
		invoice = self.make_invoice(customer)
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}"))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Queued")
		# saving again does not add a second row
		frappe.get_doc("Customer", customer).save()
		self.assertEqual(frappe.db.count(c.SYNC_QUEUE, {"reference_name": customer}), 1)

		other = frappe.get_all("Company", filters={"name": ("!=", self.company)}, pluck="name", limit=1)
		if other:
			foreign = frappe.get_doc(
				{
					"doctype": "Sales Invoice",
					"customer": customer,
					"company": other[0],
					"currency": frappe.db.get_value("Company", other[0], "default_currency"),
					"items": [{"item_code": self.item, "qty": 1, "rate": 10}],
				}
			)
			foreign.insert(ignore_permissions=True)
			foreign.submit()
			self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{foreign.name}"))

		frappe.db.set_single_value(c.SETTINGS, "enabled", 0)
		frappe.clear_document_cache(c.SETTINGS, c.SETTINGS)
		quiet = self.make_customer("QBO Disabled Customer")
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Customer::{quiet}"))

	def test_scheduled_run_exports_and_a_rerun_creates_nothing(self):
		customer = self.make_customer("QBO Export Customer", email_id="ap@qbo-export.example")
		invoice = self.make_invoice(customer, rate=125.5, qty=3)
		frappe.db.commit()
		report = run_sync()
		self.assertEqual(report["status"], "done", report)
		qbo_customer = frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)
		self.assertTrue(qbo_customer)
		row = frappe.db.get_value(
			"Sales Invoice",
			invoice.name,
			[c.INVOICE_SYNC_STATUS, c.INVOICE_QBO_ID, c.INVOICE_DOC_NUMBER, c.INVOICE_LAST_SYNCED],
			as_dict=True,
		)
		self.assertEqual(row[c.INVOICE_SYNC_STATUS], "Synced")
		self.assertEqual(row[c.INVOICE_DOC_NUMBER], invoice.name)
		self.assertTrue(row[c.INVOICE_LAST_SYNCED])
		qbo_invoice = next(i for i in self.qbo_rows("Invoice") if i["Id"] == row[c.INVOICE_QBO_ID])
		self.assertEqual(float(qbo_invoice["TotalAmt"]), float(invoice.grand_total))
		self.assertEqual(qbo_invoice["CustomerRef"]["value"], qbo_customer)
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}"))
		self.assertTrue(frappe.db.exists(c.SYNC_LOG, {"reference_name": invoice.name, "status": "Success"}))

		counts = (len(self.qbo_rows("Customer")), len(self.qbo_rows("Invoice")))
		frappe.get_doc("Customer", customer).save()  # queues the customer again
		retry_records("Sales Invoice", [invoice.name])  # and the invoice
		frappe.db.commit()
		self.assertEqual(run_sync()["status"], "done")
		self.assertEqual((len(self.qbo_rows("Customer")), len(self.qbo_rows("Invoice"))), counts)

		invoice.reload()
		invoice.cancel()
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}", "action"), "Void"
		)
		frappe.db.commit()
		run_sync()
		voided = next(i for i in self.qbo_rows("Invoice") if i["Id"] == row[c.INVOICE_QBO_ID])
		self.assertEqual(float(voided["TotalAmt"]), 0.0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Voided")

	def test_failed_record_shows_plain_words_and_retry_requeues(self):
		customer = self.make_customer("QBO Retry Customer")
		invoice = self.make_invoice(customer)
		frappe.db.set_single_value(c.SETTINGS, "default_item", "No Such Item")
		frappe.db.commit()
		run_sync()
		status, error = frappe.db.get_value(
			"Sales Invoice", invoice.name, [c.INVOICE_SYNC_STATUS, c.INVOICE_LAST_ERROR]
		)
		self.assertEqual(status, "Held")
		self.assertIn("item", error.lower())
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		retry_records("Sales Invoice", [invoice.name])
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Queued")
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")

	def test_frequency_is_honoured(self):
		settings = frappe._dict(
			sync_frequency="Hourly", last_sync_on=frappe.utils.add_to_date(None, minutes=-30)
		)
		self.assertFalse(need_to_run(settings))
		settings.last_sync_on = frappe.utils.add_to_date(None, minutes=-61)
		self.assertTrue(need_to_run(settings))
		now = frappe.utils.get_datetime("2026-11-26 03:00:00")
		daily = frappe._dict(sync_frequency="Daily", sync_time="02:00:00", last_sync_on="2026-11-25 02:00:10")
		self.assertTrue(need_to_run(daily, now))
		daily.last_sync_on = "2026-11-26 02:01:00"
		self.assertFalse(need_to_run(daily, now))
		self.assertFalse(need_to_run(daily, frappe.utils.get_datetime("2026-11-26 01:59:00")))
