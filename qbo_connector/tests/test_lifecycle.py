"""Invoice lifecycle through ERPNext: amendment updates the same QBO invoice, a return becomes a
CreditMemo, an edit after submit is a sparse update; plus the desk's preview, backfill and log clean-up."""

import frappe
from frappe.utils import add_days, today

from qbo_connector import constants as c
from qbo_connector.jobs import run_sync
from qbo_connector.tests.utils import QBOTestCase


class TestLifecycle(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def sync(self):
		frappe.db.commit()
		report = run_sync()
		self.assertEqual(report["status"], "done", report)
		return report

	def qbo_invoice(self, name, entity="Invoice"):
		qbo_id = frappe.db.get_value("Sales Invoice", name, c.INVOICE_QBO_ID)
		return next(i for i in self.qbo_rows(entity) if i["Id"] == qbo_id)

	def test_amendment_updates_the_same_quickbooks_invoice(self):
		customer = self.make_customer("Amberly Holdings")
		original = self.make_invoice(customer, rate=100, qty=1)
		self.sync()
		qbo_id = frappe.db.get_value("Sales Invoice", original.name, c.INVOICE_QBO_ID)
		invoices_before = len(self.qbo_rows("Invoice"))
		original.reload()
		original.cancel()
		amended = frappe.copy_doc(original)  # copies no_copy fields too, as the desk's Amend does
		self.assertEqual(amended.get(c.INVOICE_QBO_ID), qbo_id)
		amended.docstatus = 0
		amended.amended_from = original.name
		amended.items[0].rate = 150
		amended.insert()
		amended.submit()
		self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", amended.name, c.INVOICE_QBO_ID), qbo_id)
		self.assertEqual(len(self.qbo_rows("Invoice")), invoices_before)
		updated = self.qbo_invoice(amended.name)
		self.assertEqual(float(updated["TotalAmt"]), float(amended.grand_total))
		self.assertEqual(updated["DocNumber"], original.name)  # keeps its number in QBO

	def test_return_becomes_a_credit_memo(self):
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		customer = self.make_customer("Riverside Returns Depot")
		invoice = self.make_invoice(customer, rate=80, qty=2)
		self.sync()
		credit = make_return_doc("Sales Invoice", invoice.name)
		credit.items[0].qty = -1
		credit.insert()
		credit.submit()
		self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", credit.name, c.INVOICE_SYNC_STATUS), "Synced")
		memo = self.qbo_invoice(credit.name, "CreditMemo")
		self.assertEqual(float(memo["TotalAmt"]), abs(float(credit.grand_total)))

	def test_edit_after_submit_is_a_sparse_update(self):
		customer = self.make_customer("Edison Fabrication Works")
		invoice = self.make_invoice(customer)
		self.sync()
		token = self.qbo_invoice(invoice.name)["SyncToken"]
		new_due = add_days(today(), 45)
		frappe.db.set_value("Sales Invoice", invoice.name, "due_date", new_due)
		invoice.reload()
		invoice.po_no = "PO-778"  # an edit ERPNext allows after submit fires on_update_after_submit
		invoice.save()
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}", "action"), "Update"
		)
		self.sync()
		after = self.qbo_invoice(invoice.name)
		self.assertEqual(after["DueDate"], str(new_due))
		self.assertNotEqual(after["SyncToken"], token)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")

	def test_preview_next_batch_lists_what_goes_and_what_is_blocked(self):
		from qbo_connector.invoice_sync import preview_next_batch

		customer = self.make_customer("Prevue Analytics", email_id="ar@preview.example")
		self.sync()
		good = self.make_invoice(customer)
		frappe.db.set_single_value(c.SETTINGS, "default_item", "No Such Item")
		rows = {r["invoice"]: r for r in preview_next_batch()}
		self.assertEqual(rows[good.name]["status"], "blocked")
		self.assertIn("item", rows[good.name]["reason"].lower())
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		rows = {r["invoice"]: r for r in preview_next_batch()}
		self.assertEqual(rows[good.name]["status"], "will_send")
		self.assertFalse(frappe.db.get_value("Sales Invoice", good.name, c.INVOICE_QBO_ID))  # nothing sent

	def test_backfill_exports_older_invoices_not_in_quickbooks(self):
		from qbo_connector.invoice_sync import backfill_invoices

		frappe.db.set_single_value(c.SETTINGS, "enabled", 0)
		frappe.clear_document_cache(c.SETTINGS, c.SETTINGS)
		customer = self.make_customer("Bakersfield Orchards")
		old = self.make_invoice(customer)  # submitted while the integration was off: not queued
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{old.name}"))
		# invoices other tests left unexported stay out of this backfill
		others = frappe.qb.DocType("Sales Invoice")
		frappe.qb.update(others).set(others[c.INVOICE_QBO_ID], "exported-elsewhere").where(
			others[c.INVOICE_QBO_ID].isnull() & (others.name != old.name) & (others.docstatus == 1)
		).run()
		frappe.db.set_single_value(c.SETTINGS, "enabled", 1)
		frappe.db.commit()
		report = backfill_invoices(since=add_days(today(), -1), user="Administrator")
		self.assertEqual(report["status"], "done", report)
		self.assertEqual(frappe.db.get_value("Sales Invoice", old.name, c.INVOICE_SYNC_STATUS), "Synced")

	def test_old_successful_log_rows_are_cleared_and_failures_kept(self):
		from frappe.core.doctype.log_settings.log_settings import run_log_clean_up

		old = frappe.utils.add_days(frappe.utils.now_datetime(), -90)
		customer = self.make_customer("Logan Clearing Partners")
		names = []
		for status in ("Success", "Failed"):
			log = frappe.get_doc(
				{
					"doctype": c.SYNC_LOG,
					"reference_doctype": "Customer",
					"reference_name": customer,
					"status": status,
				}
			).insert(ignore_permissions=True)
			frappe.db.set_value(c.SYNC_LOG, log.name, "modified", old, update_modified=False)
			names.append(log.name)
		run_log_clean_up()
		self.assertFalse(frappe.db.exists(c.SYNC_LOG, names[0]))
		self.assertTrue(frappe.db.exists(c.SYNC_LOG, names[1]))
