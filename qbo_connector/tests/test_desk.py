"""Rough edges a new admin met in the desk (issue 14): a decision can be taken back, one status reads
one sentence, an amended draft starts without its original's QuickBooks state."""

from unittest.mock import patch

import frappe
from frappe.utils import add_to_date, now_datetime

from qbo_connector import constants as c
from qbo_connector.api import get_document_links, link_customer
from qbo_connector.invoice_sync import preview_next_batch
from qbo_connector.jobs import run_sync
from qbo_connector.queue import queue_name
from qbo_connector.tests import test_matching
from qbo_connector.tests.utils import QBOTestCase


class TestDecisions(QBOTestCase):
	setUp = test_matching.TestMatching.setUp
	review_for = test_matching.TestMatching.review_for

	def customer_state(self, customer: str) -> tuple:
		values = frappe.db.get_value(
			"Customer",
			customer,
			[c.CUSTOMER_MATCH_STATUS, c.CUSTOMER_SYNC_STATUS, c.CUSTOMER_LAST_ERROR, c.CUSTOMER_QBO_ID],
		)
		return tuple(value or "" for value in values)

	def test_ignore_reads_ignored_only_and_preview_says_so(self):
		customer, invoice, match = self.review_for("Pendant Publishing", "Pendant Publishin")
		match.ignore()
		self.assertEqual(self.customer_state(customer), (c.MATCH_IGNORED, "", "", ""))
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.CUSTOMER, customer, self.company)))
		preview = {row["invoice"]: row for row in preview_next_batch()}
		self.assertEqual(preview[invoice.name]["status"], "blocked")
		self.assertIn("ignored", preview[invoice.name]["reason"])
		# queued again, the invoice does not keep the old review sentence beside "Queued"
		status, error = frappe.db.get_value(
			"Sales Invoice", invoice.name, [c.INVOICE_SYNC_STATUS, c.INVOICE_LAST_ERROR]
		)
		self.assertEqual((status, error or ""), ("Queued", ""))

	def test_an_ignored_customer_can_be_reopened_and_linked(self):
		customer, invoice, match = self.review_for("Bosco Bakery", "Bosco Bakeri")
		match.ignore()
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Held")
		match.reload()
		match.reopen()
		match.reload()
		self.assertEqual(match.status, c.REVIEW_OPEN)
		self.assertEqual(self.customer_state(customer)[:2], (c.MATCH_REVIEW, "Needs Review"))
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Queued")
		match.link(match.candidates[0].qbo_customer_id)
		self.assertEqual(frappe.db.get_value(c.CUSTOMER_MATCH, match.name, "status"), c.REVIEW_LINKED)
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		with self.assertRaises(frappe.ValidationError):
			frappe.get_doc(c.CUSTOMER_MATCH, match.name).reopen()  # a link is taken back by Unlink

	def test_a_link_from_the_customer_form_settles_an_ignored_review(self):
		customer, _invoice, match = self.review_for("Peterman Catalog", "Peterman Catalogue")
		match.ignore()
		link_customer(customer, match.candidates[0].qbo_customer_id)
		self.assertEqual(frappe.db.get_value(c.CUSTOMER_MATCH, match.name, "status"), c.REVIEW_LINKED)
		rows = get_document_links("Customer", customer)
		self.assertEqual(
			[(r.company, r.qbo_id, r.qbo_name) for r in rows],
			[(self.company, match.candidates[0].qbo_customer_id, "Peterman Catalog")],
		)


