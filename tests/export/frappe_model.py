"""The Frappe layer as the model-based tests play it: documents, the sync queue and their commit points,
written from qbo_connector/queue.py (save hooks), jobs.py (run), invoice_sync.py (the invoice phase),
payment_sync.py (the payment phase), credit_notes.py (credits released before the invoices, applied after them)
and writeback.py (mark_in_flight commits; outcome -> document + queue row), without importing any of them.
Mirrors main as of faed0ff (issue-8 Frappe fixes merged): queue rows carry a version (compare-and-set
write-back), a cancel of a possibly in-flight invoice queues a Void, a Synced create for an invoice cancelled
meanwhile queues a Void, and an original already Voided is not offered to its amendment. Since de13380 (credit
notes applied): a run releases the applied credit of returns queued for Void before the invoices and applies
the credit of submitted returns to their originals after them. Payments recorded in QuickBooks (In QuickBooks, In
both): payment_import.import_payments and read_back_balances at the end of the run (frappe_import.py).

Commit points mirrored:
- a save hook (submit, cancel, retry) is its own transaction: committed at once;
- `mark_in_flight` commits before a batch leaves, and with it every outcome written so far in the run;
- credit_notes.record commits each application's answer as it arrives (and with it everything written so far);
  release_credits commits after its voids;
- the end of the run commits the rest.
A crash rolls back to the last commit: outcomes written after it are lost, as on a real site.

Also here: an independent ERPNext ledger (`Doc`), a crash switch on the client, and the invariant check
against the sandbox's state dump. Nothing here imports the engine's mapping or planning code."""

from __future__ import annotations

import copy
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal as D

from qbo_connector.engine.discovery import PaymentChoices, discover_payment_settings, unresolved_reasons
from qbo_connector.engine.errors import MissingReference, QBOError, ReconnectRequired
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.payments import PaymentExporter, PaymentSettings, credit_application, invoice_links
from qbo_connector.engine.records import (
	ERPInvoice,
	ERPPayment,
	InvoiceLine,
	InvoiceTax,
	Outcome,
	PaymentReference,
)

from .frappe_import import IN_QUICKBOOKS, PaymentImportLayer

QUEUED, SYNCED, VOIDED, HELD, FAILED, WAITING = (
	"Queued",
	"Synced",
	"Voided",
	"Held",
	"Failed",
	"Waiting for Customer",
)
RUNNABLE = (QUEUED, WAITING, HELD, "Waiting for Invoice")  # jobs.RUNNABLE (the last: payments only)
CENT = D("0.01")
OWNER = re.compile(r"ERPNext Sales Invoice (\S+?)(?:;|\s\(|$)")


class Crash(BaseException):
	"""The process dies: nothing after it runs, nothing catches it."""


@dataclass
class Doc:
	"""An ERPNext Sales Invoice as the model knows it (money in Decimal, returns negative)."""

	name: str
	customer: str  # QBO customer id the ERPNext customer is linked to
	lines: list[tuple[str, int, D]]  # (item code, qty, rate)
	tax: D = D(0)
	docstatus: int = 1
	amended_from: str = ""
	is_return: bool = False
	return_against: str = ""
	for_self: bool = False  # a return with Update Outstanding for Self: its credit stays its own

	@property
	def total(self) -> D:
		return (sum((qty * rate for _, qty, rate in self.lines), D(0)) + self.tax).quantize(CENT)

	@property
	def entity(self) -> str:
		return "CreditMemo" if self.is_return else "Invoice"

	def erp(self, stored: dict) -> ERPInvoice:
		"""The record adapters.load_invoices would build, with the QBO fields stored on the document."""
		lines = [
			InvoiceLine(code, code.title(), qty=D(qty), rate=rate, amount=(qty * rate).quantize(CENT))
			for code, qty, rate in self.lines
		]
		taxes = [InvoiceTax("On Net Total", "CA Sales Tax", D(0), self.tax)] if self.tax else []
		return ERPInvoice(
			name=self.name,
			customer=f"Customer {self.customer}",
			posting_date="2026-01-15",
			grand_total=self.total,
			lines=lines,
			taxes=taxes,
			is_return=self.is_return,
			return_against=self.return_against,
			amended_from=self.amended_from,
			docstatus=self.docstatus,
			customer_qbo_id=self.customer,
			qbo_id=stored.get("qbo_id", ""),
			qbo_sync_token=stored.get("token", ""),
			qbo_doc_number=stored.get("doc_number", ""),
		)


@dataclass
class Pay:
	"""An ERPNext Payment Entry (Receive) as the model knows it: what it allocates to which invoices and what
	it leaves unallocated (unapplied credit in QuickBooks)."""

	name: str
	customer: str  # QBO customer id
	allocations: list[tuple[str, D]]  # (Sales Invoice, allocated amount)
	unallocated: D = D(0)
	reference_no: str = ""
	docstatus: int = 1
	amended_from: str = ""

	@property
	def paid_amount(self) -> D:
		return (sum((amount for _, amount in self.allocations), D(0)) + self.unallocated).quantize(CENT)

	def erp(self, stored: dict, docs: dict) -> ERPPayment:
		"""The record adapters.load_payments would build: each reference carries its invoice's QBO id (the
		invoice's link in the realm, whatever its status), the payment its own link."""
		references = [
			PaymentReference(invoice, amount, docs.get(invoice, {}).get("qbo_id", ""), "Invoice")
			for invoice, amount in self.allocations
		]
		return ERPPayment(
			name=self.name,
			customer=f"Customer {self.customer}",
			posting_date="2026-01-20",
			paid_amount=self.paid_amount,
			customer_qbo_id=self.customer,
			reference_no=self.reference_no,
			references=references,
			docstatus=self.docstatus,
			amended_from=self.amended_from,
			qbo_id=stored.get("qbo_id", ""),
			qbo_sync_token=stored.get("token", ""),
			qbo_doc_number=stored.get("doc_number", ""),
		)


