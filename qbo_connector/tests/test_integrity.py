"""Issue 8, Frappe layer: what a user does during a run survives it (compare-and-set write-back, a cancel
of an in-flight invoice voids it), an amendment of a voided original is created anew, and token expiries
are instants whatever the site's time zone."""

import json
import os
import subprocess
import sys
import tempfile
import time
from unittest.mock import patch
from urllib.parse import parse_qs, urlparse

import requests

import frappe

from qbo_connector import constants as c
from qbo_connector import invoice_sync, writeback
from qbo_connector.connection import (
	SettingsTokenStore,
	callback,
	get_authorization_url,
	get_client,
	save_tokens,
	update_company,
)
from qbo_connector.engine.change_feed import iso
from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.tokens import TokenSet
from qbo_connector.jobs import SyncRun, retry_records, run_sync
from qbo_connector.links import set_link
from qbo_connector.queue import enqueue_record
from qbo_connector.sandbox.seed import read_seed
from qbo_connector.tests.test_security import SALES_USER, ensure_sales_user
from qbo_connector.tests.utils import QBOTestCase, refused


class TestUserActionsDuringARun(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def run_with(self, action):
		"""A run in which `action(names)` happens right after a batch is marked in flight (committed),
		before QuickBooks answers: what a user would do from the desk at that moment."""
		original, acted = writeback.mark_in_flight, []

		def in_flight_then_user_acts(doctype, names):
			original(doctype, names)
			if doctype == c.SALES_INVOICE and not acted:
				acted.append(names)
				action(names)

		frappe.db.commit()
		with patch.object(writeback, "mark_in_flight", in_flight_then_user_acts):
			report = run_sync()
		self.assertEqual(report["status"], "done", report)
		self.assertTrue(acted, "no batch was sent")
		return report

	def qbo_invoice(self, qbo_id):
		return next(i for i in self.qbo_rows("Invoice") if i["Id"] == qbo_id)

	def test_cancel_while_the_create_is_in_flight_voids_it(self):
		customer = self.make_customer("Inflight Cancel Traders")
		invoice = self.make_invoice(customer, rate=70)
		self.run_with(lambda names: frappe.get_doc("Sales Invoice", invoice.name).cancel())
		row = frappe.db.get_value(
			c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}", ["action", "status", "in_flight"], as_dict=True
		)
		self.assertIsNotNone(row, "the cancel's Void was lost")
		self.assertEqual((row.action, row.status, row.in_flight), ("Void", "Queued", 0))
		qbo_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		self.assertTrue(qbo_id)  # the create landed and its id is kept for the void
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Queued")
		self.assertEqual(frappe.db.commit() or run_sync()["status"], "done")
		self.assertEqual(float(self.qbo_invoice(qbo_id)["TotalAmt"]), 0.0)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Voided")

	def test_an_update_queued_during_the_run_survives_the_synced_outcome(self):
		customer = self.make_customer("Midrun Edit Supplies")
		invoice = self.make_invoice(customer, rate=40)
		self.run_with(lambda names: enqueue_record(c.SALES_INVOICE, invoice.name, c.ACTION_UPDATE))
		row = frappe.db.get_value(
			c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}", ["action", "status"], as_dict=True
		)
		self.assertIsNotNone(row, "the edit queued during the run was deleted by the run")
		self.assertEqual((row.action, row.status), ("Update", "Queued"))
		self.assertTrue(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID))

	def test_a_synced_outcome_for_an_invoice_cancelled_meanwhile_leaves_a_void(self):
		customer = self.make_customer("Silent Cancel Mercantile")
		invoice = self.make_invoice(customer, rate=55)

		def cancelled_without_hook(names):
			# the document is cancelled but its queue row is gone (an earlier version's cancel, a disabled
			# integration...): the outcome itself must notice
			frappe.db.set_value("Sales Invoice", invoice.name, "docstatus", 2, update_modified=False)
			frappe.db.delete(c.SYNC_QUEUE, {"name": f"Sales Invoice::{invoice.name}"})

		self.run_with(cancelled_without_hook)
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, f"Sales Invoice::{invoice.name}", "action"),
			"Void",
			"a live QuickBooks invoice for a cancelled ERPNext invoice, and nothing queued to void it",
		)

	def test_a_voided_original_is_not_offered_to_its_amendment(self):
		customer = self.make_customer("Voided Original Outfitters")
		original = self.make_invoice(customer, rate=90)
		frappe.db.commit()
		run_sync()
		original.reload()
		original.cancel()
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", original.name, c.INVOICE_SYNC_STATUS), "Voided")
		amended = frappe.copy_doc(original)
		amended.docstatus = 0
		amended.amended_from = original.name
		amended.insert()
		amended.submit()
		loaded = frappe._dict(amended_from=original.name, return_against="")
		self.assertEqual(invoice_sync.originals_of([loaded]), {})


