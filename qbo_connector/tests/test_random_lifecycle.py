"""A randomized lifecycle on real Sales Invoices (issue 8): submit, cancel, amend, return, sync, and a
`bench qbo sync` killed at a random moment; after every completed sync QuickBooks must hold exactly what
ERPNext holds. The checks read the sandbox's state, whose rules cite Intuit's documentation.

Seeds and steps are bounded for CI (QBO_RANDOM_SEEDS, QBO_RANDOM_STEPS raise them on demand)."""

import os
import random
import signal
import subprocess
import time
from collections import Counter

import frappe

from qbo_connector import constants as c
from qbo_connector.jobs import run_sync
from qbo_connector.tests.utils import QBOTestCase

SEEDS = int(os.environ.get("QBO_RANDOM_SEEDS", "2"))
STEPS = int(os.environ.get("QBO_RANDOM_STEPS", "14"))
BENCH = os.path.abspath(os.path.join(frappe.utils.get_bench_path()))


class TestRandomLifecycle(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()
		self.customers = [self.make_customer(f"Randal Lifecycle {n}") for n in range(3)]
		frappe.db.commit()

	def test_random_sequences_keep_quickbooks_equal_to_erpnext(self):
		self.kills = 0
		for seed in range(SEEDS):
			policy = ("Update the same QuickBooks invoice", "Void and create a new one")[seed % 2]
			frappe.db.set_single_value(c.SETTINGS, "amend_policy", policy)
			frappe.db.commit()
			self.run_sequence(random.Random(seed), seed)
		print(f"random lifecycle: {SEEDS} seeds x {STEPS} steps, {self.kills} runs killed mid-way")

	# -- the sequence --------------------------------------------------------------------------------
	def run_sequence(self, rng: random.Random, seed: int) -> None:
		self.names: list[str] = []
		trail = []
		for _ in range(STEPS):
			step = rng.choice(
				["submit", "submit", "cancel", "amend", "return", "sync", "killed_sync", "break_mapping"]
			)
			trail.append(step)
			getattr(self, f"step_{step}")(rng)
			if step == "sync":
				self.check(f"seed {seed}: {' '.join(trail)}")
		self.step_fix_mapping(rng)
		self.step_sync(rng)
		self.check(f"seed {seed}: {' '.join(trail)} fix_mapping sync", final=True)

	def step_submit(self, rng):
		doc = self.make_invoice(rng.choice(self.customers), rate=rng.randint(10, 400), qty=rng.randint(1, 3))
		self.names.append(doc.name)
		frappe.db.commit()

	def live(self, **filters) -> list[str]:
		return frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", self.names or [""]), "docstatus": 1, **filters},
			pluck="name",
			limit=0,
		)

	def step_cancel(self, rng):
		names = self.live()
		if names:
			doc = frappe.get_doc("Sales Invoice", rng.choice(names))
			returns = self.live(return_against=doc.name)
			for name in returns:  # ERPNext refuses to cancel an invoice with a live return
				frappe.get_doc("Sales Invoice", name).cancel()
			doc.cancel()
			frappe.db.commit()

	def step_amend(self, rng):
		cancelled = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", self.names or [""]), "docstatus": 2, "is_return": 0},
			pluck="name",
			limit=0,
		)
		amended = set(
			frappe.get_all(
				"Sales Invoice", filters={"amended_from": ("in", cancelled or [""])}, pluck="amended_from"
			)
		)
		choices = [n for n in cancelled if n not in amended]
		if choices:
			original = frappe.get_doc("Sales Invoice", rng.choice(choices))
			doc = frappe.copy_doc(original)  # as the desk's Amend: no_copy fields come along
			doc.docstatus, doc.amended_from = 0, original.name
			doc.items[0].rate = rng.randint(10, 400)
			doc.insert(ignore_permissions=True)
			doc.submit()
			self.names.append(doc.name)
			frappe.db.commit()

	def step_return(self, rng):
		from erpnext.controllers.sales_and_purchase_return import make_return_doc

		returned = set(frappe.get_all("Sales Invoice", filters={"is_return": 1}, pluck="return_against"))
		names = [n for n in self.live(is_return=0) if n not in returned]
		if names:
			doc = make_return_doc("Sales Invoice", rng.choice(names))
			doc.items[0].qty = -1
			doc.insert(ignore_permissions=True)
			doc.submit()
			self.names.append(doc.name)
			frappe.db.commit()

	def step_sync(self, rng):
		frappe.db.commit()
		report = run_sync()
		self.assertEqual(report["status"], "done", report)
		frappe.db.commit()

	def step_break_mapping(self, rng):
		"""The default item points at nothing in QuickBooks: new invoices (and amendments) are held."""
		frappe.db.set_single_value(c.SETTINGS, "default_item", "No Such Item")
		frappe.db.commit()

	def step_fix_mapping(self, rng):
		frappe.db.set_single_value(c.SETTINGS, "default_item", "Services")
		frappe.db.commit()

	def step_killed_sync(self, rng):
		"""`bench qbo sync` in its own process, killed after a random number of QuickBooks requests (the
		sandbox answers slowly, so the kill lands while a request or its write-back is under way)."""
		frappe.db.commit()
		self.sandbox.configure(latency=0.05)
		seen, target = len(self.sandbox.request_log), rng.randint(1, 12)
		process = subprocess.Popen(
			["bench", "--site", frappe.local.site, "qbo", "sync"],
			cwd=BENCH,
			stdout=subprocess.DEVNULL,
			stderr=subprocess.DEVNULL,
			start_new_session=True,
		)
		deadline = time.monotonic() + 120
		while process.poll() is None and time.monotonic() < deadline:
			if len(self.sandbox.request_log) >= seen + target:
				os.killpg(process.pid, signal.SIGKILL)
				self.kills += 1
				break
			time.sleep(0.01)
		process.wait(timeout=30)
		self.sandbox.configure(latency=0)
		frappe.db.rollback()  # see what the killed process committed

	# -- the invariant -------------------------------------------------------------------------------
	def check(self, trail: str, final: bool = False) -> None:
		realm = self.sandbox.realm_ids[0]
		dump = self.sandbox.dump(realm)
		docs = frappe.get_all(
			"Sales Invoice",
			filters={"name": ("in", self.names or [""])},
			fields=[
				"name",
				"docstatus",
				"is_return",
				"grand_total",
				"customer",
				c.INVOICE_QBO_ID,
				c.INVOICE_SYNC_STATUS,
			],
			limit=0,
		)
		customer_ids = dict(
			frappe.get_all(
				"Customer",
				filters={"name": ("in", self.customers)},
				fields=["name", c.CUSTOMER_QBO_ID],
				as_list=True,
				limit=0,
			)
		)
		for entity, is_return in (("Invoice", 0), ("CreditMemo", 1)):
			rows = {row["Id"]: row for row in dump[entity] if self.is_ours(row)}
			live_rows = {i: r for i, r in rows.items() if not self.voided(realm, entity, i)}
			claims = Counter()
			for doc in docs:
				if doc.is_return != is_return or doc.docstatus != 1:
					continue
				qbo_id, status = doc[c.INVOICE_QBO_ID], doc[c.INVOICE_SYNC_STATUS]
				if status == "Held" and not final:  # visible with its reason, and not in QuickBooks
					self.assertNotIn(qbo_id, live_rows, f"{doc.name} held but live in QuickBooks: {trail}")
					continue
				self.assertEqual(status, "Synced", f"{doc.name} is {status}: {trail}")
				self.assertIn(qbo_id, live_rows, f"{doc.name}: no live QuickBooks {entity}: {trail}")
				row = live_rows[qbo_id]
				self.assertEqual(
					round(float(row["TotalAmt"]), 2), round(abs(float(doc.grand_total)), 2), trail
				)
				self.assertEqual(row["CustomerRef"]["value"], customer_ids[doc.customer], trail)
				claims[qbo_id] += 1
			self.assertFalse([i for i, n in claims.items() if n > 1], f"one {entity} for two: {trail}")
			orphans = set(live_rows) - set(claims)
			self.assertFalse(orphans, f"live QuickBooks {entity} no live ERPNext document carries: {trail}")
			numbers = Counter(r.get("DocNumber") for r in rows.values())
			self.assertFalse([n for n, k in numbers.items() if k > 1], f"duplicate DocNumber: {trail}")

	def is_ours(self, row: dict) -> bool:
		return any(name in str(row.get("PrivateNote", "")) for name in self.names) or row.get(
			"DocNumber"
		) in set(self.names)

	def voided(self, realm: str, entity: str, qbo_id: str) -> bool:
		return (entity, qbo_id) in self.sandbox.realms[realm].voided
