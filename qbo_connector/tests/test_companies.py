"""Two ERPNext companies connected to two QuickBooks companies (two realms of one sandbox), and the
migration of a single-company installation into that shape."""

from __future__ import annotations

import json
from unittest.mock import patch

import frappe
from frappe.utils.password import get_decrypted_password, set_encrypted_password

from qbo_connector import constants as c
from qbo_connector.api import sync_record_now
from qbo_connector.company_settings import get_company_settings
from qbo_connector.connection import callback, disconnect, get_authorization_url
from qbo_connector.jobs import retry_records, run_sync, tick
from qbo_connector.queue import queue_name
from qbo_connector.sandbox.seed import read_seed
from qbo_connector.tests.test_integrity import SECOND_REALM, consent_for, other_test_company
from qbo_connector.tests.utils import QBOTestCase, company_doc, refused


def seed_two_realms(sandbox) -> None:
	seed = read_seed(None)
	second = json.loads(json.dumps(seed["realms"][0]))
	second["realm_id"] = SECOND_REALM
	second["company"]["CompanyName"] = "Second Company Ltd"
	seed["realms"].append(second)
	sandbox.load_seed(seed)


class TwoCompanyCase(QBOTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		seed_two_realms(cls.sandbox)
		cls.first_realm = cls.sandbox.realm_ids[0]
		cls.other = other_test_company(cls.company)

	def connect_company(self, company: str, realm_id: str) -> None:
		redirect = consent_for(get_authorization_url(company), realm_id)
		callback(code=redirect["code"], state=redirect["state"], realmId=redirect["realmId"])

	def connect_both(self) -> None:
		self.connect_and_enable()  # the default company, first realm
		self.connect_company(self.other, SECOND_REALM)
		frappe.db.commit()

	def doc_numbers(self, realm_id: str) -> list[str]:
		return [i.get("DocNumber") for i in self.sandbox.dump(realm_id)["Invoice"]]

	def customers_named(self, realm_id: str, name: str) -> list[dict]:
		return [r for r in self.sandbox.dump(realm_id)["Customer"] if r.get("DisplayName") == name]


class TestTwoCompanies(TwoCompanyCase):
	def test_each_company_reaches_only_its_realm_and_a_shared_customer_is_linked_once_per_realm(self):
		self.connect_both()
		self.assertEqual(company_doc(self.other).realm_id, SECOND_REALM)
		self.assertEqual(frappe.db.get_single_value(c.SETTINGS, "realm_id"), self.first_realm)
		customer = self.make_customer("Twin Ledger Traders")
		ours = self.make_invoice(customer, rate=40)
		theirs = self.make_invoice(customer, rate=70, company=self.other)
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, theirs.name), "company"), self.other
		)
		frappe.db.commit()
		self.assertEqual(run_sync(company=self.company)["status"], "done")
		self.assertIn(ours.name, self.doc_numbers(self.first_realm))
		self.assertNotIn(theirs.name, self.doc_numbers(self.first_realm))
		self.assertNotIn(ours.name, self.doc_numbers(SECOND_REALM))
		self.assertNotIn(theirs.name, self.doc_numbers(SECOND_REALM))  # the other realm's run did not run
		self.assertEqual(run_sync(company=self.other)["status"], "done")
		self.assertIn(theirs.name, self.doc_numbers(SECOND_REALM))
		self.assertNotIn(theirs.name, self.doc_numbers(self.first_realm))
		for name in (ours.name, theirs.name):
			self.assertEqual(frappe.db.get_value("Sales Invoice", name, c.INVOICE_SYNC_STATUS), "Synced")

		# one link per realm for the shared customer, each QuickBooks company holds it once
		links = frappe.get_all(
			c.LINK,
			filters={"reference_doctype": "Customer", "reference_name": customer},
			fields=["realm_id", "company", "qbo_id", "status"],
			order_by="realm_id asc",
		)
		self.assertEqual(
			[(r.realm_id, r.company, r.status) for r in links],
			[(self.first_realm, self.company, "Synced"), (SECOND_REALM, self.other, "Synced")],
		)
		self.assertTrue(all(r.qbo_id for r in links))
		self.assertEqual(len(self.customers_named(self.first_realm, "Twin Ledger Traders")), 1)
		self.assertEqual(len(self.customers_named(SECOND_REALM, "Twin Ledger Traders")), 1)
		# the customer's fields show the default company's link
		first_link = next(r for r in links if r.realm_id == self.first_realm)
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID), first_link.qbo_id)
		# each invoice's fields show its own company's link
		invoice_link = frappe.get_all(
			c.LINK, filters={"reference_name": theirs.name}, fields=["realm_id", "qbo_id"], limit=2
		)
		self.assertEqual(len(invoice_link), 1)
		self.assertEqual(invoice_link[0].realm_id, SECOND_REALM)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", theirs.name, c.INVOICE_QBO_ID), invoice_link[0].qbo_id
		)

		# nothing twice: runs of both realms again send nothing
		before = (len(self.doc_numbers(self.first_realm)), len(self.doc_numbers(SECOND_REALM)))
		frappe.db.commit()
		run_sync(company=self.company)
		run_sync(company=self.other)
		self.assertEqual(
			before, (len(self.doc_numbers(self.first_realm)), len(self.doc_numbers(SECOND_REALM)))
		)
		self.assertEqual(len(self.customers_named(SECOND_REALM, "Twin Ledger Traders")), 1)

	def test_one_realm_cannot_serve_two_companies(self):
		self.connect_and_enable()
		with refused(self, "one ERPNext company only"):
			self.connect_company(self.other, self.first_realm)
		self.assertNotEqual(frappe.db.get_value(c.QBO_COMPANY, self.other, "realm_id"), self.first_realm)

	def test_one_company_disconnected_does_not_stop_the_other(self):
		self.connect_both()
		customer = self.make_customer("Half Lit Holdings")
		ours = self.make_invoice(customer, rate=11)
		theirs = self.make_invoice(customer, rate=22, company=self.other)
		disconnect(self.company)
		frappe.db.commit()
		self.assertTrue(frappe.db.get_single_value(c.SETTINGS, "enabled"), "the other company still syncs")
		frappe.db.set_value(c.QBO_COMPANY, self.other, "last_sync_on", None)  # due (earlier tests ran it)
		with patch("frappe.enqueue") as enqueue:
			tick()
		self.assertEqual(
			[call.kwargs.get("company") for call in enqueue.call_args_list],
			[self.other],
			"one job per company",
		)
		self.assertEqual(enqueue.call_args_list[0].kwargs["job_id"], f"qbo_sync::{SECOND_REALM}")
		self.assertEqual(run_sync(company=self.company)["status"], "skipped")
		self.assertEqual(run_sync(company=self.other)["status"], "done")
		self.assertIn(theirs.name, self.doc_numbers(SECOND_REALM))
		self.assertNotIn(ours.name, self.doc_numbers(self.first_realm))
		# the disconnected company's work waits, queued
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, ours.name), "status"), "Queued"
		)
		# Reconnect Required for one company leaves the other connected
		from qbo_connector.connection import mark_reconnect_required

		self.connect_company(self.company, self.first_realm)
		mark_reconnect_required(self.other)
		self.assertEqual(frappe.db.get_value(c.QBO_COMPANY, self.company, "connection_status"), c.CONNECTED)
		frappe.db.commit()
		self.assertEqual(run_sync(company=self.company)["status"], "done")
		self.assertIn(ours.name, self.doc_numbers(self.first_realm))

	def test_retry_and_sync_now_respect_the_company(self):
		self.connect_both()
		customer = self.make_customer("Careful Retry Co")
		theirs = self.make_invoice(customer, rate=5, company=self.other)
		frappe.db.delete(c.SYNC_QUEUE, {"reference_name": theirs.name})
		self.assertEqual(retry_records("Sales Invoice", [theirs.name]), 1)
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, theirs.name), "company"), self.other
		)
		with patch("frappe.enqueue") as enqueue:
			sync_record_now("Sales Invoice", theirs.name)
		self.assertEqual([call.kwargs.get("company") for call in enqueue.call_args_list], [self.other])
		self.assertEqual(enqueue.call_args_list[0].kwargs["job_id"], f"qbo_sync::{SECOND_REALM}")
		# a customer's Sync Now for one company queues and runs that company only
		with patch("frappe.enqueue") as enqueue:
			sync_record_now("Customer", customer, company=self.other)
		self.assertEqual([call.kwargs.get("company") for call in enqueue.call_args_list], [self.other])
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, queue_name(c.CUSTOMER, customer, self.other)))
		frappe.db.commit()
		self.assertEqual(run_sync(company=self.other)["status"], "done")
		self.assertIn(theirs.name, self.doc_numbers(SECOND_REALM))
		self.assertNotIn(theirs.name, self.doc_numbers(self.first_realm))
		self.assertEqual(len(self.customers_named(self.first_realm, "Careful Retry Co")), 0)

	def test_each_company_exports_with_its_own_choices_and_mappings(self):
		"""The Settings map the test item to Hours; the second company's row maps it to Design and sets its
		own default item. Each realm's invoice carries its own company's item."""
		self.connect_both()
		settings = frappe.get_single(c.SETTINGS)
		settings.set("item_mappings", [{"item_code": self.item, "qbo_item": "Hours"}])
		settings.save(ignore_permissions=True)
		row = company_doc(self.other)
		row.default_item = "Design"
		row.amend_policy = "Void and create a new one"
		row.set("item_mappings", [{"item_code": self.item, "qbo_item": "Design"}])
		row.save(ignore_permissions=True)
		self.addCleanup(self.clear_mappings)
		customer = self.make_customer("Own Choices Partners")
		ours = self.make_invoice(customer, rate=13)
		theirs = self.make_invoice(customer, rate=17, company=self.other)
		frappe.db.commit()
		self.assertEqual(run_sync(company=self.company)["status"], "done")
		self.assertEqual(run_sync(company=self.other)["status"], "done")
		self.assertEqual(self.line_items(self.first_realm, ours.name), ["Hours"])
		self.assertEqual(self.line_items(SECOND_REALM, theirs.name), ["Design"])
		context = get_company_settings(self.other)
		self.assertEqual(
			(context.default_item, context.amend_policy), ("Design", "Void and create a new one")
		)
		context = get_company_settings(self.company)
		self.assertEqual((context.default_item, context.amend_policy), ("Services", settings.amend_policy))

	def line_items(self, realm_id: str, doc_number: str) -> list[str]:
		dump = self.sandbox.dump(realm_id)
		names = {i["Id"]: i["Name"] for i in dump["Item"]}
		invoice = next(i for i in dump["Invoice"] if i.get("DocNumber") == doc_number)
		return [
			names[line["SalesItemLineDetail"]["ItemRef"]["value"]]
			for line in invoice["Line"]
			if line.get("DetailType") == "SalesItemLineDetail"
		]

	def clear_mappings(self) -> None:
		settings = frappe.get_single(c.SETTINGS)
		settings.set("item_mappings", [])
		settings.save(ignore_permissions=True)
		row = company_doc(self.other)
		row.update({"default_item": "", "amend_policy": ""})
		row.set("item_mappings", [])
		row.save(ignore_permissions=True)
		frappe.db.commit()


