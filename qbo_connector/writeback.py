"""Engine outcomes -> ERPNext: status fields on the document, the queue row, the sync log and the
review queue. Every write is a direct column update (no document save, so no hooks re-queue)."""

from __future__ import annotations

import frappe
from frappe.utils import flt, now_datetime

from qbo_connector import adapters, links
from qbo_connector import constants as c
from qbo_connector.engine.records import (
	FAILED,
	HELD,
	NEEDS_REVIEW,
	QUEUED,
	SYNCED,
	VOIDED,
	WAITING,
	WAITING_FOR_INVOICE,
	MatchDecision,
	Outcome,
	describe_contact,
)
from qbo_connector.queue import enqueue_record, queue_name

LOG_STATUS = {
	SYNCED: "Success",
	VOIDED: "Success",
	NEEDS_REVIEW: "Needs Review",
	WAITING: "Needs Review",
	WAITING_FOR_INVOICE: "Needs Review",
	HELD: "Held",
	FAILED: "Failed",
	QUEUED: "Retrying",
}
RETRY_DELAY_MINUTES = 15
ANSWERS = (HELD, FAILED, NEEDS_REVIEW, WAITING, WAITING_FOR_INVOICE)


def apply_outcome(
	outcome: Outcome,
	run_id: str,
	operation: str = "",
	loaded: dict[str, int] | None = None,
	company: str = "",
	realm_id: str = "",
) -> None:
	"""`loaded`: queue row name -> the version the run loaded it with (compare-and-set: a row changed
	since, by a user's edit, cancel or retry, stays queued for the next run). The outcome belongs to
	`company`'s run against `realm_id` (the default company's when empty): its link is that realm's."""
	if not company:
		company = links.default_company()
		realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	row = queue_name(outcome.doctype, outcome.name, company)
	changed = update_queue_row(outcome, (loaded or {}).get(row), row)
	if outcome.doctype == c.CUSTOMER:
		apply_customer_outcome(outcome, changed, company, realm_id)
	else:
		apply_transaction_outcome(outcome, changed, company, realm_id)
	write_log(outcome, run_id, operation)


def apply_customer_outcome(outcome: Outcome, changed: bool, company: str, realm_id: str) -> None:
	status = QUEUED if changed else outcome.status
	values = {"status": status, "last_error": outcome.message or ""}
	match_status = outcome.extra.get("match_status")
	if outcome.qbo_id:
		values["qbo_id"] = outcome.qbo_id
		values["qbo_name"] = outcome.extra.get("display_name") or ""
	if match_status:
		values["match_status"] = match_status
	decision = outcome.extra.get("decision")
	if isinstance(decision, MatchDecision) and decision.score is not None:
		values["match_score"] = decision.score
	if match_status == c.MATCH_LINKED:
		# a re-check of a link we created keeps saying "Created"
		current = links.get_link(c.CUSTOMER, outcome.name, realm_id)
		if current and current.qbo_id == outcome.qbo_id:
			values["match_status"] = current.match_status or match_status
	if outcome.status == SYNCED:
		values["last_synced_on"] = now_datetime()
	links.set_link(c.CUSTOMER, outcome.name, realm_id, company, values)
	if outcome.status == NEEDS_REVIEW and isinstance(decision, MatchDecision):
		open_review(outcome.name, decision, outcome.message, company)
	if outcome.status == SYNCED:
		release_waiting_invoices(outcome.name, company)


def apply_transaction_outcome(outcome: Outcome, changed: bool, company: str, realm_id: str) -> None:
	"""A Sales Invoice's or Payment Entry's outcome on its link. The QBO id, SyncToken and number are always
	kept (a cancel queued meanwhile needs them); the status says Queued when the row changed during the
	run. A create that landed for a document cancelled meanwhile leaves a Void queued."""
	doctype = outcome.doctype
	if outcome.status == SYNCED and not outcome.extra.get("superseded"):
		if frappe.db.get_value(doctype, outcome.name, "docstatus") == 2:
			enqueue_record(doctype, outcome.name, c.ACTION_VOID, company)
			changed = True
	links.set_link(doctype, outcome.name, realm_id, company, link_values(outcome, changed))


def link_values(outcome: Outcome, changed: bool) -> dict:
	"""What an invoice's or a payment's outcome writes on its link (writeback_batch.py writes the same)."""
	values = {"status": QUEUED if changed else outcome.status, "last_error": outcome.message or ""}
	if outcome.qbo_id:
		values["qbo_id"] = outcome.qbo_id
	if outcome.qbo_sync_token:
		values["sync_token"] = outcome.qbo_sync_token
	if outcome.doc_number:
		values["doc_number"] = outcome.doc_number
	if outcome.qbo_id and outcome.extra.get("entity"):
		values["qbo_entity"] = outcome.extra["entity"]  # Invoice, CreditMemo for a return, Payment
	if outcome.status in (SYNCED, VOIDED):
		values["last_synced_on"] = now_datetime()
	if outcome.status == SYNCED and outcome.extra.get("balance") is not None:
		values["qbo_balance"] = flt(outcome.extra["balance"])  # an invoice's Balance in QBO's answer
	return values


def mark_in_flight(doctype: str, names: list[str]) -> None:
	"""Before a batch leaves: remember it, durably, so a crash is reconciled (looked up in QuickBooks)
	next run. One UPDATE for the batch (modified untouched)."""
	if names:
		table = frappe.qb.DocType(c.SYNC_QUEUE)
		rows = [queue_name(doctype, name) for name in names]
		frappe.qb.update(table).set(table.in_flight, 1).where(table.name.isin(rows)).run()
	frappe.db.commit()  # nosemgrep: the in-flight mark must exist before QuickBooks sees the batch


