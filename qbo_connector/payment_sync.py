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