def set_site_time_zone(zone: str) -> str:
	"""Set System Settings' time zone (the machine stays UTC); returns the previous one."""
	previous = frappe.db.get_single_value("System Settings", "time_zone")
	frappe.db.set_single_value("System Settings", "time_zone", zone)
	frappe.clear_document_cache("System Settings", "System Settings")
	frappe.local.system_settings = None
	return previous


class TestTokenExpiryInSiteTimeZone(QBOTestCase):
	"""Server in UTC, site in America/New_York: stored expiries must name the same instant."""

	def setUp(self):
		self.previous_zone = set_site_time_zone("America/New_York")
		self.assertNotEqual(time.strftime("%z"), "-0500")  # the machine's zone differs from the site's
		self.connect()

	def tearDown(self):
		set_site_time_zone(self.previous_zone or "America/New_York")

	def test_stored_expiries_round_trip_as_the_same_instant(self):
		realm = frappe.db.get_single_value(c.SETTINGS, "realm_id")
		tokens = SettingsTokenStore(realm).load()
		self.assertAlmostEqual(tokens.access_expires_at, time.time() + 3600, delta=300)
		self.assertFalse(tokens.needs_refresh(), "a fresh access token reads as expired")
		instants = TokenSet("a", "r", 1_900_000_000.0, 1_905_000_000.0, 2_000_000_000.0)
		save_tokens(instants)
		back = SettingsTokenStore(realm).load()
		self.assertEqual(
			(back.access_expires_at, back.refresh_expires_at, back.hard_expires_at),
			(1_900_000_000.0, 1_905_000_000.0, 2_000_000_000.0),
		)

	def test_calls_do_not_refresh_a_fresh_token(self):
		start = len(self.sandbox.log_since())
		client = get_client()
		for _ in range(3):
			client.company_info()
		kinds = [entry["kind"] for entry in self.sandbox.log_since(start)]
		self.assertEqual(kinds.count("token"), 0, kinds)


# A `bench qbo sync` killed (SIGKILL) in the middle of its run, in its own process.
KILLED_RUN = """
import os, signal, sys
import frappe
frappe.init(site=sys.argv[1], sites_path=sys.argv[2])
frappe.connect()
from qbo_connector import jobs
def execute(self):
	open(sys.argv[3], "w").write("running")
	os.kill(os.getpid(), signal.SIGKILL)
jobs.SyncRun.execute = execute
jobs.run_sync()
"""


class TestKilledRunLock(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()
		frappe.db.commit()
		realm = frappe.db.get_single_value(c.SETTINGS, "realm_id")
		self.lock_key = frappe.cache.make_key(f"qbo:sync:{realm}")

	def tearDown(self):
		frappe.cache.delete(self.lock_key)

	def test_a_killed_run_does_not_block_the_next_one(self):
		with tempfile.TemporaryDirectory() as tmp:
			marker = os.path.join(tmp, "ran")
			sites = os.path.abspath(frappe.local.sites_path)
			killed = subprocess.run(
				[sys.executable, "-c", KILLED_RUN, frappe.local.site, sites, marker],
				cwd=sites,
				capture_output=True,
				timeout=300,
			)
			self.assertEqual(killed.returncode, -9, killed.stderr.decode()[-2000:])
			self.assertTrue(os.path.exists(marker), "the killed run never held the lock")
		self.assertTrue(frappe.cache.get(self.lock_key))  # the dead run's lock is still there
		report = run_sync()
		self.assertNotEqual(report["status"], "skipped", report)

	def test_a_live_run_still_excludes_the_next_one(self):
		from qbo_connector.run_lock import RunLock

		lock = RunLock(frappe.cache, self.lock_key, lease=1.5)
		self.assertTrue(lock.acquire())
		try:
			for _ in range(
				5
			):  # longer than the lease: only the run's renewals (as it makes progress) keep it
				time.sleep(0.5)
				lock.renew()
			self.assertEqual(run_sync()["status"], "skipped")
		finally:
			lock.release()
		self.assertIsNone(frappe.cache.get(self.lock_key))
		self.assertEqual(run_sync()["status"], "done")

	def test_a_dead_holder_on_another_host_lapses_with_its_lease(self):
		from qbo_connector.run_lock import RunLock

		holder = json.dumps({"host": "another-worker", "pid": 1, "token": "x"})
		frappe.cache.set(self.lock_key, holder, px=1500)  # it stopped renewing: one lease left
		self.assertFalse(RunLock(frappe.cache, self.lock_key).acquire())
		time.sleep(1.6)
		lock = RunLock(frappe.cache, self.lock_key)
		self.assertTrue(lock.acquire())
		lock.release()


SECOND_REALM = "9341453050000002"


def consent_for(authorization_url: str, realm_id: str) -> dict:
	"""The sandbox's consent page, choosing a company."""
	form = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
	response = requests.post(
		authorization_url.split("?")[0],
		data={**form, "action": "connect", "realm_id": realm_id},
		allow_redirects=False,
		timeout=10,
	)
	return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}


