"""Payments ERPNext -> QuickBooks on real Payment Entries: the save hooks queue them, the run sends them after
the invoices, and the sandbox (which recomputes Invoice Balance from the payments' LinkedTxn) is the judge."""

import frappe
from frappe.utils import today

from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.jobs import retry_records
from qbo_connector.queue import queue_name
from qbo_connector.tests.utils import QBOTestCase


class TestPayments(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def pay(self, invoice, amount=None, others=(), reference_no="CHQ-1001", submit=True):
		"""A Payment Entry made the desk's way (get_payment_entry), for `invoice` and any `others` in full."""
		entry = get_payment_entry("Sales Invoice", invoice.name, party_amount=amount)
		entry.reference_no = reference_no
		entry.reference_date = today()
		for other in others:
			entry.append(
				"references",
				{
					"reference_doctype": "Sales Invoice",
					"reference_name": other.name,
					"total_amount": other.grand_total,
					"outstanding_amount": other.outstanding_amount,
					"allocated_amount": other.outstanding_amount,
				},
			)
		if others:
			total = sum(ref.allocated_amount for ref in entry.references)
			entry.paid_amount = entry.received_amount = total
			entry.base_paid_amount = entry.base_received_amount = total
		entry.insert(ignore_permissions=True)
		if submit:
			entry.submit()
		return entry

	def balance(self, invoice) -> float:
		qbo_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		return float(next(i for i in self.qbo_rows("Invoice") if i["Id"] == qbo_id)["Balance"])

	def outstanding(self, invoice) -> float:
		return float(frappe.db.get_value("Sales Invoice", invoice.name, "outstanding_amount"))

	def qbo_payment(self, entry) -> dict:
		qbo_id = frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_QBO_ID)
		self.assertTrue(qbo_id, frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_LAST_ERROR))
		return next(p for p in self.qbo_rows("Payment") if p["Id"] == qbo_id)

	def status(self, entry) -> str:
		return frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_SYNC_STATUS)

	def test_partial_payment_leaves_the_rest_open(self):
		customer = self.make_customer("Partial Pay Provisions")
		invoice = self.make_invoice(customer, rate=100, qty=2)
		self.sync()
		entry = self.pay(invoice, amount=80)
		row = frappe.db.get_value(
			c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name), ["action", "company"], as_dict=True
		)
		self.assertEqual((row.action, row.company), ("Sync", self.company))
		self.assertEqual(self.status(entry), "Queued")
		self.sync()
		self.assertEqual(self.status(entry), "Synced")
		payment = self.qbo_payment(entry)
		invoice_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		self.assertEqual(float(payment["TotalAmt"]), 80.0)
		self.assertEqual(payment["PaymentRefNum"], "CHQ-1001")
		self.assertEqual(payment["Line"][0]["LinkedTxn"][0], {"TxnId": invoice_id, "TxnType": "Invoice"})
		self.assertEqual(self.balance(invoice), 120.0)
		self.assertEqual(self.outstanding(invoice), 120.0)  # QuickBooks' balance = ERPNext's outstanding
		link = frappe.get_all(
			c.LINK,
			filters={"reference_doctype": c.PAYMENT_ENTRY, "reference_name": entry.name},
			fields=["qbo_entity", "qbo_id", "status", "company"],
		)
		self.assertEqual(
			[(r.qbo_entity, r.qbo_id, r.status, r.company) for r in link],
			[("Payment", payment["Id"], "Synced", self.company)],
		)
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name)))
		count = len(self.qbo_rows("Payment"))
		retry_records(c.PAYMENT_ENTRY, [entry.name])  # a rerun sends nothing twice
		self.sync()
		self.assertEqual(len(self.qbo_rows("Payment")), count)
		self.assertEqual(self.balance(invoice), 120.0)
		self.assertEqual(self.status(entry), "Synced")
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name)))

	def test_one_payment_for_two_invoices(self):
		customer = self.make_customer("Twofold Settlements")
		first = self.make_invoice(customer, rate=100, qty=1)
		second = self.make_invoice(customer, rate=50, qty=1)
		self.sync()
		entry = self.pay(first, others=[second])
		self.assertEqual(float(entry.paid_amount), 150.0)
		self.sync()
		self.assertEqual(self.status(entry), "Synced")
		payment = self.qbo_payment(entry)
		self.assertEqual(float(payment["TotalAmt"]), 150.0)
		self.assertEqual(len(payment["Line"]), 2)
		self.assertEqual((self.balance(first), self.balance(second)), (0.0, 0.0))

	def test_cancel_voids_the_payment_and_restores_the_invoice_balance(self):
		customer = self.make_customer("Reversal Outfitters")
		invoice = self.make_invoice(customer, rate=100, qty=2)
		self.sync()
		entry = self.pay(invoice)
		self.sync()
		self.assertEqual(self.balance(invoice), 0.0)
		payment_id = self.qbo_payment(entry)["Id"]
		entry.reload()
		entry.cancel()
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name), "action"), "Void"
		)
		self.sync()
		self.assertEqual(self.status(entry), "Voided")
		voided = next(p for p in self.qbo_rows("Payment") if p["Id"] == payment_id)
		self.assertEqual(float(voided["TotalAmt"]), 0.0)
		self.assertTrue(voided.get("PrivateNote", "").startswith("Voided"))
		self.assertEqual(self.balance(invoice), 200.0)
		self.assertEqual(self.outstanding(invoice), 200.0)

	def test_amended_payment_updates_the_same_quickbooks_payment(self):
		customer = self.make_customer("Second Thoughts Trading")
		invoice = self.make_invoice(customer, rate=100, qty=1)
		self.sync()
		original = self.pay(invoice, amount=40)
		self.sync()
		payment_id = self.qbo_payment(original)["Id"]
		count = len(self.qbo_rows("Payment"))
		original.reload()
		original.cancel()
		amended = frappe.copy_doc(original)  # copies the no_copy QuickBooks fields, as the desk's Amend does
		amended.amended_from = original.name
		amended.docstatus = 0
		amended.paid_amount = amended.received_amount = 60
		amended.base_paid_amount = amended.base_received_amount = 60
		amended.references[0].allocated_amount = 60
		amended.insert(ignore_permissions=True)
		amended.submit()
		self.assertFalse(frappe.db.get_value("Payment Entry", amended.name, c.PAYMENT_QBO_ID))
		self.sync()
		self.assertEqual(self.status(amended), "Synced")
		self.assertEqual(self.qbo_payment(amended)["Id"], payment_id)  # the same QuickBooks payment
		self.assertEqual(len(self.qbo_rows("Payment")), count)  # never two live payments for one entry
		self.assertEqual(float(self.qbo_payment(amended)["TotalAmt"]), 60.0)
		self.assertEqual(self.balance(invoice), 40.0)
		self.assertEqual(self.outstanding(invoice), 40.0)

	def test_an_amendment_that_pays_nothing_frees_an_invoice_cancelled_in_the_same_interval(self):
		"""Found by the model (tests/export/test_model.py): the payment and then its invoice are cancelled, the
		payment amended to pay nothing (all unallocated). Under "update" the original went with its amendment
		after the invoices, so the invoice's void came first, while the QBO payment still paid it: refused. The
		pair now goes before the invoices (payment_sync.early_rows)."""
		customer = self.make_customer("Change Of Heart Supplies")
		invoice = self.make_invoice(customer, rate=100, qty=1)
		self.sync()
		original = self.pay(invoice, amount=50)
		self.sync()
		payment_id = self.qbo_payment(original)["Id"]
		original.reload()
		original.cancel()
		invoice.reload()
		invoice.cancel()
		amended = frappe.copy_doc(original)
		amended.amended_from = original.name
		amended.docstatus = 0
		amended.references = []
		amended.insert(ignore_permissions=True)
		amended.submit()
		self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Voided")
		self.assertEqual(self.status(amended), "Synced")
		payment = self.qbo_payment(amended)
		self.assertEqual(payment["Id"], payment_id)  # the same QuickBooks payment, now unapplied credit
		self.assertFalse(payment.get("Line"))
		self.assertEqual(float(payment["TotalAmt"]), 50.0)

	def test_cancel_during_the_run_is_not_lost(self):
		"""The user cancels while the payment's batch is leaving: the run's Synced answer must not erase the
		cancel (compare-and-set on the queue row), and the next run voids the payment."""
		from unittest.mock import patch

		from qbo_connector import writeback

		customer = self.make_customer("Racing Cancellations")
		invoice = self.make_invoice(customer, rate=70, qty=1)
		self.sync()
		entry = self.pay(invoice)
		real_mark = writeback.mark_in_flight

		def mark_then_cancel(doctype, names):
			real_mark(doctype, names)
			if doctype == c.PAYMENT_ENTRY:
				frappe.get_doc("Payment Entry", entry.name).cancel()

		with patch.object(writeback, "mark_in_flight", mark_then_cancel):
			self.sync()
		self.assertEqual(self.status(entry), "Queued")
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name), "action"), "Void"
		)
		self.assertEqual(self.balance(invoice), 0.0)  # QuickBooks got the payment meanwhile
		self.sync()
		self.assertEqual(self.status(entry), "Voided")
		self.assertEqual(self.balance(invoice), 70.0)
		self.assertEqual(self.outstanding(invoice), 70.0)

	def test_cancel_of_a_payment_never_sent_leaves_nothing_queued(self):
		customer = self.make_customer("Quiet Cancel Co")
		invoice = self.make_invoice(customer, rate=30, qty=1)
		self.sync()
		entry = self.pay(invoice)
		frappe.db.set_value(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name), "status", "Failed")
		entry.reload()
		entry.cancel()  # not in QuickBooks, not runnable, not in flight: nothing to void
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name)))
		self.assertFalse(self.status(entry))

	def test_payment_submitted_in_the_same_run_as_its_invoice(self):
		customer = self.make_customer("Same Run Stationers")
		invoice = self.make_invoice(customer, rate=60, qty=1)
		entry = self.pay(invoice, amount=25)
		payments_before = len(self.qbo_rows("Payment"))
		report = self.sync()  # one run: the customer, then the invoice, then the payment
		self.assertEqual(report.get("payments_synced"), 1, report)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		self.assertEqual(self.status(entry), "Synced")
		self.assertEqual(len(self.qbo_rows("Payment")), payments_before + 1)
		self.assertEqual(self.balance(invoice), 35.0)

	def test_payment_waits_for_a_held_invoice_and_goes_with_it(self):
		customer = self.make_customer("Patient Payers Ltd")
		invoice = self.make_invoice(customer, rate=40, qty=1)
		entry = self.pay(invoice)
		frappe.db.set_single_value(c.SETTINGS, "default_item", "No Such Item")
		self.sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Held")
		self.assertEqual(self.status(entry), "Waiting for Invoice")
		self.assertIn(invoice.name, frappe.db.get_value("Payment Entry", entry.name, c.PAYMENT_LAST_ERROR))
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		retry_records("Sales Invoice", [invoice.name])
		self.sync()  # the waiting payment is retried in every run: it goes with its invoice
		self.assertEqual(self.status(entry), "Synced")
		self.assertEqual(self.balance(invoice), 0.0)

	def test_deposit_account_and_payment_method_mappings_are_resolved_by_name(self):
		client = get_client(self.company)
		bank = client.create("Account", {"Name": "Business Checking", "AccountType": "Bank"}, "acct-bank")
		method = client.create("PaymentMethod", {"Name": "Check", "Type": "NON_CREDIT_CARD"}, "pm-check")
		customer = self.make_customer("Mapped Remittances")
		invoice = self.make_invoice(customer, rate=90, qty=1)
		entry = self.pay(invoice, submit=False)
		entry.mode_of_payment = self.mode_of_payment()
		entry.save()
		entry.submit()
		settings = frappe.get_single(c.SETTINGS)
		self.addCleanup(self.clear_mappings)
		settings.set(
			"deposit_account_mappings", [{"account": entry.paid_to, "qbo_account": "business checking"}]
		)
		settings.set(
			"payment_method_mappings",
			[{"mode_of_payment": entry.mode_of_payment, "qbo_payment_method": "Check"}],
		)
		settings.save(ignore_permissions=True)
		self.sync()
		payment = self.qbo_payment(entry)
		self.assertEqual(payment["DepositToAccountRef"]["value"], bank["Id"])
		self.assertEqual(payment["PaymentMethodRef"]["value"], method["Id"])

		# a mapping to a name QuickBooks does not have holds the payment, never guesses another account
		other = self.pay(self.make_invoice(customer, rate=10, qty=1), reference_no="CHQ-2002")
		settings = frappe.get_single(c.SETTINGS)  # the run wrote its last sync on the form
		settings.set("deposit_account_mappings", [{"account": entry.paid_to, "qbo_account": "No Such Bank"}])
		settings.save(ignore_permissions=True)
		self.sync()
		self.assertEqual(self.status(other), "Held")
		self.assertIn("No Such Bank", frappe.db.get_value("Payment Entry", other.name, c.PAYMENT_LAST_ERROR))

	def clear_mappings(self):
		frappe.db.delete("QuickBooks Deposit Account Mapping", {"parent": c.SETTINGS})
		frappe.db.delete("QuickBooks Payment Method Mapping", {"parent": c.SETTINGS})
		frappe.db.commit()

	def test_only_customer_receipts_of_a_connected_company_are_queued(self):
		from qbo_connector.queue import should_queue_payment

		def entry(**values):
			return frappe._dict(
				{"payment_type": "Receive", "party_type": "Customer", "company": self.company, **values}
			)

		self.assertTrue(should_queue_payment(entry()))
		self.assertFalse(should_queue_payment(entry(payment_type="Pay")))
		self.assertFalse(should_queue_payment(entry(party_type="Supplier")))
		self.assertFalse(should_queue_payment(entry(company="No Such Company")))

	def test_in_quickbooks_an_erpnext_payment_is_not_sent(self):
		customer = self.make_customer("Ledger Elsewhere Ltd")
		invoice = self.make_invoice(customer, rate=12, qty=1)
		self.sync()
		settings = frappe.get_single(c.SETTINGS)
		settings.payments_recorded_in = c.PAYMENTS_IN_QUICKBOOKS
		settings.save(ignore_permissions=True)
		self.addCleanup(frappe.db.set_single_value, c.SETTINGS, "payments_recorded_in", c.PAYMENTS_IN_ERPNEXT)
		entry = self.pay(invoice, amount=12)
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.PAYMENT_ENTRY, entry.name)))
		self.sync()
		self.assertEqual(self.balance(invoice), 12.0)

	def mode_of_payment(self) -> str:
		name = "QBO Test Cheque"
		if not frappe.db.exists("Mode of Payment", name):
			frappe.get_doc({"doctype": "Mode of Payment", "mode_of_payment": name, "type": "Cash"}).insert(
				ignore_permissions=True
			)
		return name
