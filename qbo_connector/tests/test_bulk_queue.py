"""Issue 13: Export Invoices Since and Retry queue many records with a fixed number of statements, and a
large Retry is one background job."""

from unittest.mock import patch

import frappe

from qbo_connector import constants as c
from qbo_connector.api import RETRY_IN_REQUEST, retry, retry_in_background
from qbo_connector.invoice_sync import backfill_invoices
from qbo_connector.jobs import retry_records
from qbo_connector.queue import queue_name
from qbo_connector.tests.utils import QBOTestCase


class TestBulkQueue(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def invoices_not_queued(self, count: int) -> list[str]:
		"""Submitted while the integration was off (a backfill's case), committed."""
		frappe.db.set_single_value(c.SETTINGS, "enabled", 0)
		frappe.clear_document_cache(c.SETTINGS, c.SETTINGS)
		customer = self.make_customer(f"Bulk Queue Co {frappe.generate_hash(length=6)}")
		names = [self.make_invoice(customer, rate=10 + i).name for i in range(count)]
		frappe.db.set_single_value(c.SETTINGS, "enabled", 1)
		frappe.db.commit()
		self.addCleanup(self.set_aside, names)
		return names

	def set_aside(self, names: list[str]) -> None:
		"""Later backfills on this site leave them out (as test_lifecycle does for others' invoices)."""
		frappe.db.rollback()
		frappe.db.delete(c.SYNC_QUEUE, {"reference_name": ("in", names)})
		table = frappe.qb.DocType(c.SALES_INVOICE)
		frappe.qb.update(table).set(table[c.INVOICE_QBO_ID], "set-aside").where(table.name.isin(names)).run()
		frappe.db.commit()

	def statements(self, call) -> int:
		with patch.object(frappe.db, "sql", wraps=frappe.db.sql) as sql:
			call()
		return sql.call_count

	def backfill_statements(self) -> int:
		"""Statements of Export Invoices Since before its run (the run is not part of it), rolled back so
		that invoices other tests left unexported are not queued for later runs."""
		with patch("qbo_connector.jobs.run_sync", return_value={}), patch.object(frappe.db, "commit"):
			count = self.statements(
				lambda: backfill_invoices(frappe.utils.today(), "Administrator", self.company)
			)
		return count

	def test_export_invoices_since_queues_with_a_fixed_number_of_statements(self):
		one = self.invoices_not_queued(1)
		few = self.invoices_not_queued(4)
		frappe.db.delete(c.SYNC_QUEUE, {"reference_name": ("in", few)})  # only `one` is not queued yet
		frappe.db.savepoint("before_backfill")
		for name in few:
			frappe.db.set_value("Sales Invoice", name, c.INVOICE_QBO_ID, "already-there")
		small = self.backfill_statements()
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, one[0])))
		frappe.db.rollback(save_point="before_backfill")
		large = self.backfill_statements()
		rows = frappe.get_all(
			c.SYNC_QUEUE,
			filters={"reference_name": ("in", one + few)},
			fields=["reference_name", "company", "action", "status", "version", "creation"],
			order_by="creation asc",
			limit=0,
		)
		frappe.db.rollback()
		self.assertEqual(small, large)  # one invoice or five: the same statements
		self.assertEqual([r.reference_name for r in rows], one + few)  # oldest first, one row each
		self.assertEqual(
			{(r.company, r.action, r.status, r.version) for r in rows}, {(self.company, "Sync", "Queued", 1)}
		)

	def test_export_invoices_since_refreshes_a_row_already_queued_and_keeps_a_void(self):
		synced, voiding = self.invoices_not_queued(2)
		frappe.db.delete(c.SYNC_QUEUE, {"reference_name": ("in", [synced, voiding])})
		for name, action in ((synced, c.ACTION_SYNC), (voiding, c.ACTION_VOID)):
			frappe.get_doc(
				{
					"doctype": c.SYNC_QUEUE,
					"name": queue_name(c.SALES_INVOICE, name),
					"reference_doctype": c.SALES_INVOICE,
					"reference_name": name,
					"company": self.company,
					"action": action,
					"status": "Failed",
					"version": 3,
					"next_attempt_on": frappe.utils.add_days(None, 1),
				}
			).db_insert()
		self.backfill_statements()
		rows = {
			r.reference_name: r
			for r in frappe.get_all(
				c.SYNC_QUEUE,
				filters={"reference_name": ("in", [synced, voiding])},
				fields=["reference_name", "action", "status", "version", "next_attempt_on"],
				limit=0,
			)
		}
		frappe.db.rollback()
		self.assertEqual(
			[
				(rows[n].action, rows[n].status, rows[n].version, rows[n].next_attempt_on)
				for n in (synced, voiding)
			],
			[(c.ACTION_SYNC, "Queued", 4, None), (c.ACTION_VOID, "Queued", 4, None)],
		)

	def test_retry_of_many_records_costs_what_retry_of_one_does(self):
		names = self.invoices_not_queued(5)
		for name in names:
			frappe.db.set_value("Sales Invoice", name, c.INVOICE_SYNC_STATUS, "Failed")
		cancelled = frappe.get_doc("Sales Invoice", names[-1])
		cancelled.cancel()
		one = self.statements(lambda: retry_records(c.SALES_INVOICE, names[:1]))
		five = self.statements(lambda: retry_records(c.SALES_INVOICE, names))
		rows = frappe.get_all(
			c.SYNC_QUEUE,
			filters={"reference_name": ("in", names)},
			fields=["reference_name", "action", "version"],
			limit=0,
		)
		statuses = set(frappe.get_all("Sales Invoice", {"name": ("in", names)}, pluck=c.INVOICE_SYNC_STATUS))
		frappe.db.rollback()
		self.assertEqual(one, five)
		self.assertEqual(
			sorted((r.reference_name, r.action, r.version) for r in rows),
			sorted(
				[(names[0], c.ACTION_SYNC, 2)]
				+ [(n, c.ACTION_SYNC, 1) for n in names[1:4]]
				+ [(names[4], c.ACTION_VOID, 1)]
			),
		)
		self.assertEqual(statuses, {"Queued"})

	def test_a_large_retry_is_one_background_job(self):
		names = self.invoices_not_queued(2)
		selection = names + [f"NO-SUCH-{i}" for i in range(RETRY_IN_REQUEST)]
		with patch("frappe.enqueue") as enqueue:
			message = retry(c.SALES_INVOICE, frappe.as_json(selection))
		self.assertEqual(enqueue.call_count, 1)
		self.assertIn("background", message)
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, names[0])))  # not yet
		job = enqueue.call_args
		self.assertEqual(job.args[0], "qbo_connector.api.retry_in_background")
		self.assertTrue(job.kwargs["deduplicate"] and job.kwargs["enqueue_after_commit"])
		retry_in_background(**{k: v for k, v in job.kwargs.items() if k == "by_doctype"})
		queued = frappe.get_all(
			c.SYNC_QUEUE, filters={"reference_name": ("in", selection)}, pluck="reference_name", limit=0
		)
		frappe.db.rollback()
		self.assertEqual(sorted(queued), sorted(names))  # names that are no invoice queue nothing
		with patch("frappe.enqueue") as enqueue:
			message = retry(c.SALES_INVOICE, frappe.as_json(names))
		self.assertEqual(enqueue.call_count, 0)  # a few are queued in the request
		self.assertIn("2 record(s) queued", message)
		frappe.db.rollback()
