"""Payments recorded in QuickBooks, as the model-based test plays the Frappe side: a mirror of
qbo_connector/payment_import.py (import_payments and what it calls, read_back_balances), mixed into
frappe_model.FrappeLayer, and the model's check of what it imported (check_imports). Framework-free: it calls
the engine's planner (engine/payment_import.py) as the real module does, and stands in for ERPNext where the
real module calls it (get_payment_entry, insert, submit, cancel, and their validations).

Where the mirror keeps state (frappe_model.Site, so that a crash rolls it back like the database):
- `entries`: the Payment Entries made from QuickBooks payments (name -> allocations, paid amount, docstatus,
  amended_from); their QuickBooks Link in `docs` with `origin` "QuickBooks";
- `payment_cursor`: the QuickBooks Company's cursor (a UTC ISO instant);
- `logs`: the Sync Log rows the import writes (a payment logged Failed or Held, for a person).
A link's `modified` stamp orders the links as frappe.get_all does (the QuickBooks Link's sort: modified desc).

Commit points mirrored: the import first commits what the run wrote before it; each payment is its own
transaction (entry and link together, or rolled back and a Failed log committed); the cursor moves, and is committed, only when every payment of the plan was handled;
read_back_balances commits at the end of the run.

The model's own expectations (from its ledger of QuickBooks-side payments) are checked by check_imports; none
of them is read from here."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from decimal import Decimal as D

from qbo_connector.engine.change_feed import iso, parse_iso
from qbo_connector.engine.errors import ReconnectRequired
from qbo_connector.engine.payment_import import plan_payment_import, read_invoice_balances
from qbo_connector.engine.records import FAILED, HELD, SYNCED, VOIDED

IN_ERPNEXT, IN_QUICKBOOKS, IN_BOTH = "In ERPNext", "In QuickBooks", "In both"  # payments_recorded_in
ORIGIN_QUICKBOOKS = "QuickBooks"
DEPOSIT_MAPPINGS: tuple = ()  # (QBO account, ERPNext account): the model's settings map none
METHOD_MAPPINGS: tuple = ()  # (QBO payment method, Mode of Payment)
# Broken import paths the model must catch (QBO_MODEL_MUTANT=<name>; the engine's are mutated in its code):
# import_cursor_always  the cursor moves to the run's start even when a payment could not be recorded
# import_no_cancel      a payment voided or deleted in QuickBooks leaves its Payment Entry submitted
# import_forgets        imported_payments reads nothing: every run imports QuickBooks' payments again
# balances_never_differ read_back_balances reads only in full (once a day): what ERPNext and QBO disagree on waits
MUTANT = os.environ.get("QBO_MODEL_MUTANT", "")
BALANCE_SWEEP_SECONDS = 24 * 3600  # payment_import.BALANCE_SWEEP_SECONDS


class Refused(Exception):
	"""ERPNext's validation refused the document (frappe.ValidationError)."""


