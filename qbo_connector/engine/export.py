"""The invoice exporter: every submitted Sales Invoice reaches QBO exactly once, correct to the cent, and
every failure is explained per invoice. Framework-free; the Frappe layer supplies records and callbacks.

    exporter = Exporter(client, settings, on_outcome=save, on_in_flight=mark, facts=facts)
    report = exporter.export(invoices, in_flight=names_marked_last_run)

What `export` does, in order:
1. Sorts each invoice into an action: create (Invoice, or CreditMemo for a return), update (an amendment
   under amend_policy "update": the same QBO invoice, keeping its DocNumber), void (cancelled; a
   cancelled return's CreditMemo is deleted), or nothing (already in QBO: a rerun sends nothing).
2. Pre-flight (invoices.prepare): held or waiting invoices get their Outcome at once, never sent.
3. Reconciles invoices the caller marked in flight on an earlier run: one `DocNumber IN (...)` query per
   30, and a QBO invoice with the same customer and total is adopted instead of created again.
4. Sends batches of at most 30 (deterministic bIds "0".."29" and requestid per batch) through the
   client's limiter, one at a time on the caller's thread. `on_in_flight(names)` is called before each batch
   leaves; `on_outcome(outcome)` as soon as each item's answer is read. Both run on the caller's thread.
5. Classifies each answer: success (TotalAmt read back and compared); 429/3001, 5xx, timeouts retried
   with backoff (an ambiguous failure is reconciled by DocNumber before any resend); 5010 retried after
   re-reading the SyncToken; 6140 reconciled (adopt a match, else Failed with both invoices described);
   missing references Held; other faults Failed in QBO's words. Transient trouble never ends as Failed:
   an invoice that kept failing is left Queued. ReconnectRequired stops the run; nothing is lost.

Other entry points: `update_after_submit(invoices)` (sparse update of due date / memo), and
`preview_next_batch(invoices, settings, facts)` for the desk. Lifecycle details are in export_ops.py.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from qbo_connector.engine.client import BATCH_LIMIT, QBOClient
from qbo_connector.engine.errors import (
	DuplicateDocNumber,
	QBOError,
	ReconnectRequired,
	StaleObject,
	Throttled,
	Transient,
)
from qbo_connector.engine.export_ops import (
	Work,
	find_by_doc_numbers,
	handle_update_failure,
	plan_send,
	plan_work,
	reconcile_by_doc_number,
	refetch,
	send_void,
	void_work,
)
from qbo_connector.engine.invoice_amounts import qbo_total
from qbo_connector.engine.invoice_refs import default_item_lines
from qbo_connector.engine.invoices import (
	ExportSettings,
	Hold,
	QBOFacts,
	doc_number_for,
	entity_for,
	prepare,
	sparse_changes,
)
from qbo_connector.engine.records import QUEUED, SYNCED, VOIDED, ERPInvoice, Outcome
from qbo_connector.engine.request_ids import request_id_for

DOCTYPE = "Sales Invoice"


@dataclass
class ExportReport:
	outcomes: list[Outcome] = field(default_factory=list)
	skipped: int = 0  # already in QBO: nothing sent
	adopted: int = 0  # found in QBO by DocNumber and linked instead of created
	batches: int = 0
	stopped: str = ""  # set when the run had to stop (reconnect required)
	engine_cpu_s: float = 0.0  # thread CPU spent mapping, planning and classifying

	def count(self, status: str) -> int:
		return sum(1 for outcome in self.outcomes if outcome.status == status)


def batch_request_id(realm: str, op: str, works: list[Work]) -> str:
	"""The same batch resent gets QBO's first answer; a changed one goes out (see request_ids.py)."""
	return request_id_for(realm, op, ((w.name, w.inv.revision, w.body) for w in works))


def plan_batches(works: list[Work]) -> list[list[Work]]:
	"""Chunks of at most 30, one operation per batch, in the order given."""
	batches: list[list[Work]] = []
	for op in ("update", "create", "delete"):
		same = [w for w in works if w.op == op]
		batches.extend(same[i : i + BATCH_LIMIT] for i in range(0, len(same), BATCH_LIMIT))
	return batches