def in_flight_names(doctype: str, names: list[str]) -> list[str]:
	"""Of `names`, those an earlier run marked in flight and never saw an outcome for."""
	return frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": doctype, "reference_name": ("in", names), "in_flight": 1},
		pluck="reference_name",
		limit=len(names),
	)


def update_queue_row(outcome: Outcome, loaded_version: int | None, row: str | None = None) -> bool:
	"""Compare-and-set on the row's version, under a row lock: done -> the row goes; transient -> it
	stays Queued with a later attempt; else it keeps the outcome's state. A row that changed since the
	run loaded it (or appeared during the run) is left queued, only its in-flight mark is cleared.
	Returns whether the row changed."""
	row = row or queue_name(outcome.doctype, outcome.name)
	current = frappe.db.get_value(
		c.SYNC_QUEUE, row, ["version", "attempts", "answers"], as_dict=True, for_update=True
	)
	if current is None:  # no row: nothing queued for this record
		return False
	if loaded_version is None or (current.version or 0) != loaded_version:
		frappe.db.set_value(c.SYNC_QUEUE, row, "in_flight", 0, update_modified=False)
		return True
	if outcome.status in (SYNCED, VOIDED):
		frappe.db.delete(c.SYNC_QUEUE, {"name": row})
		return False
	values = {"status": outcome.status, "last_error": outcome.message or "", "in_flight": 0}
	if outcome.status in ANSWERS:  # a definitive answer: the next request is a new one (request_ids.py)
		values["answers"] = (current.answers or 0) + 1
	if outcome.status == QUEUED:
		values["attempts"] = (current.attempts or 0) + 1
		values["next_attempt_on"] = frappe.utils.add_to_date(now_datetime(), minutes=RETRY_DELAY_MINUTES)
	frappe.db.set_value(c.SYNC_QUEUE, row, values, update_modified=True)
	return False


def log_status_and_message(outcome: Outcome) -> tuple[str, str]:
	return LOG_STATUS.get(outcome.status, "Failed"), outcome.message or outcome.extra.get("reason", "")


def log_values(outcome: Outcome, run_id: str, operation: str, now) -> dict:
	"""What a Sync Log row says about this run's outcome, besides its record, status and message."""
	return {
		"operation": operation or outcome.extra.get("operation", "") or "sync",
		"qbo_id": outcome.qbo_id,
		"error_code": outcome.error_code,
		"run_id": run_id,
		"detail": outcome.detail,
		"last_occurred_on": now,
	}


def write_log(outcome: Outcome, run_id: str, operation: str = "") -> None:
	"""One row per record and reason (status and message): a repeat raises its count and last-seen
	time instead of adding a row every run (a Held invoice would add 288 a day on a 5-minute tick)."""
	status, message = log_status_and_message(outcome)
	now = now_datetime()
	existing = frappe.get_all(
		c.SYNC_LOG,
		filters={
			"reference_doctype": outcome.doctype,
			"reference_name": outcome.name,
			"status": status,
			"message": message,
		},
		fields=["name", "repeat_count"],
		limit=1,
	)
	values = log_values(outcome, run_id, operation, now)
	if existing:
		values["repeat_count"] = (existing[0].repeat_count or 1) + 1
		frappe.db.set_value(c.SYNC_LOG, existing[0].name, values, update_modified=True)
		return
	frappe.get_doc(
		{
			"doctype": c.SYNC_LOG,
			"reference_doctype": outcome.doctype,
			"reference_name": outcome.name,
			"status": status,
			"message": message,
			"repeat_count": 1,
			**values,
		}
	).db_insert()


def open_review(customer: str, decision: MatchDecision, message: str, company: str = "") -> None:
	"""One open review per customer and company, refreshed with the latest candidates."""
	company = company or links.default_company()
	existing = frappe.db.get_value(
		c.CUSTOMER_MATCH, {"customer": customer, "status": c.REVIEW_OPEN, "company": company}
	)
	doc = frappe.get_doc(c.CUSTOMER_MATCH, existing) if existing else frappe.new_doc(c.CUSTOMER_MATCH)
	doc.customer = customer
	doc.company = company
	doc.status = c.REVIEW_OPEN
	doc.best_qbo_customer_id = decision.qbo_id
	doc.best_score = decision.score
	doc.reason = message or decision.reason
	customers = adapters.load_customers([customer])
	doc.erpnext_details = describe_contact(customers[0]) if customers else ""
	doc.set("candidates", [])
	for candidate in decision.candidates[:10]:
		doc.append(
			"candidates",
			{
				"qbo_customer_id": candidate.qbo_id,
				"display_name": candidate.display_name,
				"score": candidate.score,
				"reason": candidate.reason,
				"active": int(candidate.active),
				"details": candidate.details,
			},
		)
	doc.flags.ignore_permissions = True
	doc.save()


def release_waiting_invoices(customer: str, company: str = "", also_held: bool = False) -> None:
	"""A customer got linked (or decided) in a company's realm: its waiting invoices of that company go
	out on this or the next run (`also_held`: its held ones too, e.g. held while it was ignored)."""
	company = company or links.default_company()
	statuses = [WAITING, NEEDS_REVIEW, *([HELD] if also_held else [])]
	names = frappe.get_all(
		c.SALES_INVOICE,
		filters={"customer": customer, "company": company, c.INVOICE_SYNC_STATUS: ("in", statuses)},
		pluck="name",
		limit=10000,
	)
	for name in names:
		row = queue_name(c.SALES_INVOICE, name)
		frappe.db.set_value(c.SYNC_QUEUE, row, {"status": QUEUED, "next_attempt_on": None})
		links.set_status(c.SALES_INVOICE, [name], company, QUEUED)