class PaymentImportLayer:
	"""payment_import.py on the model's site. The host (FrappeLayer) provides work / commit / rollback, the
	ledger (Sales Invoices), payments (Payment Entries made in ERPNext) and synced_invoices."""

	recorded_in = IN_ERPNEXT  # QuickBooks Settings' "Where payments are recorded"
	clock = None  # time.time() of the real module; the model passes the sandbox's clock

	# -- import_payments --------------------------------------------------------------------------------
	def import_payments(self, client) -> None:
		if self.recorded_in == IN_ERPNEXT:
			return
		self.commit()  # the run's answers so far: a payment refused below rolls back its own transaction only
		self.qbo_names: dict[str, dict[str, str]] = {}  # qbo_name's per-run cache (run.__dict__)
		started = self.clock()
		imported = self.imported_payments()
		plan = plan_payment_import(
			client,
			parse_iso(self.work.payment_cursor or ""),
			started,
			invoices=self.exported_invoices(),
			own_ids=self.own_payment_ids(),
			imported=imported,
			home_currency="USD",
		)
		self.touched_invoices |= plan.touched  # their balances are read back (read_back_balances)
		self.sweep_balances |= plan.balances_unknown
		# cancels first, then replacements, then creates: a payment deleted or voided in QuickBooks frees its invoice's
		# outstanding amount, which a new payment made there since may need (ERPNext refuses more than is outstanding)
		handled = True
		for item in plan.cancel:
			handled &= self.apply(client, item, self.cancel_entry)
		for item in plan.update:
			handled &= self.apply(client, item, self.replace_entry)
		for item in plan.create:
			handled &= self.apply(client, item, self.create_entry)
		for item in plan.unknown:
			self.log(item, HELD, "QuickBooks payment {0} was not recorded in ERPNext: {1}")
		if handled or MUTANT == "import_cursor_always":
			self.work.payment_cursor = iso(started)
		self.commit()

	def apply(self, client, item, action) -> bool:
		"""One payment in its own transaction; a refusal is rolled back and logged, never half-written."""
		try:
			action(client, item)
			self.commit()
			return True
		except ReconnectRequired:
			self.rollback()
			raise
		except (
			Exception
		) as exc:  # ERPNext refused this payment (or a read of QuickBooks failed): logged, retried
			self.rollback()
			self.log(item, FAILED, "QuickBooks payment {0} could not be recorded in ERPNext: {1}", str(exc))
			self.commit()
			return False

	def log(self, item, status: str, message: str, reason: str = "") -> None:
		reason = reason or " ".join(item.reasons)
		self.work.logs.append(
			{"qbo_id": item.qbo_id, "status": status, "message": message.format(item.qbo_id, reason)}
		)

	# -- what the plan needs ------------------------------------------------------------------------------
	def link_rows(self):
		"""The site's links, as frappe.get_all returns them (the QuickBooks Link's sort: modified desc)."""
		return sorted(self.work.docs.items(), key=lambda item: item[1].get("modified", 0), reverse=True)

	def exported_invoices(self) -> dict[str, str]:
		"""QBO invoice id -> Sales Invoice: links of Sales Invoices with entity Invoice, a QBO id and a status
		other than Voided; of links sharing an id (an amendment that updated its original's), the first row, or
		a submitted invoice's."""
		rows = [
			(name, link)
			for name, link in self.link_rows()
			if name in self.ledger
			and not self.ledger[name].is_return
			and link.get("qbo_id")
			and link.get("status") != VOIDED
		]
		submitted = {name for name, _ in rows if self.ledger[name].docstatus == 1}
		found: dict[str, str] = {}
		for name, link in rows:
			if link["qbo_id"] not in found or name in submitted:
				found[link["qbo_id"]] = name
		return found

	def own_payment_ids(self) -> list[str]:
		"""Returns' applied_payment_id, then the QBO ids of Payment links without an origin (exported entries)."""
		applied = [link["applied"] for _, link in self.link_rows() if link.get("applied")]
		return applied + [
			link["qbo_id"]
			for name, link in self.link_rows()
			if name in self.payments and link.get("qbo_id") and not link.get("origin")
		]

	def imported_payments(self) -> dict[str, tuple[str, str]]:
		"""QBO payment id -> (live Payment Entry made from it, its SyncToken)."""
		if MUTANT == "import_forgets":
			return {}
		rows = [
			(name, link)
			for name, link in self.link_rows()
			if name in self.work.entries and link.get("origin") == ORIGIN_QUICKBOOKS and link.get("qbo_id")
		]
		return {
			link["qbo_id"]: (name, link.get("token") or "")
			for name, link in rows
			if self.work.entries[name]["docstatus"] < 2
		}

	# -- what the plan asks for ---------------------------------------------------------------------------
	def create_entry(self, client, item, amended_from: str = "") -> str:
		"""get_payment_entry for the first invoice, its references set to the allocations, insert (ERPNext's
		validation), the link (origin QuickBooks), submit. The submit hook never queues it: should_queue_payment
		sees flags.qbo_imported."""
		self.deposit_account(client, item)  # an argument of get_payment_entry: read before anything else
		self.mode_of_payment(client, item)
		self.validate_references(item.allocations)  # get_payment_entry and insert
		self.work.series += 1
		name = f"{amended_from}-1" if amended_from else f"ACC-PAY-{self.work.series:05d}"
		while name in self.work.entries:
			base, _, suffix = name.rpartition("-")
			name = f"{base}-{int(suffix) + 1}"
		self.work.entries[name] = {
			"allocations": [(a.invoice, D(a.amount)) for a in item.allocations],
			"paid": D(item.total),
			"docstatus": 1,
			"amended_from": amended_from,
		}
		self.set_link(
			name,
			{
				"qbo_id": item.qbo_id,
				"token": item.sync_token,
				"origin": ORIGIN_QUICKBOOKS,
				"status": SYNCED,
				"error": "",
			},
		)
		return name

	def validate_references(self, allocations) -> None:
		"""ERPNext (Payment Entry.validate): each referenced Sales Invoice is submitted and owes at least what is
		allocated to it."""
		for allocation in allocations:
			doc = self.ledger.get(allocation.invoice)
			if doc is None or doc.docstatus != 1:
				raise Refused(f"Sales Invoice {allocation.invoice} must be submitted")
			if D(allocation.amount) > self.outstanding(allocation.invoice):
				raise Refused(
					f"Allocated Amount {allocation.amount} cannot be greater than outstanding amount "
					f"{self.outstanding(allocation.invoice)} of {allocation.invoice}"
				)

	def replace_entry(self, client, item) -> None:
		"""Changed in QuickBooks: the old entry cancelled, an amendment made from the payment as it is now."""
		old = item.payment_entry
		self.remove_entry(old)
		self.create_entry(client, item, amended_from=old if self.work.entries[old]["docstatus"] == 2 else "")

	def cancel_entry(self, client, item) -> None:
		"""Voided or deleted in QuickBooks: the entry goes too; its link says so."""
		if MUTANT == "import_no_cancel":
			return
		self.remove_entry(item.payment_entry)
		if self.work.entries[item.payment_entry]["docstatus"] == 2:
			self.set_link(item.payment_entry, {"status": VOIDED, "error": " ".join(item.reasons)})

	def remove_entry(self, name: str) -> None:
		"""Cancel (the cancel hook leaves an entry made from QuickBooks alone); drafts are not modelled (the
		model's settings submit imported entries)."""
		entry = self.work.entries[name]
		if entry["docstatus"] == 1:
			entry["docstatus"] = 2

	def deposit_account(self, client, item) -> str:
		"""The account mapped to the QBO deposit account, by id or name (the model maps none: ERPNext's default)."""
		wanted = {item.deposit_account_id, self.qbo_name(client, "Account", item.deposit_account_id)} - {""}
		return next((account for qbo_account, account in DEPOSIT_MAPPINGS if qbo_account in wanted), "")

	def mode_of_payment(self, client, item) -> str:
		wanted = {item.payment_method_id, self.qbo_name(client, "PaymentMethod", item.payment_method_id)} - {
			""
		}
		return next((mode for qbo_method, mode in METHOD_MAPPINGS if qbo_method in wanted), "")

	def qbo_name(self, client, entity: str, qbo_id: str) -> str:
		"""The Name of a QBO list entity, read once per run (a QuickBooks call: a crash point)."""
		if not qbo_id:
			return ""
		if entity not in self.qbo_names:
			rows = client.query_all(entity, "")
			self.qbo_names[entity] = {str(r["Id"]): r.get("Name", "") for r in rows}
		return self.qbo_names[entity].get(str(qbo_id), "")

	# -- the site ------------------------------------------------------------------------------------------
	def set_link(self, name: str, values: dict) -> None:
		"""links.set_link: insert or update the link (update_modified)."""
		self.stamps += 1
		self.work.docs.setdefault(name, {}).update(values, modified=self.stamps)

	def outstanding(self, name: str) -> D:
		"""Sales Invoice.outstanding_amount as ERPNext keeps it: the total less submitted Payment Entries'
		allocations (made in ERPNext or from QuickBooks) and returns that update its outstanding."""
		doc = self.ledger[name]
		paid = sum(
			(
				a
				for p in self.payments.values()
				if p.docstatus == 1
				for inv, a in p.allocations
				if inv == name
			),
			D(0),
		)
		imported = sum(
			(
				a
				for e in self.work.entries.values()
				if e["docstatus"] == 1
				for inv, a in e["allocations"]
				if inv == name
			),
			D(0),
		)
		credits = sum(
			(
				abs(r.total)
				for r in self.ledger.values()
				if r.is_return and r.docstatus == 1 and r.return_against == name and not r.for_self
			),
			D(0),
		)
		return doc.total - paid - imported - credits

	# -- read_back_balances ----------------------------------------------------------------------------------
	def read_back_balances(self, client) -> None:
		"""Each Synced exported invoice's QBO Balance onto its link: in full (every Synced invoice) once a day
		(BALANCE_SWEEP_SECONDS) or when a payment was deleted or voided or swept; else this run's invoices
		whose answer lacked it, those a changed payment links and those whose outstanding amount differs from
		the stored balance. The cursor moves after a full read."""
		now = self.clock() if self.clock else time.time()
		cursor = parse_iso(self.work.balance_cursor or "")
		sweep = self.sweep_balances or now - cursor >= BALANCE_SWEEP_SECONDS
		this_run = {o.name for o in self.synced_invoices if o.extra.get("balance") is None}
		rows = self.balance_rows(this_run, self.touched_invoices, sweep)
		balances = read_invoice_balances(client, [link["qbo_id"] for _, link in rows]) if rows else {}
		changed = False
		for name, link in rows:
			balance = balances.get(link["qbo_id"])
			if balance is not None and (name in this_run or D(str(link.get("qbo_balance") or 0)) != balance):
				self.set_link(name, {"qbo_balance": balance})
				changed = True
		if sweep:
			self.work.balance_cursor = iso(now)
		if changed or sweep:
			self.commit()

	def balance_rows(self, this_run: set[str], touched: set[str], sweep: bool) -> list:
		"""The Synced invoice links read back (the real module's one query)."""
		rows = []
		for name, link in self.link_rows():
			if name not in self.ledger or self.ledger[name].is_return:
				continue
			if not link.get("qbo_id") or link.get("status") != SYNCED:
				continue
			stored = D(str(link.get("qbo_balance") or 0))
			differs = self.ledger[name].docstatus == 1 and self.outstanding(name) != stored
			wanted = sweep or (differs and MUTANT != "balances_never_differ")
			if wanted or name in this_run or link["qbo_id"] in touched:
				rows.append((name, link))
		return rows