@dataclass
class Site:
	"""Database state of the site: document status columns and queue rows."""

	# name -> status, qbo_id, token, doc_number, error; a return's "applied": its link's applied_payment_id
	docs: dict[str, dict] = field(default_factory=dict)
	queue: dict[str, dict] = field(default_factory=dict)  # name -> action, status, in_flight, attempts
	# payments recorded in QuickBooks (frappe_import.py): Payment Entries made from them, the QuickBooks
	# Company's payment_cursor, the import's Sync Log rows, the Payment Entry naming series
	entries: dict[str, dict] = field(default_factory=dict)
	payment_cursor: str = ""
	balance_cursor: str = ""  # when every open balance was last read (payment_import.read_back_balances)
	logs: list[dict] = field(default_factory=list)
	series: int = 0


# Broken payment paths the model must catch (QBO_MODEL_MUTANT=<name>; see test_model.py's docstring):
# skip_void             a cancelled entry is recorded Voided, its QBO payment left live
# adopt_nothing         the lookup before a re-create finds nothing: a payment whose answer was lost is sent again
# no_payment_in_flight  the payment phase forgets which payments an earlier run had in flight
# cancel_drops_in_flight  on_payment_cancel drops the row of an entry a run may be sending
# no_invoice_links      a payment does not go in the same run as its invoice
# invoices_before_payment_voids  the run's order before the model found it: invoices, then all payments
# no_release            release_credits skipped: a cancelled return's credit memo goes while its application lives
# no_lookup_release     release_credits voids only applications it knows of: none whose answer was lost
# no_apply              apply_credit_notes skipped: credit notes stay unapplied in QuickBooks
# apply_twice           every application sent without a lookup and under a requestid never seen before
MUTANT = os.environ.get("QBO_MODEL_MUTANT", "")


class SkipVoid(PaymentExporter):
	def void(self, work) -> None:
		self.record(work, VOIDED, qbo_id=work.inv.qbo_id)


class AdoptNothing(PaymentExporter):
	def reconcile(self, works, clash=None):
		creates = [work for work in works if work.op != "void"]
		for work in creates:
			work.reconcile = False
		return creates + super().reconcile([work for work in works if work.op == "void"], clash)


MUTANT_EXPORTERS = {"skip_void": SkipVoid, "adopt_nothing": AdoptNothing}


