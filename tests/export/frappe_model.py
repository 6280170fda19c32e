"""The Frappe layer as the model-based tests play it: documents, the sync queue and their commit points,
written from qbo_connector/queue.py (save hooks), jobs.py (run), invoice_sync.py (the invoice phase) and
writeback.py (mark_in_flight commits; outcome -> document + queue row), without importing any of them.
Mirrors main as of faed0ff (issue-8 Frappe fixes merged): queue rows carry a version (compare-and-set
write-back), a cancel of a possibly in-flight invoice queues a Void, a Synced create for an invoice cancelled
meanwhile queues a Void, and an original already Voided is not offered to its amendment.

Commit points mirrored:
- a save hook (submit, cancel, retry) is its own transaction: committed at once;
- `mark_in_flight` commits before a batch leaves, and with it every outcome written so far in the run;
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

from qbo_connector.engine.export import Exporter
from qbo_connector.engine.records import ERPInvoice, InvoiceLine, InvoiceTax

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
class Site:
	"""Database state of the site: document status columns and queue rows."""

	docs: dict[str, dict] = field(default_factory=dict)  # name -> status, qbo_id, token, doc_number, error
	queue: dict[str, dict] = field(default_factory=dict)  # name -> action, status, in_flight, attempts


class FrappeLayer:
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

	def retry(self, name: str, docstatus: int) -> None:
		"""jobs.retry_records: back in the queue, Void for a cancelled invoice."""
		self.enqueue(name, "Void" if docstatus == 2 else "Sync")
		self.work.docs.setdefault(name, {})["status"] = QUEUED
		self.commit()

	# -- the run (jobs.SyncRun + invoice_sync.export_invoices) ----------------------------------------
	def due(self) -> list[str]:
		return [name for name, row in self.committed.queue.items() if row["status"] in RUNNABLE]

	def run(self, client, settings, ledger: dict[str, Doc], **exporter_kw):
		"""One run; a Crash propagates after rolling back what was not committed."""
		self.rollback()
		self.ledger = ledger
		names = self.due()
		self.loaded = {name: self.work.queue[name]["version"] for name in names}
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
			on_outcome=self.apply_outcome,
			on_in_flight=self.mark_in_flight,
			backoff=0.05,
			**exporter_kw,
		)
		try:
			report = exporter.export(invoices, in_flight=in_flight, originals=originals) if invoices else None
		except Crash:
			self.rollback()
			raise
		self.commit()
		return report

	def mark_in_flight(self, names: list[str]) -> None:
		for name in names:
			if name in self.work.queue:
				self.work.queue[name]["in_flight"] = 1
		self.commit()  # the in-flight mark must exist before QuickBooks sees the batch

	def apply_outcome(self, outcome) -> None:
		"""writeback.apply_outcome: compare-and-set on the queue row, then the document (no commit: the
		next commit point saves it)."""
		changed = self.update_queue_row(outcome, self.loaded.get(outcome.name))
		model = self.ledger.get(outcome.name)
		if (
			outcome.status == SYNCED
			and not outcome.extra.get("superseded")
			and model
			and model.docstatus == 2
		):
			self.enqueue(outcome.name, "Void")  # a create landed for an invoice cancelled meanwhile
			changed = True
		doc = self.work.docs.setdefault(outcome.name, {})
		doc["status"], doc["error"] = (QUEUED if changed else outcome.status), outcome.message or ""
		if outcome.qbo_id:
			doc["qbo_id"] = outcome.qbo_id
		if outcome.qbo_sync_token:
			doc["token"] = outcome.qbo_sync_token
		if outcome.doc_number:
			doc["doc_number"] = outcome.doc_number

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


def crash_client(client, at: int, after_answer: bool) -> None:
	"""Kill the process at the client's call number `at`: before the request leaves, or after QuickBooks
	answered (the answer is lost with the process, before any outcome is written back)."""
	original = client._call
	seen = [0]

	def call(*args, **kwargs):
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


def check_books(dump: dict, ledger: dict[str, Doc], site: Site, strict: bool, allow_failed=frozenset()):
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
		if paid(row) and any(
			docs.get(n, {}).get("status") == FAILED and docs[n].get("error")
			for n, m in ledger.items()
			if n == name or m.amended_from == name
		):
			continue  # QuickBooks refused to void or change a paid invoice: Failed, with the reason shown
		if not tolerated:
			state = "cancelled" if model.docstatus == 2 else "live"
			problems.append(
				f"QBO {entity} {ident} ({row.get('DocNumber')}, {row.get('TotalAmt')}) is live for {state} "
				f"{name} (status {stored.get('status')!r}, linked {stored.get('qbo_id')!r}, "
				f"queue {queue.get(name)})"
			)
	return problems


# -- the mirror's tripwire -----------------------------------------------------------------------------
MIRRORED = {  # module -> functions FrappeLayer plays (their commit points and queue rules)
	"queue.py": ("enqueue_record", "on_invoice_submit", "on_invoice_cancel"),
	"jobs.py": ("load_due_rows", "retry_records"),
	"invoice_sync.py": ("export_invoices", "originals_of"),
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
		for name in names:
			node = found.get(name)
			text = ast.dump(node, include_attributes=False) if node else "missing"
			prints[f"{module}:{name}"] = hashlib.sha1(text.encode()).hexdigest()[:12]
	return prints