# -- the model's check -------------------------------------------------------------------------------------
def check_imports(site, made_in_qbo: dict, strict: bool, may_stay_out=frozenset()) -> list[str]:
	"""The Payment Entries made from QuickBooks payments against the model's ledger of payments users made in
	QuickBooks (`made_in_qbo`: QBO id -> QboPay; the model's, not the code's).

	Always: no QBO payment has two live entries; every entry was made from a payment a user made in QuickBooks
	(never from one this app created: an exported Payment Entry or a credit application); entries made from a
	payment number at most the versions a user made of it (a rerun imports nothing).
	Strict (the queue has settled): every live payment made in QuickBooks has exactly one live entry, with its
	invoice, amount and total, unless the model lets it stay out (`may_stay_out`: its invoice cancelled in ERPNext,
	or paid on both sides beyond what it owes): then it was logged for a person, or recorded (with its amount,
	perhaps against the amendment that took over its QBO invoice). A voided or deleted one has no live entry."""
	problems: list[str] = []
	live: dict[str, list[str]] = {}
	made: dict[str, int] = {}
	for name, entry in site.entries.items():
		qbo_id = site.docs.get(name, {}).get("qbo_id", "")
		made[qbo_id] = made.get(qbo_id, 0) + 1
		if entry["docstatus"] == 1:
			live.setdefault(qbo_id, []).append(name)
		if qbo_id not in made_in_qbo:
			problems.append(
				f"{name} was imported from QBO Payment {qbo_id!r}, which no user made in QuickBooks"
			)
	for qbo_id, names in live.items():
		if len(names) > 1:
			problems.append(f"QBO Payment {qbo_id} is recorded {len(names)} times in ERPNext: {names}")
	for qbo_id, count in made.items():
		pay = made_in_qbo.get(qbo_id)
		if pay is not None and count > pay.versions:
			problems.append(
				f"QBO Payment {qbo_id} ({pay.versions} versions) was imported {count} times: a rerun imported it again"
			)
	if not strict:
		return problems
	logged = {row["qbo_id"] for row in site.logs}
	for qbo_id, pay in made_in_qbo.items():
		names = live.get(qbo_id, [])
		if not pay.live:
			problems += [f"{n} stays submitted, but QBO Payment {qbo_id} was {pay.gone}" for n in names]
			continue
		if qbo_id in may_stay_out and not names:
			if qbo_id not in logged:
				problems.append(
					f"QBO Payment {qbo_id} on {pay.invoice} was not recorded, and nothing says why"
				)
			continue
		if len(names) != 1:
			problems.append(
				f"QBO Payment {qbo_id} ({pay.amount} on {pay.invoice}) has {len(names)} live entries"
			)
			continue
		entry = site.entries[names[0]]
		# one on an invoice cancelled before it was recorded may follow the amendment that took its QBO invoice
		invoice = (
			entry["allocations"][0][0] if qbo_id in may_stay_out and entry["allocations"] else pay.invoice
		)
		if entry["allocations"] != [(invoice, pay.amount)] or entry["paid"] != pay.total:
			problems.append(
				f"{names[0]} allocates {entry['allocations']} of {entry['paid']}, but QBO Payment {qbo_id} pays "
				f"{pay.amount} on {pay.invoice} of {pay.total}"
			)
	return problems


@dataclass
class QboPay:
	"""A payment a user made in QuickBooks against one invoice, as the model's ledger keeps it."""

	qbo_id: str
	invoice: str  # the Sales Invoice whose QBO twin it pays
	qbo_invoice: str  # that twin's QBO id
	amount: D
	unapplied: D = D(0)  # left as credit in QuickBooks (TotalAmt above the line)
	live: bool = True
	gone: str = ""  # "voided" or "deleted" in QuickBooks
	versions: int = 1  # created, then each change a user made in QuickBooks

	@property
	def total(self) -> D:
		return self.amount + self.unapplied