class FrappeLayer(PaymentImportLayer):
	# Before faed0ff the cancel hook dropped the queue row of an invoice without a QBO id, even one a run may
	# be sending (issue 8, defect 5). QBO_MODEL_LAYER=old plays that hook again.
	cancel_in_flight_voids = os.environ.get("QBO_MODEL_LAYER", "") != "old"

	def __init__(self, ledger: dict | None = None):
		self.committed = Site()
		self.work = Site()
		self.commits = 0
		self.loaded: dict[str, int] = {}  # queue row -> its version when the run loaded it
		self.rows_made = 0
		self.ledger = ledger if ledger is not None else {}  # name -> Doc, for the docstatus the layer reads
		self.payments: dict[str, Pay] = {}  # name -> Pay (Payment Entries), likewise
		self.synced_invoices: list = []  # SyncRun.synced_invoices: this run's, for its payments
		self.stamps = 0  # the links' `modified`, in the order the layer writes them

	# -- transactions --------------------------------------------------------------------------------
	def commit(self) -> None:
		self.committed = copy.deepcopy(self.work)
		self.commits += 1

	def rollback(self) -> None:
		self.work = copy.deepcopy(self.committed)

	def row(self, name: str) -> dict | None:
		return self.committed.queue.get(name)

	def status(self, name: str) -> str:
		return self.committed.docs.get(name, {}).get("status", "")

	# -- save hooks (queue.py), each committed with its document -------------------------------------
	def enqueue(self, name: str, action: str) -> None:
		row = self.work.queue.get(name)
		if row:
			if row["action"] == "Void" and action != "Void":
				action = "Void"
			row.update(action=action, status=QUEUED, version=row["version"] + 1)
			return
		self.rows_made += 1  # the row's creation time: unique per row, kept while the row lives
		self.work.queue[name] = {
			"action": action,
			"status": QUEUED,
			"in_flight": 0,
			"attempts": 0,
			"version": 1,
			"creation": self.rows_made,
			"answers": 0,
		}

	def on_submit(self, name: str) -> None:
		self.enqueue(name, "Sync")
		self.work.docs[name] = {"status": QUEUED, "qbo_id": "", "doc_number": "", "token": "", "error": ""}
		self.commit()

	def on_cancel(self, name: str) -> None:
		doc = self.work.docs.setdefault(name, {})
		row = self.work.queue.get(name)
		in_flight = bool(row) and (bool(row["in_flight"]) or row["status"] in RUNNABLE)
		if doc.get("qbo_id") or (self.cancel_in_flight_voids and in_flight):
			self.enqueue(name, "Void")
			doc["status"] = QUEUED
		else:  # never exported: nothing to void, just drop any pending create
			self.work.queue.pop(name, None)
			doc["status"] = ""
		self.commit()

	def on_payment_submit(self, name: str) -> None:
		"""queue.on_payment_submit: queued, and the QBO id an amendment copied from its original forgotten;
		nothing while payments are recorded In QuickBooks (should_queue_payment). Entries made from QuickBooks
		payments never come here (flags.qbo_imported)."""
		if self.recorded_in == IN_QUICKBOOKS:
			return
		self.enqueue(name, "Sync")
		self.work.docs[name] = {"status": QUEUED, "qbo_id": "", "doc_number": "", "token": "", "error": ""}
		self.commit()

	def on_payment_cancel(self, name: str) -> None:
		"""queue.on_payment_cancel: a Void when it has a QBO id or a run may be sending it
		(possibly_in_flight), else the pending row is dropped; nothing In QuickBooks. (An entry made from a
		QuickBooks payment is never voided from here: the model's users cancel only the entries they made.)"""
		if self.recorded_in == IN_QUICKBOOKS:
			return
		doc = self.work.docs.setdefault(name, {})
		row = self.work.queue.get(name)
		in_flight = bool(row) and (bool(row["in_flight"]) or row["status"] in RUNNABLE)
		if MUTANT == "cancel_drops_in_flight":
			in_flight = False
		if doc.get("qbo_id") or in_flight:
			self.enqueue(name, "Void")
			doc["status"] = QUEUED
		else:
			self.work.queue.pop(name, None)
			doc["status"] = ""
		self.commit()

	def docstatus(self, name: str) -> int | None:
		model = self.ledger.get(name) or self.payments.get(name)
		return model.docstatus if model else None

	def retry(self, name: str, docstatus: int) -> None:
		"""jobs.retry_records: back in the queue (queue.enqueue_records: a pending Void wins, the version
		rises), Void for a cancelled invoice."""
		self.enqueue(name, "Void" if docstatus == 2 else "Sync")
		self.work.docs.setdefault(name, {})["status"] = QUEUED
		self.commit()

	# -- the run (jobs.SyncRun + invoice_sync.export_invoices) ----------------------------------------
	def due(self) -> list[str]:
		return [name for name, row in self.committed.queue.items() if row["status"] in RUNNABLE]

	def run(self, client, settings, ledger: dict[str, Doc], payments=None, choices=None, **exporter_kw):
		"""One run (SyncRun.execute: the invoice phase, then the payment phase on the rows loaded at the start);
		a Crash propagates after rolling back what was not committed. A QBOError that stops the run (a
		payment phase's discovery that QuickBooks kept refusing) ends it with what was written so far
		committed, as run_sync's final commit does."""
		self.rollback()
		self.ledger = ledger
		self.payments = payments if payments is not None else {}
		self.synced_invoices = []
		self.touched_invoices: set[str] = set()  # SyncRun's, set by import_payments
		self.sweep_balances = False
		report = None
		due = self.due()
		self.loaded = {name: self.work.queue[name]["version"] for name in due}  # SyncRun.remember
		names = [name for name in due if name in ledger]
		paying = [name for name in due if name in self.payments]
		early = self.early_rows(paying, names)
		if MUTANT == "invoices_before_payment_voids":
			early = []
		try:
			# (push_edits: customers only.) credit_notes.release_credits before SyncRun.sync_invoices: the payments'
			# voids (with amendments that can go: payment_sync.early_rows) first, then the invoices;
			# credit_notes.apply_credit_notes; SyncRun.sync_payments: the rest; payment_import.import_payments
			# (In QuickBooks, In both) and read_back_balances (frappe_import.py).
			held = self.release_credits(client, settings, names) if MUTANT != "no_release" else set()
			self.export_payments(client, choices or PaymentChoices(), early)
			report = self.export_invoices(
				client, settings, [n for n in names if n not in held], **exporter_kw
			)
			if MUTANT != "no_apply":
				self.apply_credit_notes(client, settings)
			self.export_payments(client, choices or PaymentChoices(), [n for n in paying if n not in early])
			self.import_payments(client)
			self.read_back_balances(client)
		except Crash:
			self.rollback()
			raise
		except QBOError:
			pass
		self.commit()
		return report

	def early_rows(self, paying: list[str], invoices: list[str]) -> list[str]:
		"""payment_sync.early_rows: the due voids of cancelled entries; one with a submitted amendment only with
		that amendment's due row, when every invoice the amendment pays has a QBO id on its link, or when the
		entry pays one of the due invoices (`invoices`) queued for Void (payment_sync.paying_voided_invoices)."""
		voids = [n for n in paying if self.work.queue[n]["action"] == "Void"]
		voided = {n for n in invoices if self.work.queue[n]["action"] == "Void"}
		amendment_of = {
			p.amended_from: n for n, p in self.payments.items() if p.docstatus == 1 and p.amended_from
		}
		early = []
		for name in voids:
			amendment = amendment_of.get(name)
			if amendment is None:
				early.append(name)
			elif amendment in paying and (
				all(
					self.work.docs.get(inv, {}).get("qbo_id")
					for inv, _ in self.payments[amendment].allocations
				)
				or any(inv in voided for inv, _ in self.payments[name].allocations)
			):
				early += [name, amendment]
		return early

	def record(self, outcome) -> None:
		"""SyncRun.record: write the outcome back; a synced invoice is remembered for the payment phase."""
		self.apply_outcome(outcome)
		if outcome.doctype == "Sales Invoice" and outcome.status == SYNCED:
			self.synced_invoices.append(outcome)

	def export_invoices(self, client, settings, names: list[str], **exporter_kw):
		"""invoice_sync.export_invoices, for one company and customers linked."""
		ledger = self.ledger
		invoices = [ledger[name].erp(self.work.docs.get(name, {})) for name in names]
		for inv in invoices:  # SyncRun.revise: the row's identity and its count of stored answers
			row = self.work.queue[inv.name]
			inv.revision = f"{row['creation']}/{row['answers']}"
		in_flight = [name for name in names if self.work.queue[name]["in_flight"]]
		wanted = {inv.amended_from for inv in invoices if inv.amended_from}
		wanted |= {inv.return_against for inv in invoices if inv.return_against}
		originals = {
			name: (self.work.docs[name]["qbo_id"], self.work.docs[name].get("token") or "0")
			for name in wanted
			if self.work.docs.get(name, {}).get("qbo_id") and self.work.docs[name].get("status") != VOIDED
		}
		exporter = Exporter(
			client,
			settings,
			on_outcome=self.record,
			on_in_flight=self.mark_in_flight,
			backoff=0.05,
			**exporter_kw,
		)
		return exporter.export(invoices, in_flight=in_flight, originals=originals) if invoices else None

	def export_payments(self, client, choices: PaymentChoices, names: list[str]) -> None:
		"""payment_sync.export_payments: load (adapters.load_payments), resolve the mappings, Synced at once
		for a submitted entry that already has its QBO id, Held for an unknown mapping, the rest through the
		PaymentExporter with this run's synced invoices (invoice_links) and the originals of amendments
		(payment_sync.originals_of: a Voided original is not offered). Nothing In QuickBooks: rows stay."""
		if self.recorded_in == IN_QUICKBOOKS:
			return
		payments = [self.payments[name].erp(self.work.docs.get(name, {}), self.work.docs) for name in names]
		for payment in payments:  # SyncRun.revise
			row = self.work.queue[payment.name]
			payment.revision = f"{row['creation']}/{row['answers']}"
		if not payments:
			return
		settings, unresolved = discover_payment_settings(client, choices)
		ready = []
		for payment in payments:
			reasons = unresolved_reasons(payment, settings, unresolved) if payment.docstatus == 1 else []
			if payment.docstatus == 1 and payment.qbo_id:
				self.record(Outcome("Payment Entry", payment.name, SYNCED, qbo_id=payment.qbo_id))
			elif reasons and not payment.qbo_id:
				self.record(Outcome("Payment Entry", payment.name, HELD, message=" ".join(reasons)))
			else:
				ready.append(payment)
		if not ready:
			return
		in_flight = [name for name in names if self.work.queue.get(name, {}).get("in_flight")]
		if MUTANT == "no_payment_in_flight":
			in_flight = []
		wanted = {p.amended_from for p in ready if p.amended_from}
		originals = {
			name: (self.work.docs[name]["qbo_id"], self.work.docs[name].get("token") or "0")
			for name in wanted
			if self.work.docs.get(name, {}).get("qbo_id") and self.work.docs[name].get("status") != VOIDED
		}
		exporter = MUTANT_EXPORTERS.get(MUTANT, PaymentExporter)(
			client, settings, on_outcome=self.record, on_in_flight=self.mark_in_flight, backoff=0.05
		)
		synced = invoice_links(self.synced_invoices) if MUTANT != "no_invoice_links" else {}
		exporter.export(ready, in_flight=in_flight, originals=originals, invoices=synced)

	# -- credit notes (credit_notes.py) ----------------------------------------------------------------
	def credit_exporter(self, client, settings, record=None) -> PaymentExporter:
		"""credit_notes.exporter_for: a PaymentExporter of Sales Invoice outcomes, no in-flight marks."""
		multicurrency = bool(getattr(settings, "multicurrency", False))
		payment_settings = PaymentSettings(home_currency="USD", multicurrency=multicurrency)
		return PaymentExporter(
			client, payment_settings, doctype="Sales Invoice", on_outcome=record or self.credit_outcome
		)

	def apply_credit_notes(self, client, settings) -> None:
		"""credit_notes.apply_credit_notes: every submitted return against an invoice, not kept for itself, whose
		link is Synced with a QBO id and not applied yet, and whose original's link has a QBO id and is not
		Voided, is applied (credit_application for abs(total)); every one of them is looked up first
		(in_flight: all of them)."""
		due = {}
		for name, ret in self.ledger.items():
			if ret.docstatus != 1 or not ret.is_return or not ret.return_against or ret.for_self:
				continue
			link, original = self.work.docs.get(name), self.work.docs.get(ret.return_against)
			if not link or link.get("status") != SYNCED or not link.get("qbo_id") or link.get("applied"):
				continue
			if not original or not original.get("qbo_id") or original.get("status") == VOIDED:
				continue
			due[name] = (original["qbo_id"], abs(ret.total))
		if not due:
			return
		applications = []
		for name in due:
			ret = self.ledger[name].erp(self.work.docs[name])
			if ret.qbo_id and ret.customer_qbo_id:
				applications.append(credit_application(ret, *due[name]))
		in_flight = [a.name for a in applications]
		if MUTANT == "apply_twice":  # no lookup, and a requestid QuickBooks has never seen
			in_flight = []
			for application in applications:
				self.rows_made += 1
				application.revision = f"twice/{self.rows_made}"
		self.credit_exporter(client, settings).export(applications, in_flight=in_flight)

	def release_credits(self, client, settings, names: list[str]) -> set[str]:
		"""credit_notes.release_credits: the due returns queued for Void whose credit is applied get the
		application voided (read first for its SyncToken; "not found" is gone). A return apply_credit_notes may
		have applied without learning it (no applied payment, the credit memo's id perhaps lost too; against an
		invoice, not kept for itself) goes to the void without an id: the exporter looks the application up
		first. A return whose application could not be read, looked up or voided is held back from this run's
		invoice phase (returned)."""
		voids = [n for n in names if self.work.queue[n]["action"] == "Void"]
		applied = {n: self.work.docs[n]["applied"] for n in voids if self.work.docs.get(n, {}).get("applied")}
		unknown = [
			n
			for n in voids
			if n not in applied
			and self.ledger[n].is_return
			and self.ledger[n].return_against
			and not self.ledger[n].for_self
		]
		if MUTANT == "no_lookup_release":
			unknown = []
		if not applied and not unknown:
			return set()
		releases, held = [], set()
		for name, payment_id in applied.items():
			try:
				token = str(client.read("Payment", payment_id).get("SyncToken", "0"))
			except ReconnectRequired:
				raise
			except MissingReference:
				self.work.docs[name]["applied"] = ""
				continue
			except QBOError:
				held.add(name)
				continue
			release = ERPPayment(name, "", "", D(0), docstatus=2)
			release.qbo_id, release.qbo_sync_token = payment_id, token
			releases.append(release)
		for name in unknown:
			ret = self.ledger[name].erp(self.work.docs.get(name, {}))
			if ret.customer_qbo_id:
				release = credit_application(ret, "")
				release.docstatus = 2
				releases.append(release)

		def released(outcome) -> None:
			self.credit_outcome(outcome)
			if outcome.status != VOIDED:
				held.add(outcome.name)

		self.credit_exporter(client, settings, released).export(releases)
		self.commit()
		return held

	def credit_outcome(self, outcome) -> None:
		"""credit_notes.record: the application's QBO payment on the return's link (no queue row), committed."""
		doc = self.work.docs.setdefault(outcome.name, {})
		if outcome.status == SYNCED:
			doc["applied"], doc["error"] = outcome.qbo_id, ""
		elif outcome.status == VOIDED:
			doc["applied"] = ""
		else:
			doc["error"] = f"Credit not applied to the original invoice in QuickBooks: {outcome.message}"
		self.commit()

	def mark_in_flight(self, names: list[str]) -> None:
		for name in names:
			if name in self.work.queue:
				self.work.queue[name]["in_flight"] = 1
		self.commit()  # the in-flight mark must exist before QuickBooks sees the batch

	def apply_outcome(self, outcome) -> None:
		"""writeback.apply_outcome: compare-and-set on the queue row, then the document (no commit: the
		next commit point saves it)."""
		changed = self.update_queue_row(outcome, self.loaded.get(outcome.name))
		if (
			outcome.status == SYNCED
			and not outcome.extra.get("superseded")
			and self.docstatus(outcome.name) == 2
		):
			self.enqueue(outcome.name, "Void")  # a create landed for an invoice cancelled meanwhile
			changed = True
		doc = self.work.docs.setdefault(outcome.name, {})
		doc["status"], doc["error"] = (QUEUED if changed else outcome.status), outcome.message or ""
		self.stamps += 1  # links.set_link: update_modified
		doc["modified"] = self.stamps
		if outcome.qbo_id:
			doc["qbo_id"] = outcome.qbo_id
		if outcome.qbo_sync_token:
			doc["token"] = outcome.qbo_sync_token
		if outcome.doc_number:
			doc["doc_number"] = outcome.doc_number
		if outcome.status == SYNCED and outcome.extra.get("balance") is not None:  # writeback.link_values
			doc["qbo_balance"] = D(outcome.extra["balance"])

	def update_queue_row(self, outcome, loaded_version) -> bool:
		row = self.work.queue.get(outcome.name)
		if row is None:
			return False
		if loaded_version is None or row["version"] != loaded_version:
			row["in_flight"] = 0
			return True
		if outcome.status in (SYNCED, VOIDED):
			del self.work.queue[outcome.name]
			return False
		row.update(status=outcome.status, in_flight=0)
		if outcome.status in (HELD, FAILED, WAITING, "Needs Review"):  # writeback.ANSWERS
			row["answers"] += 1
		if outcome.status == QUEUED:
			row["attempts"] += 1
		return False


