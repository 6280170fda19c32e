"""Credit notes applied. A return against an invoice takes its amount off the original's outstanding in
ERPNext (unless the return is marked *Update Outstanding for Self*); in QuickBooks its CreditMemo is applied
to the original the way QuickBooks applies a credit: a Payment of total 0 whose lines link the invoice and the
credit memo (engine/payments.credit_application), sent by the payment exporter after the invoices. The QBO
payment's id stays on the return's link (`applied_payment_id`).

- Crash-safe: every pending application is looked up in QuickBooks (customer, date, PaymentRefNum, total)
  before it is sent, and its requestid is made from its body; a run killed after QuickBooks applied it adopts
  the payment it finds instead of applying twice.
- A return cancelled in ERPNext: its application is voided before its CreditMemo (the invoice phase voids the
  credit memo; QuickBooks does not drop a credit memo that a payment still applies), so the original's
  balance is restored on both sides. An application whose answer was lost (no `applied_payment_id`) is
  looked up first, as above.
- A return without an original, or kept for itself, stays an unapplied credit on the customer.
"""

from __future__ import annotations

from decimal import Decimal

import frappe

from qbo_connector import adapters, links, writeback
from qbo_connector import constants as c
from qbo_connector.engine.errors import MissingReference, QBOError, ReconnectRequired
from qbo_connector.engine.payments import PaymentExporter, PaymentSettings, credit_application
from qbo_connector.engine.records import SYNCED, VOIDED, ERPPayment, Outcome
from qbo_connector.queue import queue_name


def exporter_for(run, record) -> PaymentExporter:
	home = frappe.get_cached_value("Company", run.company, "default_currency") or "USD"
	settings = PaymentSettings(home_currency=home, multicurrency=run.multicurrency())
	return PaymentExporter(run.client, settings, doctype=c.SALES_INVOICE, on_outcome=record)


def apply_credit_notes(run) -> None:
	"""Apply every submitted return of the company whose CreditMemo and original are in QuickBooks and whose
	credit is not applied yet."""
	returns = frappe.get_all(
		c.SALES_INVOICE,
		filters={
			"company": run.company,
			"docstatus": 1,
			"is_return": 1,
			"return_against": ("is", "set"),
			"update_outstanding_for_self": 0,
		},
		fields=["name", "return_against", "grand_total", "rounded_total"],
		limit=0,
	)
	if not returns:
		return
	own = links.get_links(c.SALES_INVOICE, [r.name for r in returns], run.realm_id)
	returns = [  # in QuickBooks, credit not applied yet
		r
		for r in returns
		if (link := own.get(r.name)) and link.status == SYNCED and link.qbo_id and not link.applied_payment_id
	]
	if not returns:
		return
	originals = links.get_links(c.SALES_INVOICE, [r.return_against for r in returns], run.realm_id)
	due = {}
	for ret in returns:
		original = originals.get(ret.return_against)
		if not original or not original.qbo_id or original.status == VOIDED:
			continue
		amount = abs(Decimal(str(ret.rounded_total or ret.grand_total)))
		due[ret.name] = (original.qbo_id, amount)
	if not due:
		return
	applications = [
		credit_application(ret, *due[ret.name])
		for ret in adapters.load_invoices(list(due), run.realm_id)
		if ret.qbo_id and ret.customer_qbo_id
	]
	exporter = exporter_for(run, lambda outcome: record(run, outcome))
	exporter.export(applications, in_flight=[a.name for a in applications])


def release_credits(run, rows) -> set[str]:
	"""Before the invoice phase: returns queued for Void whose credit is applied get the application voided.
	A return apply_credit_notes may have applied without learning it (no applied_payment_id: a run died after
	QuickBooks answered, and the credit memo's own id may be lost with it) has its application looked up as
	apply_credit_notes does (customer, date, the note naming the return) and voided if found. Returns the
	queue rows to hold back from this run's invoice phase: a return whose application could not be read or
	looked up (other than "not found": it is gone) or voided keeps its credit memo until the next run."""
	names = [
		r.reference_name for r in rows if r.reference_doctype == c.SALES_INVOICE and r.action == c.ACTION_VOID
	]
	own = links.get_links(c.SALES_INVOICE, names, run.realm_id)
	applied = {name: link for name, link in own.items() if link.applied_payment_id}
	unknown = [name for name in names if name not in applied]
	if unknown:  # of those, the returns apply_credit_notes applies
		unknown = frappe.get_all(
			c.SALES_INVOICE,
			filters={
				"name": ("in", unknown),
				"is_return": 1,
				"return_against": ("is", "set"),
				"update_outstanding_for_self": 0,
			},
			pluck="name",
			limit=0,
		)
	if not applied and not unknown:
		return set()
	releases, held = [], set()
	for name, link in applied.items():
		try:
			token = str(run.client.read("Payment", link.applied_payment_id).get("SyncToken", "0"))
		except ReconnectRequired:
			raise
		except MissingReference:  # gone already (deleted in QuickBooks): nothing to void
			links.set_link(c.SALES_INVOICE, name, run.realm_id, run.company, {"applied_payment_id": ""})
			continue
		except QBOError:  # not known now (a 503, a throttle): the credit memo waits for the next run
			held.add(name)
			continue
		release = ERPPayment(name, "", "", Decimal(0), docstatus=2)
		release.qbo_id, release.qbo_sync_token = link.applied_payment_id, token
		releases.append(release)
	for ret in adapters.load_invoices(unknown, run.realm_id):
		if ret.customer_qbo_id:
			release = credit_application(ret, "")  # no QBO id: the exporter looks it up before the void
			release.docstatus = 2
			releases.append(release)

	def released(outcome: Outcome) -> None:
		record(run, outcome)
		if outcome.status != VOIDED:
			held.add(outcome.name)

	exporter_for(run, released).export(releases)
	frappe.db.commit()  # nosemgrep: the run's job: voided before the credit memo goes
	return {queue_name(c.SALES_INVOICE, name) for name in held}


def record(run, outcome: Outcome) -> None:
	"""An application's outcome on the return's link: the QBO payment applying it, or why not."""
	if outcome.status == SYNCED:
		values = {"applied_payment_id": outcome.qbo_id, "last_error": ""}
	elif outcome.status == VOIDED:
		values = {"applied_payment_id": ""}
	else:
		values = {
			"last_error": f"Credit not applied to the original invoice in QuickBooks: {outcome.message}"
		}
	links.set_link(c.SALES_INVOICE, outcome.name, run.realm_id, run.company, values)
	writeback.write_log(outcome, run.run_id, "apply credit")
	key = f"credits_{outcome.status.lower().replace(' ', '_')}"
	run.counts[key] = run.counts.get(key, 0) + 1
	frappe.db.commit()  # nosemgrep: each answer kept as it arrives