class TestAnotherQuickBooksCompany(QBOTestCase):
	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		seed = read_seed(None)
		second = json.loads(json.dumps(seed["realms"][0]))
		second["realm_id"] = SECOND_REALM
		second["company"]["CompanyName"] = "Second Company Ltd"
		seed["realms"].append(second)
		cls.sandbox.load_seed(seed)

	def tearDown(self):
		frappe.set_user("Administrator")

	def connect_to(self, realm_id: str) -> None:
		redirect = consent_for(get_authorization_url(), realm_id)
		self.assertEqual(redirect["realmId"], realm_id)
		callback(code=redirect["code"], state=redirect["state"], realmId=redirect["realmId"])

	def test_a_different_company_is_refused_while_links_exist_until_reset(self):
		first = self.sandbox.realm_ids[0]
		self.connect_to(first)
		customer = self.make_customer("Realm Bound Partners")
		set_link("Customer", customer, first, self.company, {"qbo_id": "58", "status": "Synced"})
		with refused(self, "wrong customers"):
			self.connect_to(SECOND_REALM)
		settings = frappe.get_single(c.SETTINGS)
		self.assertEqual((settings.realm_id, settings.connection_status), (first, c.CONNECTED))
		self.connect_to(first)  # the same company again is fine

		from qbo_connector.connection import link_counts, reset_links

		ensure_sales_user()
		frappe.set_user(SALES_USER)
		with self.assertRaises(frappe.PermissionError):
			reset_links(confirm="RESET")
		frappe.set_user("Administrator")
		with self.assertRaises(frappe.ValidationError):
			reset_links(confirm="yes")
		reset_links(confirm="RESET")
		self.assertEqual(link_counts(), {"customers": 0, "invoices": 0, "payments": 0})
		self.assertEqual(frappe.db.get_single_value(c.SETTINGS, "connection_status"), c.NOT_CONNECTED)
		self.connect_to(SECOND_REALM)
		self.assertEqual(frappe.db.get_single_value(c.SETTINGS, "realm_id"), SECOND_REALM)


def other_test_company(configured: str) -> str:
	"""A second ERPNext company in US dollars, like the sandbox's companies (any USD company but the
	configured one, by name; created when there is none)."""
	others = frappe.get_all(
		"Company",
		filters={"name": ("!=", configured), "default_currency": "USD"},
		pluck="name",
		order_by="name asc",
		limit=1,
	)
	if others:
		return others[0]
	name = "QBO Other Company"
	if not frappe.db.exists("Company", name):
		frappe.get_doc(
			{
				"doctype": "Company",
				"company_name": name,
				"abbr": "QOC",
				"default_currency": "USD",
				"country": "United States",
				"chart_of_accounts": "Standard",
			}
		).insert(ignore_permissions=True)
	return name


class TestOtherCompanyInvoices(QBOTestCase):
	def setUp(self):
		self.other = other_test_company(self.company)
		self.connect_and_enable()

	def test_an_invoice_of_another_company_is_never_exported(self):
		customer = self.make_customer("Two Companies Client")
		foreign = self.make_invoice(customer, rate=33, company=self.other)
		self.assertNotEqual(foreign.company, frappe.db.get_single_value(c.SETTINGS, "company"))
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{foreign.name}"))  # the hook
		self.assertEqual(retry_records("Sales Invoice", [foreign.name]), 0)  # Retry, Sync Now
		self.assertFalse(frappe.db.exists(c.SYNC_QUEUE, f"Sales Invoice::{foreign.name}"))
		status, error = frappe.db.get_value(
			"Sales Invoice", foreign.name, [c.INVOICE_SYNC_STATUS, c.INVOICE_LAST_ERROR]
		)
		self.assertEqual(status, "Failed")
		self.assertIn(self.other, error)

		enqueue_record(c.SALES_INVOICE, foreign.name)  # a row left by an earlier version (no company):
		frappe.db.set_value(
			c.SYNC_QUEUE, f"Sales Invoice::{foreign.name}", "company", None
		)  # the run refuses
		frappe.db.commit()
		self.assertEqual(run_sync()["status"], "done")
		self.assertNotIn(foreign.name, [i.get("DocNumber") for i in self.qbo_rows("Invoice")])
		self.assertFalse(frappe.db.get_value("Sales Invoice", foreign.name, c.INVOICE_QBO_ID))
		self.assertEqual(
			frappe.db.get_value(c.SYNC_QUEUE, f"Sales Invoice::{foreign.name}", "status"), "Failed"
		)