def crash_client(client, at: int, after_answer: bool, kind: str = "") -> None:
	"""Kill the process at the client's call number `at` (`kind` "batch": its batch request number `at`, the
	window between an in-flight mark and the outcomes): before the request leaves, or after QuickBooks
	answered (the answer is lost with the process, before any outcome is written back)."""
	original = client._call
	seen = [0]

	def call(*args, **kwargs):
		if kind == "batch" and not kwargs.get("batch"):
			return original(*args, **kwargs)
		seen[0] += 1
		if seen[0] == at and not after_answer:
			raise Crash()
		result = original(*args, **kwargs)
		if seen[0] == at:
			raise Crash()
		return result

	client._call = call


# -- invariants --------------------------------------------------------------------------------------
def money(value) -> D:
	return D(str(value or 0)).quantize(CENT)


def is_void(row: dict) -> bool:
	return money(row.get("TotalAmt")) == 0 and str(row.get("PrivateNote", "")).startswith("Voided")


def paid(row: dict) -> bool:
	return money(row.get("Balance", row.get("TotalAmt"))) != money(row.get("TotalAmt"))


def owner_of(row: dict) -> str:
	found = OWNER.search(str(row.get("PrivateNote", "")))
	return found.group(1) if found else ""


def check_books(
	dump: dict,
	ledger: dict[str, Doc],
	site: Site,
	strict: bool,
	allow_failed=frozenset(),
	paid_once=frozenset(),
):
	"""Compare QuickBooks (the dump) with ERPNext (ledger + site). Returns the list of violations.

	Always: no duplicate DocNumbers; a Synced live invoice has its QBO twin with the same customer and
	total to the cent; a Voided cancelled invoice's twin is voided (or deleted, for a credit memo); a Held
	or Failed live invoice has no live twin; every live QBO transaction belongs to a live ERPNext invoice
	that links it, or (not strict: a run was cut short) to one whose queue row is still pending.
	Strict (the queue has settled): nothing pending, and every live invoice is Synced unless held or
	failed for a reason the model expects (`allow_failed`)."""
	problems: list[str] = []
	docs, queue = site.docs, site.queue
	rows = {(entity, row["Id"]): row for entity in ("Invoice", "CreditMemo") for row in dump[entity]}
	for entity in ("Invoice", "CreditMemo"):
		numbers = Counter(row.get("DocNumber") for row in dump[entity])
		problems += [f"{entity} DocNumber {n} used {k} times" for n, k in numbers.items() if k > 1]

	def pending(name: str) -> bool:
		row = queue.get(name)
		return bool(row) and (row["status"] == QUEUED or bool(row["in_flight"]))

	for name, model in ledger.items():
		stored = docs.get(name, {})
		status, qbo_id = stored.get("status", ""), stored.get("qbo_id", "")
		twin = rows.get((model.entity, qbo_id)) if qbo_id else None
		if model.docstatus == 1 and status == SYNCED:
			if twin is None or is_void(twin):
				problems.append(f"{name} is Synced but its QuickBooks {model.entity} {qbo_id} is not live")
				continue
			if str((twin.get("CustomerRef") or {}).get("value")) != model.customer:
				problems.append(f"{name}: customer {model.customer} vs QBO {twin.get('CustomerRef')}")
			if money(twin["TotalAmt"]) != abs(model.total):
				problems.append(f"{name}: total {abs(model.total)} vs QBO TotalAmt {twin['TotalAmt']}")
			if owner_of(twin) != name:
				problems.append(f"{name} links {model.entity} {qbo_id}, which carries {owner_of(twin)!r}")
		if model.docstatus == 2 and status == VOIDED and twin is not None and not is_void(twin):
			problems.append(f"{name} is cancelled and Voided, but QBO {model.entity} {qbo_id} is live")
		if (
			model.docstatus == 1
			and status in (HELD, FAILED, WAITING)
			and twin is not None
			and not is_void(twin)
		):
			problems.append(f"{name} is {status} but QBO {model.entity} {qbo_id} is live")
		if strict and model.docstatus == 1 and status != SYNCED and name not in allow_failed:
			problems.append(
				f"{name} should be Synced after the queue settled, is {status!r}: {stored.get('error')}"
			)
		if strict and status in (HELD, FAILED, WAITING) and not stored.get("error"):
			problems.append(f"{name} is {status} with no reason")

	for (entity, ident), row in rows.items():
		if is_void(row):
			continue
		name = owner_of(row)
		model = ledger.get(name)
		stored = docs.get(name, {})
		if model is None:
			problems.append(f"QBO {entity} {ident} ({row.get('DocNumber')}) belongs to no ERPNext invoice")
			continue
		linked = stored.get("qbo_id") == ident
		if model.docstatus == 1 and linked:
			continue
		tolerated = not strict and (
			pending(name) or any(pending(n) for n, m in ledger.items() if m.amended_from == name)
		)
		if (paid(row) or name in paid_once) and any(
			docs.get(n, {}).get("status") == FAILED and docs[n].get("error")
			for n, m in ledger.items()
			if n == name or m.amended_from == name
		):
			# QuickBooks refused to void or change a paid invoice: Failed, with the reason shown (and it stays
			# Failed, for a person to retry, once someone removes the payment in QuickBooks: `paid_once`)
			continue
		if not tolerated:
			state = "cancelled" if model.docstatus == 2 else "live"
			problems.append(
				f"QBO {entity} {ident} ({row.get('DocNumber')}, {row.get('TotalAmt')}) is live for {state} "
				f"{name} (status {stored.get('status')!r}, linked {stored.get('qbo_id')!r}, "
				f"queue {queue.get(name)})"
			)
	return problems


