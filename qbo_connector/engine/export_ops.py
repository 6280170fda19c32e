"""The invoice lifecycle around the exporter's send loop (export.py): what each invoice needs (create,
amend, void, delete, nothing), reconciliation by DocNumber, SyncToken refetch and voids.

Functions take the `Exporter` as their first argument and record outcomes through it."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from qbo_connector.engine.client import BATCH_LIMIT, QBOClient, quote_value
from qbo_connector.engine.errors import MissingReference, QBOError, ReconnectRequired, StaleObject
from qbo_connector.engine.invoice_amounts import qbo_total
from qbo_connector.engine.invoices import (
	PRIVATE_NOTE_MAX,
	Hold,
	Prepared,
	doc_number_for,
	entity_for,
	prepare,
)
from qbo_connector.engine.records import FAILED, HELD, QUEUED, SYNCED, VOIDED, ERPInvoice


@dataclass
class Work:
	"""One invoice's trip: what to send, and what came of it so far."""

	inv: ERPInvoice
	op: str  # create / update / void / delete
	entity: str  # Invoice / CreditMemo
	body: dict
	prepared: Prepared | None = None
	attempts: int = 0
	not_before: float = 0.0
	reconcile: bool = False  # look the DocNumber up in QBO before (re)sending
	done: bool = False  # has its outcome
	amends: str = ""  # QBO id of the invoice an amendment updates

	@property
	def name(self) -> str:
		return self.inv.name

	@property
	def doc_number(self) -> str:
		return (
			self.prepared.doc_number
			if self.prepared
			else self.inv.qbo_doc_number or doc_number_for(self.name)
		)


def find_by_doc_numbers(client: QBOClient, entity: str, doc_numbers: list[str]) -> dict[str, list[dict]]:
	"""One `DocNumber IN (...)` query per 30 numbers -> DocNumber -> QBO rows (duplicates possible)."""
	found: dict[str, list[dict]] = {}
	numbers = list(dict.fromkeys(n for n in doc_numbers if n))
	for i in range(0, len(numbers), BATCH_LIMIT):
		chunk = ", ".join(quote_value(n) for n in numbers[i : i + BATCH_LIMIT])
		rows = client.query(f"SELECT * FROM {entity} WHERE DocNumber IN ({chunk}) MAXRESULTS 1000")
		for row in rows.get(entity, []):
			found.setdefault(str(row.get("DocNumber", "")), []).append(row)
	return found


def plan_work(exporter, invoices: list[ERPInvoice], in_flight: set[str], originals: dict) -> Iterator[Work]:
	"""Sort each invoice into its action, lazily (invoices in flight first, so that their DocNumber checks
	are grouped); held and waiting invoices get their outcome as they are met."""
	settings = exporter.settings
	originals = {**{i.name: (i.qbo_id, i.qbo_sync_token) for i in invoices if i.qbo_id}, **originals}
	amended = {i.amended_from for i in invoices if i.docstatus == 1 and i.amended_from and not i.qbo_id}
	by_update = settings.amend_policy == "update"
	numbers: dict[str, str] = {}
	for inv in invoices:  # first: an amendment's outcome may be known before its original is met
		if by_update and inv.docstatus == 2 and inv.name in amended and inv.qbo_id:
			# carried by its amendment's update, or voided once the amendment cannot carry it
			exporter.superseded[inv.name] = exporter.void_work(inv)
	for inv in sorted(invoices, key=lambda i: i.name not in in_flight) if in_flight else invoices:
		if inv.docstatus == 2:
			if not (by_update and inv.name in amended and inv.qbo_id):  # else: superseded, above
				yield exporter.void_work(inv)
			continue
		entity = exporter.entity_of(inv)
		if inv.docstatus != 1:
			exporter.record(Work(inv, "create", entity, {}), HELD, f"The {exporter.noun} is not submitted.")
			continue
		if inv.qbo_id:
			exporter.report.skipped += 1
			continue
		work = exporter.plan_send(inv, entity, originals, in_flight, numbers)
		if work:
			yield work


def void_work(inv: ERPInvoice) -> Work:
	"""Void a cancelled invoice (delete a cancelled return's CreditMemo); without a QBO id, look it up first."""
	body = {"Id": inv.qbo_id, "SyncToken": inv.qbo_sync_token or "0"}
	return Work(inv, "delete" if inv.is_return else "void", entity_for(inv), body, reconcile=not inv.qbo_id)