class TestMigrationFromOneCompany(QBOTestCase):
	"""A site as the single-company version left it (connection and tokens on Settings, links only in the
	custom fields, queue rows without a company), upgraded by the patch, then synced."""

	def downgrade_to_single_company_shape(self) -> None:
		row = company_doc()
		for field in ("access_token", "refresh_token"):
			set_encrypted_password(c.SETTINGS, c.SETTINGS, row.get_password(field), field)
		frappe.db.delete(c.QBO_COMPANY)
		frappe.db.delete(c.LINK)
		frappe.db.sql(f"update `tab{c.SYNC_QUEUE}` set company=NULL")
		frappe.db.sql(f"update `tab{c.CUSTOMER_MATCH}` set company=NULL")
		for name, reference in frappe.get_all(
			c.SYNC_QUEUE,
			filters={"reference_doctype": "Customer"},
			fields=["name", "reference_name"],
			as_list=1,
		):
			frappe.db.sql(
				f"update `tab{c.SYNC_QUEUE}` set name=%s where name=%s",
				(f"Customer::{reference}", name),
			)
		frappe.db.commit()

	def test_patch_moves_everything_and_the_next_run_sends_nothing_twice_and_loses_nothing(self):
		from qbo_connector.patches import move_to_quickbooks_companies

		self.connect_and_enable()
		realm = self.sandbox.realm_ids[0]
		synced_customer = self.make_customer("Migrated Mills")
		synced = [self.make_invoice(synced_customer, rate=r) for r in (10, 20)]
		frappe.db.commit()
		self.assertEqual(run_sync()["status"], "done")
		qbo_ids = {i.name: frappe.db.get_value("Sales Invoice", i.name, c.INVOICE_QBO_ID) for i in synced}
		self.assertTrue(all(qbo_ids.values()))
		waiting_customer = self.make_customer("Queued Quarries")  # queued, not yet sent
		waiting = self.make_invoice(waiting_customer, rate=30)
		refresh_token = company_doc().get_password("refresh_token")
		self.downgrade_to_single_company_shape()
		self.assertTrue(frappe.db.exists(c.SYNC_QUEUE, f"Customer::{waiting_customer}"))

		move_to_quickbooks_companies.execute()
		move_to_quickbooks_companies.execute()  # idempotent
		frappe.db.commit()

		row = company_doc()
		self.assertEqual((row.realm_id, row.connection_status), (realm, c.CONNECTED))
		self.assertEqual(row.get_password("refresh_token"), refresh_token)
		self.assertFalse(
			get_decrypted_password(c.SETTINGS, c.SETTINGS, "refresh_token", raise_exception=False)
		)
		for invoice in synced:
			link = frappe.db.get_value(
				c.LINK, {"reference_name": invoice.name}, ["realm_id", "qbo_id", "company"], as_dict=True
			)
			self.assertEqual(
				(link.realm_id, link.qbo_id, link.company), (realm, qbo_ids[invoice.name], self.company)
			)
		self.assertTrue(frappe.db.exists(c.LINK, {"reference_name": synced_customer, "realm_id": realm}))
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, queue_name(c.SALES_INVOICE, waiting.name), "company"),
			self.company,
		)
		self.assertTrue(
			frappe.db.exists(c.SYNC_QUEUE, queue_name(c.CUSTOMER, waiting_customer, self.company))
		)

		invoices_before = len(self.qbo_rows("Invoice"))
		self.assertEqual(run_sync()["status"], "done")
		self.assertEqual(run_sync()["status"], "done")
		rows = self.qbo_rows("Invoice")
		numbers = [i.get("DocNumber") for i in rows]
		self.assertEqual(len(rows), invoices_before + 1, "0 duplicates, 0 lost")
		for invoice in [*synced, waiting]:
			self.assertEqual(numbers.count(invoice.name), 1, invoice.name)
			self.assertEqual(
				frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced"
			)
		for name in ("Migrated Mills", "Queued Quarries"):
			self.assertEqual(len([r for r in self.qbo_rows("Customer") if r.get("DisplayName") == name]), 1)
		self.assertFalse(frappe.db.count(c.SYNC_QUEUE, {"status": "Queued"}))
