"""Payment phase of a run on the Frappe side (ERPNext -> QuickBooks): QuickBooks Settings -> the engine's
PaymentSettings (mappings resolved against QuickBooks by name), queue rows -> Payment Entries, the
PaymentExporter's outcomes -> the QuickBooks Link and the document, through the same compare-and-set
write-back as invoices (writeback.py). Runs after the invoice phase of the same realm's run, so a payment
whose invoice went out in this run goes with it."""

from __future__ import annotations

import frappe

from qbo_connector import adapters, links, writeback
from qbo_connector import constants as c
from qbo_connector.engine.discovery import PaymentChoices, discover_payment_settings, unresolved_reasons
from qbo_connector.engine.payments import PaymentExporter, invoice_links
from qbo_connector.engine.records import HELD, SYNCED, VOIDED, ERPPayment, Outcome
from qbo_connector.queue import queue_name

AMEND_POLICIES = {"Void and create a new one": "void_and_create"}


def payments_recorded_in(settings) -> str:
	return settings.get("payments_recorded_in") or c.PAYMENTS_IN_ERPNEXT


def payment_choices(settings) -> PaymentChoices:
	"""The user's payment mappings on QuickBooks Settings, by QBO name or id."""
	return PaymentChoices(
		account_map={
			row.get("account"): row.get("qbo_account")
			for row in settings.get("deposit_account_mappings") or []
			if row.get("account") and row.get("qbo_account")
		},
		method_map={
			row.get("mode_of_payment"): row.get("qbo_payment_method")
			for row in settings.get("payment_method_mappings") or []
			if row.get("mode_of_payment") and row.get("qbo_payment_method")
		},
		deposit_account=settings.get("default_deposit_account") or "",
		amend_policy=AMEND_POLICIES.get(settings.get("amend_policy"), "update"),
	)


def originals_of(payments: list[ERPPayment], realm_id: str) -> dict[str, tuple[str, str]]:
	"""QBO id and SyncToken of the payments that amendments replace; a voided original is not offered (its
	amendment is created anew)."""
	names = list({p.amended_from for p in payments if p.amended_from})
	return {
		name: (link.qbo_id, link.sync_token or "0")
		for name, link in links.get_links(c.PAYMENT_ENTRY, names, realm_id).items()
		if link.qbo_id and link.status != VOIDED
	}


def early_rows(rows, realm_id: str) -> list:
	"""The Payment Entry rows a run sends before its invoices: QuickBooks refuses to void (or lower below what
	is paid) an invoice a payment is still applied to. The voids of cancelled entries; an entry with a submitted
	amendment only together with that amendment's due row (under "update" the amendment's update may carry the
	original's QBO payment, and frees what it no longer pays), and only when every invoice the amendment pays
	is in QuickBooks already, or when the entry pays an invoice this run voids (the void would be refused while
	the payment is applied: the amendment then waits for its invoice, the entry is voided, and the amendment
	goes anew next run); else both go in the payment phase, after the invoices it waits for."""
	payment_rows = {r.reference_name: r for r in rows if r.reference_doctype == c.PAYMENT_ENTRY}
	voids = {name: r for name, r in payment_rows.items() if r.action == c.ACTION_VOID}
	if not voids:
		return []
	amendments = frappe.get_all(
		c.PAYMENT_ENTRY,
		filters={"amended_from": ("in", list(voids)), "docstatus": 1},
		fields=["name", "amended_from"],
		limit=0,
	)
	amendment_of = {a.amended_from: a.name for a in amendments}
	due = [a.name for a in amendments if a.name in payment_rows]
	ready = {p.name for p in adapters.load_payments(due, realm_id) if all(ref.qbo_id for ref in p.references)}
	frees = paying_voided_invoices(list(voids), rows)
	early = []
	for name, row in voids.items():
		amendment = amendment_of.get(name)
		if amendment is None:
			early.append(row)
		elif amendment in ready or (name in frees and amendment in payment_rows):
			early += [row, payment_rows[amendment]]
	return early


def paying_voided_invoices(entries: list[str], rows) -> set[str]:
	"""Of the Payment Entries, those paying a Sales Invoice this run voids (its due row's action is Void)."""
	voided = [
		r.reference_name for r in rows if r.reference_doctype == c.SALES_INVOICE and r.action == c.ACTION_VOID
	]
	if not voided or not entries:
		return set()
	return set(
		frappe.get_all(
			c.PAYMENT_REFERENCE,
			filters={
				"parent": ("in", entries),
				"reference_name": ("in", voided),
				"parenttype": c.PAYMENT_ENTRY,
			},
			pluck="parent",
			limit=0,
		)
	)


def export_payments(run, rows, synced_invoices: list[Outcome]) -> None:
	"""Export the due Payment Entry rows of the run's company. `synced_invoices`: this run's invoice
	outcomes, so that a payment goes in the same run as its invoice."""
	if payments_recorded_in(run.settings) == c.PAYMENTS_IN_QUICKBOOKS:
		return  # rows stay queued: nothing is lost if the setting is switched back
	names = [r.reference_name for r in rows]
	payments = run.revise(c.PAYMENT_ENTRY, adapters.load_payments(names, run.realm_id))
	if not payments:
		return
	settings, unresolved = discover_payment_settings(run.client, payment_choices(run.settings))
	ready = []
	for payment in payments:
		reasons = unresolved_reasons(payment, settings, unresolved) if payment.docstatus == 1 else []
		if payment.docstatus == 1 and payment.qbo_id:
			# already in QuickBooks (a Retry or Sync Now of a synced entry): nothing to send, the row goes
			outcome = Outcome(c.PAYMENT_ENTRY, payment.name, SYNCED, qbo_id=payment.qbo_id)
			run.record(outcome, "payment")
		elif reasons and not payment.qbo_id:
			run.record(Outcome(c.PAYMENT_ENTRY, payment.name, HELD, message=" ".join(reasons)), "payment")
		else:
			ready.append(payment)
	if not ready:
		return
	in_flight = writeback.in_flight_names(c.PAYMENT_ENTRY, names)
	exporter = PaymentExporter(
		run.client,
		settings,
		on_outcome=lambda outcome: run.record(outcome, "payment"),
		on_in_flight=lambda sent: (run.heartbeat(), writeback.mark_in_flight(c.PAYMENT_ENTRY, sent)),
	)
	report = exporter.export(
		ready,
		in_flight=in_flight,
		originals=originals_of(ready, run.realm_id),
		invoices=invoice_links(synced_invoices),
	)
	if report.stopped:
		run.counts["stopped"] = 1


def payment_customers(names: list[str], company: str) -> list[str]:
	"""Customers of queued Payment Entries of the company (phase 1 links them before payments go)."""
	if not names:
		return []
	return list(
		set(
			frappe.get_all(
				c.PAYMENT_ENTRY,
				filters={"name": ("in", names), "company": company, "party_type": c.CUSTOMER},
				pluck="party",
				limit=len(names),
			)
		)
	)