def plan_send(exporter, inv: ERPInvoice, entity: str, originals, in_flight, numbers) -> Work | None:
	"""A create (or an amendment's update) with its checked payload, or None when held."""
	settings = exporter.settings
	try:
		prepared = prepare(inv, settings, exporter.facts)
	except Hold as hold:
		exporter.record(Work(inv, "create", entity, {}), hold.status, "; ".join(hold.reasons))
		return None
	if prepared.doc_number in numbers:
		message = f"Invoice {numbers[prepared.doc_number]} in this run has the same QuickBooks number."
		exporter.record(Work(inv, "create", entity, {}, prepared), HELD, message)
		return None
	numbers[prepared.doc_number] = inv.name
	payload = prepared.payload
	linked = originals.get(inv.return_against, ("",))[0] if inv.return_against else ""
	if linked:
		note = f"{payload['PrivateNote']} (QuickBooks invoice {linked})"
		payload["PrivateNote"] = note[:PRIVATE_NOTE_MAX]
	original = originals.get(inv.amended_from, ("", "")) if inv.amended_from else ("", "")
	if settings.amend_policy == "update" and original[0]:
		body = {k: v for k, v in payload.items() if k != "DocNumber"}
		body.update({"Id": original[0], "SyncToken": original[1] or "0", "sparse": True})
		return Work(inv, "update", entity, body, prepared, amends=original[0])
	return Work(inv, "create", entity, payload, prepared, reconcile=inv.name in in_flight)


def matches(row: dict, work: Work) -> bool:
	"""A QBO transaction is this invoice when customer and total agree (and, for long names, the note)."""
	if work.prepared is None:
		return work.name in str(row.get("PrivateNote", ""))
	same_customer = str((row.get("CustomerRef") or {}).get("value", "")) == work.prepared.customer_id
	return same_customer and qbo_total(row) == work.prepared.total


def reconcile_by_doc_number(exporter, works: list[Work], clash: QBOError | None = None) -> list[Work]:
	"""Look each DocNumber up in QBO. A matching transaction is adopted (Synced, or voided/deleted for a
	cancelled invoice); a different one with the same number fails the invoice with both described; none
	found means "send it". Returns the works to send now. A transient query failure retries later."""
	to_send: list[Work] = []
	for entity in ("Invoice", "CreditMemo"):
		group = [w for w in works if w.entity == entity]
		if not group:
			continue
		try:
			found = find_by_doc_numbers(exporter.client, entity, [w.doc_number for w in group])
		except ReconnectRequired:
			raise
		except QBOError as error:
			lookup_failed(exporter, group, error)
			continue
		for work in group:
			work.reconcile = False
			rows = found.get(work.doc_number, [])
			match = next((row for row in rows if matches(row, work)), None)
			if match is not None:
				adopt(exporter, work, match, to_send)
			elif rows or clash:
				exporter.record(work, FAILED, describe_clash(work, rows, clash), error_code="6140")
			elif work.op in ("void", "delete"):
				exporter.record(work, VOIDED, "The invoice was never in QuickBooks; nothing to void.")
			else:
				to_send.append(work)
	return to_send


def lookup_failed(exporter, group: list[Work], error: QBOError) -> None:
	"""A reconciliation query failed: transient trouble retries the lookup later, anything else fails."""
	for work in group:
		if error.transient and work.attempts < exporter.max_attempts:
			work.attempts += 1
			exporter.later(work, reconcile=True)
		else:
			exporter.record_error(work, error)


def adopt(exporter, work: Work, row: dict, to_send: list[Work]) -> None:
	if work.op in ("void", "delete"):
		work.body = {"Id": str(row["Id"]), "SyncToken": str(row.get("SyncToken", "0"))}
		work.inv.qbo_id = str(row["Id"])
		if work.op == "delete":
			to_send.append(work)
		return
	exporter.record_success(work, row, adopted=True)


def describe_clash(work: Work, rows: list[dict], clash: QBOError | None) -> str:
	number = work.doc_number
	if not rows:
		return f"Invoice number {number} is already used in QuickBooks by another transaction."
	row = rows[0]
	customer = (row.get("CustomerRef") or {}).get("name") or (row.get("CustomerRef") or {}).get("value", "?")
	return (
		f"Invoice number {number} already exists in QuickBooks (id {row.get('Id')}) for customer {customer} "
		f"with total {qbo_total(row)}; this invoice's total is "
		f"{work.prepared.total if work.prepared else '?'}. Rename one of them, then retry."
	)