PAYMENT_OWNER = re.compile(r"ERPNext Payment Entry (\S+?)(?:,|$)")
PAYMENT_ANSWERS = (HELD, FAILED, WAITING, "Waiting for Invoice")


def payment_owner(row: dict) -> str:
	"""The Payment Entry a QBO payment names in its PrivateNote (a void keeps the name after "Voided - ")."""
	found = PAYMENT_OWNER.search(str(row.get("PrivateNote", "")))
	return found.group(1) if found else ""


def payment_lines(row: dict) -> dict[str, D]:
	lines: dict[str, D] = {}
	for line in row.get("Line") or []:
		for link in line.get("LinkedTxn") or []:
			key = f"{link.get('TxnType')} {link.get('TxnId')}"
			lines[key] = lines.get(key, D(0)) + money(line.get("Amount"))
	return lines


def check_payments(dump: dict, payments: dict[str, Pay], site: Site, strict: bool, allow_unsent=frozenset()):
	"""Payment Entries against QuickBooks' payments, matched by the entry named in the PrivateNote.

	Always: no entry has two live QBO payments; every live QBO payment we wrote names a known entry; a live
	one for a submitted entry carries its customer, total and lines (the invoices' QBO ids and amounts) and
	is linked from it unless the entry is still pending; a live one for a cancelled entry only while that
	entry (or its amendment) is pending; a Synced entry's linked payment is live and names it; a Voided one's
	is void or gone; a Held/Failed/Waiting entry has no live QBO payment. Strict: every submitted entry is
	Synced with exactly one live QBO payment unless the model allows it to stay unsent (`allow_unsent`),
	none for a cancelled entry, and every Held/Failed/Waiting entry says why."""
	problems: list[str] = []
	docs, queue = site.docs, site.queue
	rows = {row["Id"]: row for row in dump.get("Payment", [])}
	live = [row for row in rows.values() if not is_void(row) and payment_owner(row)]
	owners = Counter(payment_owner(row) for row in live)
	problems += [f"Payment Entry {n} has {k} live QuickBooks payments" for n, k in owners.items() if k > 1]

	def pending(name: str) -> bool:
		row = queue.get(name)
		return bool(row) and (row["status"] == QUEUED or bool(row["in_flight"]))

	for row in live:
		name = payment_owner(row)
		model, stored = payments.get(name), docs.get(name, {})
		if model is None:
			problems.append(f"QBO Payment {row['Id']} names {name!r}, which is no Payment Entry")
			continue
		if model.docstatus == 2:
			tolerated = not strict and (
				pending(name) or any(pending(n) for n, m in payments.items() if m.amended_from == name)
			)
			if not tolerated:
				problems.append(
					f"QBO Payment {row['Id']} ({row.get('TotalAmt')}) is live for cancelled {name} "
					f"(status {stored.get('status')!r}, queue {queue.get(name)})"
				)
			continue
		if stored.get("qbo_id") != row["Id"] and (strict or not pending(name)):
			problems.append(
				f"QBO Payment {row['Id']} is live for {name}, which links {stored.get('qbo_id')!r} "
				f"(status {stored.get('status')!r})"
			)
		if str((row.get("CustomerRef") or {}).get("value")) != model.customer:
			problems.append(f"{name}: customer {model.customer} vs QBO {row.get('CustomerRef')}")
		if money(row.get("TotalAmt")) != model.paid_amount:
			problems.append(f"{name}: paid {model.paid_amount} vs QBO TotalAmt {row.get('TotalAmt')}")
		expected: dict[str, D] = {}
		for invoice, amount in model.allocations:
			key = f"Invoice {docs.get(invoice, {}).get('qbo_id', '')}"
			expected[key] = expected.get(key, D(0)) + amount
		if payment_lines(row) != expected:
			problems.append(f"{name}: allocations {expected} vs QBO lines {payment_lines(row)}")

	for name, model in payments.items():
		stored = docs.get(name, {})
		status, qbo_id = stored.get("status", ""), stored.get("qbo_id", "")
		twin = rows.get(qbo_id) if qbo_id else None
		if (
			model.docstatus == 1
			and status == SYNCED
			and (twin is None or is_void(twin) or payment_owner(twin) != name)
		):
			problems.append(f"{name} is Synced but QBO Payment {qbo_id} is not its live payment: {twin}")
		if model.docstatus == 2 and status == VOIDED and twin is not None and not is_void(twin):
			problems.append(f"{name} is cancelled and Voided, but QBO Payment {qbo_id} is live")
		# in flight (a crash lost the batch's answer): the next run finds it in QuickBooks
		if model.docstatus == 1 and status in PAYMENT_ANSWERS and owners[name] and not pending(name):
			problems.append(f"{name} is {status} but QuickBooks has a live payment for it")
		if strict and model.docstatus == 1 and name not in allow_unsent:
			if status != SYNCED:
				problems.append(f"{name} should be Synced after the queue settled, is {status!r}: {stored}")
			if owners[name] != 1:
				problems.append(f"{name} is submitted but QuickBooks has {owners[name]} live payments for it")
		if strict and status in PAYMENT_ANSWERS and not stored.get("error"):
			problems.append(f"{name} is {status} with no reason")
	return problems