def preview_next_batch(
	invoices: list[ERPInvoice], settings: ExportSettings, facts: QBOFacts | None = None
) -> list[tuple[str, str, str]]:
	"""For the desk: (name, "will_send" | "blocked" | "in QuickBooks", reason) per invoice, sending nothing."""
	rows = []
	for inv in invoices:
		if inv.qbo_id and inv.docstatus == 1:
			rows.append((inv.name, "in QuickBooks", ""))
			continue
		if inv.docstatus == 2:
			rows.append((inv.name, "will_send", "void in QuickBooks"))
			continue
		fallback = default_item_lines(inv, settings)
		try:
			prepare(inv, settings, facts)
			rows.append((inv.name, "will_send", fallback))
		except Hold as hold:
			rows.append((inv.name, "blocked", "; ".join([*hold.reasons, *([fallback] if fallback else [])])))
	return rows


class Exporter:
	"""The send loop and lifecycle for sales transactions; payments.py reuses it through the hooks below
	(`doctype`, `noun`, `entity_of`, `void_work`, `plan_send`, `reconcile`, `void`, `void_refused`)."""

	doctype = DOCTYPE
	noun = "invoice"

	def __init__(
		self,
		client: QBOClient,
		settings: ExportSettings,
		on_outcome: Callable[[Outcome], None] | None = None,
		on_in_flight: Callable[[list[str]], None] | None = None,
		facts: QBOFacts | None = None,
		max_attempts: int = 6,
		backoff: float = 2.0,
		sleep: Callable[[float], None] = time.sleep,
	):
		self.client = client
		self.settings = settings
		self.on_outcome = on_outcome or (lambda outcome: None)
		self.on_in_flight = on_in_flight or (lambda names: None)
		self.facts = facts or QBOFacts()
		self.max_attempts = max_attempts
		self.backoff = backoff * client.limiter.window / 60.0  # backoff follows the limiter's time scale
		self.sleep = sleep
		self.report = ExportReport()
		self.retry: list[Work] = []
		self.open_works: dict[int, Work] = {}
		self.voids: list[Work] = []
		self.superseded: dict[str, Work] = {}  # cancelled original -> its void, until its amendment's outcome

	# -- outcomes ----------------------------------------------------------------------------------
	def record(self, work: Work, status: str, message: str = "", **fields) -> None:
		fields.setdefault("doc_number", work.doc_number)
		outcome = Outcome(self.doctype, work.name, status, message=message, **fields)
		outcome.extra.setdefault("entity", work.entity)
		work.done = True
		work.body = {}  # a finished work keeps no payload: memory stays flat on long runs
		if work.prepared:
			work.prepared.payload = {}
		self.open_works.pop(id(work), None)
		self.report.outcomes.append(outcome)
		self.on_outcome(outcome)
		if work.inv.amended_from in self.superseded and work.inv.docstatus == 1:
			self.follow_amendment(work.inv, status)

	def follow_amendment(self, amendment: ERPInvoice, status: str) -> None:
		"""A cancelled original is carried by its amendment's successful update, or voided: never left live.
		An amendment that will be retried keeps its original waiting with it."""
		if status == SYNCED:
			original = self.superseded[amendment.amended_from].inv.qbo_id
			message = f"Amended: QuickBooks {self.noun} {original} now "
			self.resolve_original(amendment, SYNCED, message + f"carries {amendment.name}.", superseded=True)
		elif status == QUEUED:
			message = f"Waiting for its amendment {amendment.name} to update the QuickBooks {self.noun}."
			self.resolve_original(amendment, QUEUED, message)
		else:
			self.voids.append(self.superseded.pop(amendment.amended_from))

	def resolve_original(self, amendment: ERPInvoice, status: str, message: str, superseded=False) -> None:
		work = self.superseded.pop(amendment.amended_from, None)
		if work is not None:
			extra = {"superseded": True} if superseded else {}
			self.record(work, status, message, qbo_id=work.inv.qbo_id, extra=extra)

	def record_success(self, work: Work, obj: dict, adopted: bool = False) -> None:
		"""Synced (or Voided), with QBO's TotalAmt read back and compared to ERPNext's total."""
		extra: dict = {"adopted": True} if adopted else {}
		message = ""
		if work.op == "void" or work.op == "delete":
			self.record(work, VOIDED, qbo_id=str(obj.get("Id", work.inv.qbo_id)), extra=extra)
			return
		if work.prepared and qbo_total(obj) != work.prepared.total:
			extra.update({"flag": "total_mismatch", "qbo_total": str(qbo_total(obj))})
			extra["erpnext_total"] = str(work.prepared.total)
			message = (
				f"QuickBooks shows a total of {qbo_total(obj)}, but ERPNext's total is {work.prepared.total}; "
				"please check the invoice in QuickBooks."
			)
		if work.entity == "Invoice" and obj.get("Balance") is not None:
			# QBO's answer: stored with the status, as the form's balance (writeback.link_values)
			extra["balance"] = str(obj["Balance"])
		fields = {"qbo_id": str(obj.get("Id", "")), "qbo_sync_token": str(obj.get("SyncToken", ""))}
		if obj.get("DocNumber"):
			fields["doc_number"] = str(obj["DocNumber"])
		self.record(work, SYNCED, message, extra=extra, **fields)
		self.report.adopted += adopted

	def record_error(self, work: Work, error: QBOError) -> None:
		code = str(error.code or "")
		self.record(work, error.status, error.user_message(), error_code=code, detail=str(error)[:500])

	# -- the run -----------------------------------------------------------------------------------
	def export(
		self,
		invoices: Iterable[ERPInvoice],
		in_flight: Iterable[str] = (),
		originals: dict[str, tuple[str, str]] | None = None,
	) -> ExportReport:
		"""Create, amend, void and delete as each invoice's state asks. `in_flight`: names the caller
		marked in flight and never saw an outcome for. `originals`: ERPNext name -> (QBO id, SyncToken)
		of invoices that amendments or returns refer to (those in `invoices` are found by themselves)."""
		self.report, self.superseded = ExportReport(), {}
		self.run(plan_work(self, list(invoices), set(in_flight), dict(originals or {})))
		for work in list(self.superseded.values()):  # an amendment that got no outcome (a stopped run)
			self.record(work, QUEUED, "Waiting for its amendment to reach QuickBooks.")
		return self.report

	def update_after_submit(self, invoices: Iterable[ERPInvoice]) -> ExportReport:
		"""Sparse update of the fields ERPNext allows to change after submit (due date, memo)."""
		self.report = ExportReport()
		works = []
		for inv in invoices:
			work = Work(inv, "update", entity_for(inv), {})
			if not inv.qbo_id:
				self.record(work, QUEUED, "The invoice is not in QuickBooks yet; it will be sent as a whole.")
				continue
			try:
				changes = sparse_changes(inv)
				work.body = {
					"Id": inv.qbo_id,
					"SyncToken": inv.qbo_sync_token or "0",
					"sparse": True,
					**changes,
				}
			except Hold as hold:
				self.record(work, hold.status, "; ".join(hold.reasons))
				continue
			works.append(work)
		self.run(works)
		return self.report

	def run(self, works: Iterable[Work]) -> None:
		"""Send everything, retrying what may be retried, until each work has an outcome. `works` may be
		a generator: invoices are mapped as batches are needed, so sending starts at once."""
		self.stream, self.voids, self.open_works = iter(works), [], {}
		try:
			self.send_batches()
			for work in self.voids:
				if not work.done:
					self.void(work)
		except ReconnectRequired as stop:
			self.report.stopped = stop.user_message()
			for work in [*self.open_works.values(), *self.voids, *self.stream]:
				if not work.done:
					self.record(work, QUEUED, stop.user_message())

	def send_batches(self) -> None:
		"""The main loop, on the caller's thread (Frappe's request locals exist only there; scale-out is
		RQ's job): one batch at a time at the limiter's pace, each answer recorded as it arrives."""
		pending: deque[list[Work]] = deque()
		self.retry, self.buffers, self.exhausted = [], {}, False
		while pending or self.retry or not self.exhausted:
			pending.extend(plan_batches(self.take_due()))
			if not pending and not self.exhausted:
				self.refill(pending)
				continue
			if pending:
				batch = pending.popleft()
				self.absorb(batch, self.send(batch))
				continue
			wake = min((w.not_before for w in self.retry), default=None)
			if wake is not None:
				self.sleep(max(0.0, wake - time.monotonic()))

	def refill(self, pending: deque) -> None:
		"""Map invoices from the stream until one batch is full (or the stream ends)."""
		started = time.thread_time()
		for work in self.stream:
			self.open_works[id(work)] = work
			if work.op == "void":
				self.voids.append(work)
			elif work.reconcile:
				self.retry.append(work)
			else:
				buffer = self.buffers.setdefault(work.op, [])
				buffer.append(work)
				if len(buffer) == BATCH_LIMIT:
					pending.append(self.buffers.pop(work.op))
					break
		else:
			pending.extend(self.buffers.values())
			self.buffers, self.exhausted = {}, True
		self.report.engine_cpu_s += time.thread_time() - started

	def take_due(self) -> list[Work]:
		"""Works whose retry time has come; those needing a DocNumber check get it first."""
		now = time.monotonic()
		due = [w for w in self.retry if w.not_before <= now]
		if not due:
			return []
		self.retry = [w for w in self.retry if w.not_before > now]
		plain = [w for w in due if not w.reconcile]
		return self.reconcile([w for w in due if w.reconcile]) + plain

	def send(self, batch: list[Work]) -> dict:
		"""One batch request; a whole-request failure becomes every item's answer."""
		started = time.thread_time()
		for work in batch:
			work.attempts += 1
		op = batch[0].op
		items = [{"bId": str(i), "operation": op, w.entity: w.body} for i, w in enumerate(batch)]
		request_id = batch_request_id(self.client.config.realm_id, op, batch)
		self.on_in_flight([w.name for w in batch])
		self.report.batches += 1
		self.report.engine_cpu_s += time.thread_time() - started
		try:
			return self.client.batch(items, request_id)
		except ReconnectRequired:
			raise
		except QBOError as error:
			return {str(i): error for i in range(len(batch))}

	def absorb(self, batch: list[Work], answers: dict) -> None:
		"""Record each item's answer; works to try again go to the retry list."""
		started = time.thread_time()
		for i, work in enumerate(batch):
			answer = answers.get(str(i), Transient("QuickBooks sent no answer for this item", detail="bId"))
			self.classify(work, answer)
		self.report.engine_cpu_s += time.thread_time() - started

	def classify(self, work: Work, answer) -> None:
		"""Record the outcome of one answer, or put the work on the retry list."""
		if isinstance(answer, dict):
			self.record_success(work, answer)
		elif isinstance(answer, DuplicateDocNumber) and work.op == "create":
			work.reconcile = True
			self.retry.extend(self.reconcile([work], clash=answer))
		elif isinstance(answer, StaleObject) and work.attempts < self.max_attempts:
			if refetch(self, work):
				self.retry.append(work)
		elif answer.transient and work.attempts < self.max_attempts:
			self.later(work, reconcile=work.op == "create" and not is_throttle(answer))
		elif answer.transient:
			self.record(work, QUEUED, answer.user_message(), error_code=str(answer.code or ""))
		elif not handle_update_failure(self, work, answer):
			self.record_error(work, answer)

	# -- hooks (payments.py overrides them) --------------------------------------------------------
	def entity_of(self, inv: ERPInvoice) -> str:
		return entity_for(inv)

	def void_work(self, inv: ERPInvoice) -> Work:
		return void_work(inv)

	def plan_send(self, inv: ERPInvoice, entity: str, originals, in_flight, numbers) -> Work | None:
		return plan_send(self, inv, entity, originals, in_flight, numbers)

	def void(self, work: Work) -> None:
		send_void(self, work)

	def void_refused(self, work: Work, error: QBOError) -> None:
		"""QuickBooks refused a void that is not done yet: the record fails with QuickBooks' words."""
		self.record_error(work, error)

	def later(self, work: Work, reconcile: bool = False) -> None:
		"""Retry with exponential backoff; an ambiguous create is looked up by DocNumber first."""
		work.reconcile = reconcile
		work.not_before = time.monotonic() + self.backoff * 2 ** max(0, work.attempts - 1)
		self.retry.append(work)

	def reconcile(self, works: list[Work], clash: QBOError | None = None) -> list[Work]:
		"""Adopt what QBO already has; returns the works that still need sending."""
		return reconcile_by_doc_number(self, works, clash) if works else []


def is_throttle(error: QBOError) -> bool:
	"""A 429 was refused before running, so resending it cannot duplicate anything."""
	return isinstance(error, Throttled) or error.code == 3001


__all__ = [
	"ExportReport",
	"Exporter",
	"batch_request_id",
	"doc_number_for",
	"find_by_doc_numbers",
	"plan_batches",
	"preview_next_batch",
]