def current_sync_token(exporter, work: Work) -> str | None:
	"""The SyncToken QBO has now, or None (outcome recorded) when the record cannot be read."""
	try:
		obj = exporter.client.read(work.entity, str(work.body.get("Id")))
	except ReconnectRequired:
		raise
	except QBOError as error:
		exporter.record_error(work, error)
		return None
	return str(obj.get("SyncToken", "0"))


def refetch(exporter, work: Work) -> bool:
	"""5010: read the current SyncToken into the body; True when the work can be sent again."""
	token = current_sync_token(exporter, work)
	if token is None:
		return False
	work.body = {**work.body, "SyncToken": token}
	return True


def handle_update_failure(exporter, work: Work, error: QBOError) -> bool:
	"""QuickBooks refused an amendment's update of its original. The amendment is created as a new invoice
	only when the original is known to be gone (voided or deleted: read it); otherwise it fails with the
	reason, and nothing is created twice."""
	if not work.amends or not work.prepared:
		return False
	try:
		original = exporter.client.read(work.entity, work.amends)
	except ReconnectRequired:
		raise
	except MissingReference:
		original = None  # deleted in QuickBooks
	except QBOError as read_error:
		if not read_error.transient:
			raise
		exporter.record(work, QUEUED, read_error.user_message(), error_code=str(read_error.code or ""))
		return True
	if original is None or is_voided(original):
		message = f"QuickBooks {exporter.noun} {work.amends} was already voided."
		exporter.resolve_original(work.inv, VOIDED, message)
		work.op, work.amends, work.body = "create", "", work.prepared.payload
		exporter.later(work, reconcile=True)
		return True
	message = (
		f"QuickBooks refused to update {exporter.noun} {work.amends} (the original, {work.inv.amended_from}) with "
		f"this amendment: {error.user_message()} Nothing new was created in QuickBooks."
	)
	exporter.record(work, FAILED, message, error_code=str(error.code or ""), detail=str(error)[:500])
	return True


def is_voided(obj: dict) -> bool:
	"""How a voided sales transaction reads back: zero total and "Voided" at the start of its note."""
	return qbo_total(obj) == 0 and str(obj.get("PrivateNote", "")).startswith("Voided")


def send_void(exporter, work: Work) -> None:
	"""Void one invoice in QBO, re-reading its SyncToken on 5010 and waiting out transient trouble. The
	requestid is fixed per invoice, so a void resent after a crash gets QBO's first answer. Without a QBO id
	it is looked up first; a lookup that meets transient trouble is tried again the same way (lookup_failed
	counts the attempts), never followed by a void without an Id."""
	while work.reconcile and not work.done:
		exporter.reconcile([work])
		if work.reconcile and not work.done:
			exporter.sleep(exporter.backoff * 2 ** (work.attempts - 1))
	while not work.done:
		work.attempts += 1
		try:
			obj = exporter.client.void(
				work.entity,
				work.body["Id"],
				work.body["SyncToken"],
				void_request_id(exporter.client.config.realm_id, work),
			)
		except ReconnectRequired:
			raise
		except QBOError as error:
			if error.transient and work.attempts < exporter.max_attempts:
				retry = refetch(exporter, work) if isinstance(error, StaleObject) else True
				exporter.sleep(
					0 if isinstance(error, StaleObject) else exporter.backoff * 2 ** (work.attempts - 1)
				)
				if retry:
					continue
				return
			record_void_failure(exporter, work, error)
			return
		exporter.record_success(work, obj)


def record_void_failure(exporter, work: Work, error: QBOError) -> None:
	"""A void QBO refused may already be done (an earlier run's answer was lost): check before failing."""
	try:
		obj = exporter.client.read(work.entity, str(work.body["Id"]))
	except QBOError:
		obj = {}
	if obj and is_voided(obj):
		exporter.record_success(work, obj)
	else:
		exporter.void_refused(work, error)


def void_request_id(realm: str, work: Work) -> str:
	"""Fixed per invoice state: a void resent after a crash gets QBO's first answer; a new SyncToken
	(after a 5010) makes a new request. The realm is part of it, as of every requestid (request_ids.py):
	two realms number their transactions alike, and Intuit does not say its answers are kept per company."""
	return f"void-{realm}-{work.body['Id']}-{work.body['SyncToken']}"