class TestAmendedDraft(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def test_an_amended_draft_starts_without_the_originals_quickbooks_state(self):
		invoice = self.make_invoice(self.make_customer("Amend Draft Supplies"), rate=9)
		frappe.db.commit()
		run_sync()
		invoice.reload()
		self.assertEqual(invoice.get(c.INVOICE_SYNC_STATUS), "Synced")
		invoice.cancel()
		draft = frappe.copy_doc(invoice)  # what Amend does: no_copy fields are copied too
		draft.amended_from = invoice.name
		draft.docstatus = 0
		draft.insert(ignore_permissions=True)
		for column in c.INVOICE_VIEW.values():
			self.assertFalse(draft.get(column), column)
			self.assertFalse(frappe.db.get_value("Sales Invoice", draft.name, column), column)


class TestMappingChange(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()
		self.addCleanup(self.set_default_item, "Services")

	def set_default_item(self, name: str, **other) -> None:
		settings = frappe.get_single(c.SETTINGS)
		settings.update({"default_item": name, **other})
		settings.save(ignore_permissions=True)
		frappe.db.commit()

	def status(self, invoice) -> str:
		return frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS)

	def test_invoices_held_for_a_mapping_go_again_when_the_mapping_changes(self):
		self.set_default_item("No Such QuickBooks Item")
		invoice = self.make_invoice(self.make_customer("Mapping Mended Movers"), rate=8)
		frappe.db.commit()
		run_sync()
		self.assertEqual(self.status(invoice), "Held")
		self.set_default_item("No Such QuickBooks Item", sync_interval=30)  # not a mapping: stays held
		self.assertEqual(self.status(invoice), "Held")
		self.set_default_item("Services")
		self.assertEqual(self.status(invoice), "Queued")
		run_sync()
		self.assertEqual(self.status(invoice), "Synced")

	def test_a_run_reads_mapping_rows_saved_since_the_last_run(self):
		"""A run reads the mapping tables from a cache (an idle run reads no child table); saving the
		Settings or a QuickBooks Company clears it, so the next run exports with the new rows."""
		self.addCleanup(self.set_default_item, "Services", item_mappings=[])
		customer = self.make_customer("Cached Mappings Co")
		items = []
		for qbo_item in ("Hours", "Design"):
			self.set_default_item("Services", item_mappings=[{"item_code": self.item, "qbo_item": qbo_item}])
			invoice = self.make_invoice(customer, rate=9)
			frappe.db.commit()
			run_sync()  # the first run fills the cache with Hours
			row = next(i for i in self.qbo_rows("Invoice") if i["DocNumber"] == invoice.name)
			items.append(row["Line"][0]["SalesItemLineDetail"]["ItemRef"]["name"])
		self.assertEqual(items, ["Hours", "Design"])


class TestSchedulerAndResult(QBOTestCase):
	def test_the_settings_warn_when_no_scheduler_or_worker_runs_the_check(self):
		from qbo_connector.api import TICK, collect_status, scheduler_warning

		with patch("frappe.utils.scheduler.is_scheduler_inactive", return_value=True):
			self.assertIn("scheduler is off", scheduler_warning())
			self.assertIn("scheduler is off", collect_status()["scheduler"])
		job = frappe.db.get_value("Scheduled Job Type", {"method": TICK}, "name")
		self.assertTrue(job, "the tick is registered from hooks")
		with patch("frappe.utils.scheduler.is_scheduler_inactive", return_value=False):
			frappe.db.set_value(
				"Scheduled Job Type", job, "last_execution", add_to_date(now_datetime(), hours=-2)
			)
			self.assertIn("No worker", scheduler_warning())
			frappe.db.set_value("Scheduled Job Type", job, "last_execution", now_datetime())
			self.assertEqual(scheduler_warning(), "")
			self.assertEqual(collect_status()["scheduler"], "running")

	def test_the_last_result_is_kept_whole(self):
		from qbo_connector.jobs import summarize

		report = {
			"status": "done",
			**{f"counter_number_{i}": 1000 + i for i in range(12)},
			"qbo_calls": 98765,
		}
		text = summarize(report)
		self.assertTrue(text.endswith("qbo calls 98765"), text)
		self.connect_and_enable()
		frappe.db.set_value(c.QBO_COMPANY, self.company, "last_sync_status", text)
		self.assertEqual(frappe.db.get_value(c.QBO_COMPANY, self.company, "last_sync_status"), text)


class TestProgress(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def events(self, publish) -> list[dict]:
		return [call.args[1] for call in publish.call_args_list if call.args[0] == "qbo_sync_progress"]

	def test_sync_now_shows_progress_then_the_counts(self):
		from qbo_connector.jobs import sync_now

		# a name with no word of any earlier run's: Export Invoices Since (the other test) sends every unsent
		# invoice of today, earlier runs' customers included (a reinstall forgets their links), and a name
		# sharing words with one of them ("Progress Bar Provisions <hash>") was a match to review
		customer = self.make_customer(f"{frappe.generate_hash(length=10)} {frappe.generate_hash(length=10)}")
		for rate in (3, 4):
			self.make_invoice(customer, rate=rate)
		frappe.db.commit()
		with patch("frappe.enqueue") as enqueue:
			sync_now()
		self.assertEqual(enqueue.call_args.kwargs["user"], "Administrator")
		with patch("frappe.publish_realtime") as publish:
			run_sync(**{k: v for k, v in enqueue.call_args.kwargs.items() if k in ("company", "user")})
		events = self.events(publish)
		steps = [e for e in events if not e["finished"]]
		self.assertGreaterEqual(len(steps), 3)  # the customer, then two invoices
		self.assertEqual([e["done"] for e in steps], sorted(e["done"] for e in steps))
		self.assertEqual(steps[-1]["done"], steps[-1]["total"])
		self.assertTrue(events[-1]["finished"])
		self.assertIn("invoices synced 2", events[-1]["message"])

	def test_export_invoices_since_ends_with_its_counts(self):
		from qbo_connector.invoice_sync import backfill_invoices

		customer = self.make_customer(f"Backfill Count Co {frappe.generate_hash(length=6)}")
		invoice = self.make_invoice(customer, rate=6)
		frappe.db.delete(c.SYNC_QUEUE, {"reference_name": invoice.name})
		frappe.db.commit()
		with patch("frappe.publish_realtime") as publish:
			backfill_invoices(frappe.utils.today(), "Administrator", self.company)
		last = self.events(publish)[-1]
		self.assertTrue(last["finished"])
		self.assertIn("invoices synced", last["message"])


class TestDigest(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()
		frappe.db.delete(
			c.LINK, {"status": ("in", ["Failed", "Held", "Waiting for Customer", "Waiting for Invoice"])}
		)
		frappe.db.set_value(c.CUSTOMER_MATCH, {"status": c.REVIEW_OPEN}, "status", c.REVIEW_IGNORED)

	def test_nothing_is_sent_on_a_day_without_problems(self):
		from qbo_connector.digest import send_digest

		with patch("frappe.sendmail") as sendmail:
			self.assertEqual(send_digest(), {})
		sendmail.assert_not_called()

	def test_the_digest_counts_and_names_the_reasons(self):
		from qbo_connector.digest import send_digest
		from qbo_connector.links import set_link

		realm = frappe.db.get_value(c.QBO_COMPANY, self.company, "realm_id")
		customer = self.make_customer("Digest Subject Co")
		for rate in (1, 2, 3):
			invoice = self.make_invoice(customer, rate=rate)
			status = "Held" if rate < 3 else "Failed"
			reason = "No QuickBooks tax code for VAT 5%" if rate < 3 else "QuickBooks refused the amount"
			set_link(
				"Sales Invoice", invoice.name, realm, self.company, {"status": status, "last_error": reason}
			)
		frappe.db.set_single_value(c.SETTINGS, "digest_recipients", "Administrator\naccountant@example.com")
		self.addCleanup(frappe.db.set_single_value, c.SETTINGS, "digest_recipients", "")
		with patch("frappe.sendmail") as sendmail:
			sent = send_digest()
		self.assertEqual(sent["counts"], {"Failed": 1, "Held": 2})
		self.assertEqual(sent["reasons"][0], ("No QuickBooks tax code for VAT 5%", 2))
		mail = sendmail.call_args.kwargs
		self.assertEqual(sorted(mail["recipients"]), ["accountant@example.com", "admin@example.com"])
		self.assertIn("2 × No QuickBooks tax code for VAT 5%", mail["message"])
		self.assertTrue(
			frappe.db.exists("Notification Log", {"for_user": "Administrator", "subject": sent["subject"]})
		)
		self.assertIn("1 failed", sent["subject"])