def check_balances(dump: dict, expected: dict[str, D], site: Site) -> list[str]:
	"""`expected`: invoice -> the outstanding amount the model computed from ERPNext's side; each must be the
	Balance of the invoice's linked QBO invoice to the cent."""
	rows = {row["Id"]: row for row in dump["Invoice"]}
	problems = []
	for name, outstanding in expected.items():
		row = rows.get(site.docs.get(name, {}).get("qbo_id", ""))
		if row is None or is_void(row):
			problems.append(f"{name}: no live QBO invoice to compare outstanding {outstanding} with")
		elif money(row.get("Balance")) != outstanding:
			problems.append(
				f"{name}: ERPNext outstanding {outstanding} vs QBO Balance {row.get('Balance')} "
				f"(Invoice {row['Id']}, TotalAmt {row.get('TotalAmt')})"
			)
	return problems


def check_shown_balances(dump: dict, names: set[str], site: Site) -> list[str]:
	"""What the form shows: each of `names` that is Synced has QuickBooks' Balance as its stored QBO balance
	(read back at the end of the last run)."""
	rows = {row["Id"]: row for row in dump["Invoice"]}
	problems = []
	for name in sorted(names):
		stored = site.docs.get(name, {})
		row = rows.get(stored.get("qbo_id", ""))
		if stored.get("status") != SYNCED or row is None or is_void(row):
			continue
		if money(stored.get("qbo_balance") or 0) != money(row.get("Balance")):
			problems.append(
				f"{name}: the form shows QBO balance {stored.get('qbo_balance')}, QuickBooks has "
				f"{row.get('Balance')} (Invoice {row['Id']})"
			)
	return problems