class TestSyncLogGrowth(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def tearDown(self):
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		frappe.db.commit()

	def test_a_record_held_for_the_same_reason_keeps_one_log_row(self):
		customer = self.make_customer("Repeat Hold Hardware")
		invoice = self.make_invoice(customer, rate=12)
		frappe.db.set_single_value(c.SETTINGS, "default_item", "No Such Item")
		for _ in range(3):
			frappe.db.commit()
			self.assertEqual(run_sync()["status"], "done")
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Held")
		rows = frappe.get_all(
			c.SYNC_LOG,
			filters={"reference_name": invoice.name},
			fields=["name", "status", "repeat_count", "last_occurred_on"],
			limit=10,
		)
		self.assertEqual(len(rows), 1, rows)
		self.assertEqual((rows[0].status, rows[0].repeat_count), ("Held", 3))
		self.assertTrue(rows[0].last_occurred_on)

		# clean-up: the error stays while unresolved, and goes (once old) after the record succeeded
		from qbo_connector.qbo_connector.doctype.quickbooks_sync_log.quickbooks_sync_log import (
			QuickBooksSyncLog,
		)

		held = rows[0].name
		old = frappe.utils.add_days(frappe.utils.now_datetime(), -60)
		frappe.db.set_value(c.SYNC_LOG, held, "modified", old, update_modified=False)
		QuickBooksSyncLog.clear_old_logs(30)
		self.assertTrue(frappe.db.exists(c.SYNC_LOG, held))
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		QuickBooksSyncLog.clear_old_logs(30)
		self.assertFalse(frappe.db.exists(c.SYNC_LOG, held))
		self.assertTrue(frappe.db.exists(c.SYNC_LOG, {"reference_name": invoice.name, "status": "Success"}))


class TestChangeFeed(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def linked_customer(self, name: str) -> tuple[str, str]:
		customer = self.make_customer(name)
		frappe.db.commit()
		self.assertEqual(run_sync()["status"], "done")
		qbo_id = frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)
		self.assertTrue(qbo_id)
		return customer, qbo_id

	def changed_now(self) -> list[str]:
		run = SyncRun(frappe.get_single(c.SETTINGS))
		run.client = get_client()
		return run.customers_changed_in_qbo()

	def test_a_change_made_during_a_run_is_read_by_the_next_run(self):
		customer, qbo_id = self.linked_customer("Midrun Merge Wholesale")
		self.make_invoice(customer, rate=10)  # something to do in phase 2
		original = SyncRun.sync_invoices

		def deactivate_then_export(run, rows):
			record = run.client.read("Customer", qbo_id)
			run.client.update(
				"Customer", {"Id": qbo_id, "SyncToken": record["SyncToken"], "Active": False, "sparse": True}
			)
			time.sleep(1.1)  # the run goes on after QuickBooks recorded the change
			return original(run, rows)

		frappe.db.commit()
		with patch.object(SyncRun, "sync_invoices", deactivate_then_export):
			self.assertEqual(run_sync()["status"], "done")
		self.assertIn(customer, self.changed_now(), "the change made during the run was skipped")

	def test_a_gap_over_thirty_days_checks_every_linked_customer(self):
		customer, _qbo_id = self.linked_customer("Long Gap Logistics")
		forty_days_ago = frappe.utils.add_days(frappe.utils.now_datetime(), -40)
		update_company(
			self.company, {"last_sync_on": forty_days_ago, "cdc_cursor": iso(time.time() - 40 * 86400)}
		)
		self.assertIn(customer, self.changed_now(), "a 40-day gap was silently skipped")

	def test_a_full_answer_checks_every_linked_customer(self):
		customer, _qbo_id = self.linked_customer("Busy Feed Brokers")
		full = {"Customer": [{"Id": str(10_000 + i), "Active": True} for i in range(1000)]}
		with patch.object(QBOClient, "cdc", lambda self, entities, since: full):
			self.assertIn(customer, self.changed_now(), "changes beyond the 1000 answered were skipped")