CREDIT_OWNER = re.compile(r"ERPNext credit note (\S+) applied")


def twin_of(dump: dict, entity: str, name: str, docs: dict) -> str:
	"""The QBO id of `name`'s live transaction: the one its link names, else the one whose note names it (a
	crash may have lost the link's id)."""
	stored = docs.get(name, {}).get("qbo_id", "")
	found = [row["Id"] for row in dump[entity] if not is_void(row) and owner_of(row) == name]
	return stored if stored in found or not found else found[0]


def check_credits(dump: dict, ledger: dict[str, Doc], site: Site, strict: bool, allow_unapplied=frozenset()):
	"""Returns' credit applications (a QBO Payment of total 0 whose PrivateNote names the return) against the
	ledger (issue 11).

	Always: no return has two live applications; a live one has total 0 and links the original's invoice and
	the return's credit memo for the return's credit, and is none of a return kept for itself; a link's applied
	payment is live (not strict: unless the return is pending, as after a crash that lost its release's answer). A live application of a cancelled return only while the return is pending (not strict).
	Strict: every submitted return against an invoice, not kept for itself, Synced, whose original is Synced,
	has exactly one live application, the one its link names, and its credit memo's Balance is 0, unless the
	model allows it to stay unapplied (`allow_unapplied`); a return kept for itself keeps its whole credit."""
	problems: list[str] = []
	docs, queue = site.docs, site.queue
	memos = {row["Id"]: row for row in dump["CreditMemo"]}
	live = [
		row
		for row in dump.get("Payment", [])
		if not is_void(row) and CREDIT_OWNER.search(str(row.get("PrivateNote", "")))
	]
	owners = Counter(CREDIT_OWNER.search(row["PrivateNote"]).group(1) for row in live)
	problems += [
		f"return {n} has {k} live credit applications in QuickBooks" for n, k in owners.items() if k > 1
	]

	def pending(name: str) -> bool:
		row = queue.get(name)
		return bool(row) and (row["status"] == QUEUED or bool(row["in_flight"]))

	for row in live:
		name = CREDIT_OWNER.search(row["PrivateNote"]).group(1)
		model, stored = ledger.get(name), docs.get(name, {})
		if model is None or not model.is_return:
			problems.append(f"QBO Payment {row['Id']} applies the credit of {name!r}, which is no return")
			continue
		if model.docstatus == 2:
			if strict or not pending(name):
				problems.append(
					f"QBO Payment {row['Id']} still applies the credit of cancelled {name} "
					f"(status {stored.get('status')!r}, queue {queue.get(name)})"
				)
			continue
		if model.for_self:
			problems.append(f"QBO Payment {row['Id']} applies {name}, which keeps its credit for itself")
		original = twin_of(dump, "Invoice", model.return_against, docs)
		credit = abs(model.total)
		expected = {
			f"Invoice {original}": credit,
			f"CreditMemo {twin_of(dump, 'CreditMemo', name, docs)}": credit,
		}
		if money(row.get("TotalAmt")) != 0 or payment_lines(row) != expected:
			problems.append(f"{name}: application {expected} vs QBO Payment {row['Id']} {payment_lines(row)}")

	rows = {row["Id"]: row for row in dump.get("Payment", [])}
	for name, model in ledger.items():
		if not model.is_return:
			continue
		stored = docs.get(name, {})
		applied = stored.get("applied", "")
		if (
			applied
			and (rows.get(applied) is None or is_void(rows[applied]))
			and (strict or not pending(name))
		):
			problems.append(f"{name} links credit application {applied}, which is not live in QuickBooks")
		memo = memos.get(stored.get("qbo_id", ""))
		if not strict or model.docstatus != 1 or stored.get("status") != SYNCED or memo is None:
			continue
		original = docs.get(model.return_against, {})
		if model.for_self:
			if money(memo.get("Balance")) != money(memo.get("TotalAmt")):
				problems.append(
					f"{name} keeps its credit, but QBO CreditMemo {memo['Id']} has {memo.get('Balance')} left"
				)
		elif original.get("status") == SYNCED and name not in allow_unapplied:
			if owners[name] != 1 or not applied:
				problems.append(
					f"{name}'s credit should be applied to {model.return_against} once both are Synced: "
					f"{owners[name]} live applications, link {applied!r}, error {stored.get('error')!r}"
				)
			elif money(memo.get("Balance")) != 0:
				problems.append(
					f"{name} is applied, but QBO CreditMemo {memo['Id']} has {memo.get('Balance')} left"
				)
	return problems


# -- the mirror's tripwire -----------------------------------------------------------------------------
MIRRORED = {  # module -> functions FrappeLayer plays (their commit points and queue rules); Class.method too
	"queue.py": (
		"enqueue_record",
		"enqueue_records",  # Retry: the same refresh in SQL (REFRESH)
		"on_invoice_submit",
		"on_invoice_cancel",
		"on_payment_submit",
		"on_payment_cancel",
		"possibly_in_flight",
		"should_queue_payment",
		"is_imported",
	),
	"jobs.py": (
		"load_due_rows",
		"retry_records",
		"SyncRun.execute",
		"SyncRun.record",
		"SyncRun.revise",
		"SyncRun.sync_invoices",
		"SyncRun.sync_payments",
	),
	"invoice_sync.py": ("export_invoices", "export_page", "originals_of"),
	"payment_sync.py": ("export_payments", "originals_of", "early_rows", "payments_recorded_in"),
	"payment_import.py": (  # frappe_import.PaymentImportLayer
		"import_payments",
		"apply",
		"log",
		"exported_invoices",
		"own_payment_ids",
		"imported_payments",
		"create_entry",
		"replace_entry",
		"cancel_entry",
		"remove_entry",
		"deposit_account",
		"mode_of_payment",
		"qbo_name",
		"read_back_balances",
		"balance_rows",
	),
	"credit_notes.py": ("apply_credit_notes", "release_credits", "record", "exporter_for"),
	"adapters.py": ("load_payments", "to_erp_payment"),
	"writeback.py": ("apply_transaction_outcome", "mark_in_flight", "in_flight_names", "update_queue_row"),
}


def mirrored_fingerprints(root) -> dict[str, str]:
	"""A hash of each mirrored function's code (read with ast: Frappe is not importable here)."""
	import ast
	import hashlib

	prints = {}
	for module, names in MIRRORED.items():
		tree = ast.parse((root / module).read_text(encoding="utf-8"))
		found = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
		for cls in (n for n in tree.body if isinstance(n, ast.ClassDef)):
			found.update({f"{cls.name}.{n.name}": n for n in cls.body if isinstance(n, ast.FunctionDef)})
		for name in names:
			node = found.get(name)
			text = ast.dump(node, include_attributes=False) if node else "missing"
			prints[f"{module}:{name}"] = hashlib.sha1(text.encode()).hexdigest()[:12]
	return prints
