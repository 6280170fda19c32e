"""Payments QuickBooks -> ERPNext on the Frappe side, and balances read back (engine/payment_import.py plans;
this module does). Runs in a realm's run after the exports, when payments are recorded In QuickBooks or In
both:

- each QBO payment against invoices this app exported becomes a Payment Entry (Receive) against those Sales
  Invoices, submitted or left as draft (QuickBooks Settings), with its link (`origin` QuickBooks) written in
  the same transaction: an imported entry is never sent back (queue.should_queue_payment), and a payment
  this app created is never imported (the engine skips our link ids and our PrivateNote);
- a payment changed in QuickBooks replaces its entry (cancel, then an amendment); voided or deleted there,
  its entry is cancelled (a draft deleted), or flagged for an accountant when ERPNext refuses;
- a payment against invoices we don't know is logged for a person (Sync Log), never guessed;
- one transaction per payment. The cursor moves to the run's start only when every payment was handled, so
  a payment that could not be recorded is planned again by the next run, and logged again (once a row).
- Each exported invoice's QuickBooks Balance is read back (queries of up to 1,000 ids) for the form.
"""

from __future__ import annotations

import time
from decimal import Decimal

import frappe
from frappe import _
from frappe.query_builder.functions import IfNull
from frappe.utils import flt

from qbo_connector import constants as c
from qbo_connector import links, writeback
from qbo_connector.engine.change_feed import iso, parse_iso
from qbo_connector.engine.errors import ReconnectRequired
from qbo_connector.engine.payment_import import PaymentImport, plan_payment_import, read_invoice_balances
from qbo_connector.engine.records import FAILED, HELD, SYNCED, VOIDED, Outcome
from qbo_connector.payment_sync import payments_recorded_in

BALANCE_SWEEP_SECONDS = 24 * 3600  # every exported invoice's balance is read at least daily
BALANCE_PAGE = 1000  # links read back at a time (one `Id IN` query of QuickBooks each)


def import_payments(run) -> None:
	if payments_recorded_in(run.settings) == c.PAYMENTS_IN_ERPNEXT:
		return
	# what the run wrote since its last commit (the last batch's answers) is kept: a payment refused below rolls
	# back its own transaction only
	frappe.db.commit()  # nosemgrep: the run's job, before one transaction per payment
	started = time.time()
	imported = imported_payments(run.realm_id)
	plan = plan_payment_import(
		run.client,
		parse_iso(run.settings.get("payment_cursor") or ""),
		started,
		invoices=exported_invoices(run.realm_id),
		own_ids=own_payment_ids(run.realm_id),
		imported=imported,
		home_currency=frappe.get_cached_value("Company", run.company, "default_currency") or "USD",
	)
	run.touched_invoices |= plan.touched  # their balances are read back (read_back_balances)
	run.sweep_balances |= plan.balances_unknown
	# cancels first, then replacements, then creates: a payment deleted or voided in QuickBooks frees its invoice's
	# outstanding amount, which a new payment made there since may need (ERPNext refuses more than is outstanding)
	handled = True
	for item in plan.cancel:
		handled &= apply(run, item, cancel_entry)
	for item in plan.update:
		handled &= apply(run, item, replace_entry)
	for item in plan.create:
		handled &= apply(run, item, create_entry)
	for item in plan.unknown:
		log(run, item, HELD, _("QuickBooks payment {0} was not recorded in ERPNext: {1}"))
	if handled:
		frappe.db.set_value(c.QBO_COMPANY, run.company, "payment_cursor", iso(started), update_modified=False)
	frappe.db.commit()  # nosemgrep: the run's job, after each payment's own commit


def apply(run, item: PaymentImport, action) -> bool:
	"""One payment in its own transaction; a refusal is rolled back and logged, never half-written."""
	try:
		action(run, item)
		frappe.db.commit()  # nosemgrep: one payment per transaction (entry and link together)
		return True
	except ReconnectRequired:
		frappe.db.rollback()
		raise  # the run pauses this company, as for every other phase
	except Exception as exc:  # ERPNext refused this payment (validation, closed period): logged, retried
		frappe.db.rollback()
		frappe.clear_messages()
		message = _("QuickBooks payment {0} could not be recorded in ERPNext: {1}")
		log(run, item, FAILED, message, str(exc))
		frappe.db.commit()  # nosemgrep: keep the log row
		return False


def log(run, item: PaymentImport, status: str, message: str, reason: str = "") -> None:
	reason = reason or " ".join(item.reasons)
	name = (
		item.payment_entry
		or customer_of(item, run.realm_id)
		or _("QuickBooks payment {0}").format(item.qbo_id)
	)
	doctype = c.PAYMENT_ENTRY if item.payment_entry else c.CUSTOMER
	outcome = Outcome(doctype, name, status, qbo_id=item.qbo_id, message=message.format(item.qbo_id, reason))
	writeback.write_log(outcome, run.run_id, "import")
	key = f"imported_payments_{status.lower().replace(' ', '_')}"
	run.counts[key] = run.counts.get(key, 0) + 1


def customer_of(item: PaymentImport, realm_id: str) -> str:
	names = (
		links.names_linked_to(c.CUSTOMER, realm_id, [item.customer_qbo_id]) if item.customer_qbo_id else []
	)
	return names[0] if names else ""


# -- what the plan needs -----------------------------------------------------------------------------
def exported_invoices(realm_id: str) -> dict[str, str]:
	"""QBO invoice id -> Sales Invoice, for the live invoices this app exported to the realm. An amendment that
	updated its original's QBO invoice shares that id with the cancelled original: the submitted one wins."""
	rows = frappe.get_all(
		c.LINK,
		filters={
			"reference_doctype": c.SALES_INVOICE,
			"realm_id": realm_id,
			"qbo_entity": "Invoice",
			"qbo_id": ("is", "set"),
			"status": ("!=", VOIDED),
		},
		fields=["reference_name", "qbo_id"],
		limit=0,
	)
	submitted = set(
		frappe.get_all(
			c.SALES_INVOICE,
			filters={"name": ("in", [r.reference_name for r in rows] or [""]), "docstatus": 1},
			pluck="name",
			limit=0,
		)
	)
	found: dict[str, str] = {}
	for r in rows:
		if r.qbo_id not in found or r.reference_name in submitted:
			found[r.qbo_id] = r.reference_name
	return found


def own_payment_ids(realm_id: str) -> list[str]:
	"""QBO ids of the payments this app created in the realm (exported entries, applied credit notes)."""
	applied = frappe.get_all(
		c.LINK,
		filters={"realm_id": realm_id, "applied_payment_id": ("is", "set")},
		pluck="applied_payment_id",
		limit=0,
	)
	return applied + frappe.get_all(
		c.LINK,
		filters={
			"realm_id": realm_id,
			"qbo_entity": "Payment",
			"qbo_id": ("is", "set"),
			"origin": ("is", "not set"),
		},
		pluck="qbo_id",
		limit=0,
	)


def imported_payments(realm_id: str) -> dict[str, tuple[str, str]]:
	"""QBO payment id -> (live Payment Entry made from it, the SyncToken it was made from)."""
	rows = frappe.get_all(
		c.LINK,
		filters={
			"reference_doctype": c.PAYMENT_ENTRY,
			"realm_id": realm_id,
			"origin": c.ORIGIN_QUICKBOOKS,
			"qbo_id": ("is", "set"),
		},
		fields=["reference_name", "qbo_id", "sync_token"],
		limit=0,
	)
	live = set(
		frappe.get_all(
			c.PAYMENT_ENTRY,
			filters={"name": ("in", [r.reference_name for r in rows] or [""]), "docstatus": ("<", 2)},
			pluck="name",
			limit=0,
		)
	)
	return {r.qbo_id: (r.reference_name, r.sync_token or "") for r in rows if r.reference_name in live}


# -- what the plan asks for ----------------------------------------------------------------------------
def create_entry(run, item: PaymentImport, amended_from: str = "") -> str:
	"""A Payment Entry (Receive) for the payment, against its invoices, and its link; submitted unless the
	settings leave imported payments as drafts."""
	from erpnext.accounts.doctype.payment_entry.payment_entry import get_payment_entry

	first = item.allocations[0].invoice
	entry = get_payment_entry(
		c.SALES_INVOICE, first, bank_account=deposit_account(run, item) or None, ignore_permissions=True
	)
	entry.update(
		{
			"posting_date": item.txn_date,
			"reference_date": item.txn_date,
			"reference_no": item.ref_num or _("QuickBooks payment {0}").format(item.qbo_id),
			"mode_of_payment": mode_of_payment(run, item) or entry.mode_of_payment,
			"paid_amount": flt(item.total),
			"received_amount": flt(item.total * item.exchange_rate),
			"remarks": _("Recorded in QuickBooks (payment {0}). {1}").format(item.qbo_id, item.private_note),
			"amended_from": amended_from or None,
		}
	)
	if item.exchange_rate != 1:
		entry.source_exchange_rate = flt(item.exchange_rate)
	entry.set("references", [])
	for allocation in item.allocations:
		entry.append(
			"references",
			{
				"reference_doctype": c.SALES_INVOICE,
				"reference_name": allocation.invoice,
				"allocated_amount": flt(allocation.amount),
			},
		)
	entry.flags.qbo_imported = True  # the submit hook never queues it for QuickBooks
	entry.flags.ignore_permissions = True
	entry.insert()
	links.set_link(
		c.PAYMENT_ENTRY,
		entry.name,
		run.realm_id,
		run.company,
		{
			"qbo_id": item.qbo_id,
			"sync_token": item.sync_token,
			"qbo_entity": "Payment",
			"origin": c.ORIGIN_QUICKBOOKS,
			"status": SYNCED,
			"last_error": "",
			"last_synced_on": frappe.utils.now_datetime(),
		},
	)
	if run.settings.get("imported_payment_state") != c.IMPORTED_LEFT_AS_DRAFT:
		entry.submit()
	run.counts["imported_payments"] = run.counts.get("imported_payments", 0) + 1
	return entry.name


def replace_entry(run, item: PaymentImport) -> None:
	"""Changed in QuickBooks: the old entry is cancelled (a draft deleted) and an amendment made from the
	payment as it is now."""
	old = frappe.get_doc(c.PAYMENT_ENTRY, item.payment_entry)
	remove_entry(old)
	create_entry(run, item, amended_from=old.name if old.docstatus == 2 else "")


def cancel_entry(run, item: PaymentImport) -> None:
	"""Voided or deleted in QuickBooks: the entry goes too; its link says so."""
	entry = frappe.get_doc(c.PAYMENT_ENTRY, item.payment_entry)
	remove_entry(entry)
	if entry.docstatus == 2:
		links.set_link(
			c.PAYMENT_ENTRY,
			entry.name,
			run.realm_id,
			run.company,
			{"status": VOIDED, "last_error": " ".join(item.reasons)},
		)
	run.counts["imported_payments_cancelled"] = run.counts.get("imported_payments_cancelled", 0) + 1


def remove_entry(entry) -> None:
	entry.flags.qbo_imported = True
	entry.flags.ignore_permissions = True
	if entry.docstatus == 1:
		entry.cancel()
		entry.docstatus = 2
	elif entry.docstatus == 0:
		frappe.delete_doc(c.PAYMENT_ENTRY, entry.name, ignore_permissions=True, force=True)
		frappe.db.delete(c.LINK, {"reference_doctype": c.PAYMENT_ENTRY, "reference_name": entry.name})


def deposit_account(run, item: PaymentImport) -> str:
	"""The ERPNext account mapped to the payment's QBO deposit account (Deposit Account Mappings, by QBO id
	or name), else empty: ERPNext's default bank or cash account."""
	wanted = {item.deposit_account_id, qbo_name(run, "Account", item.deposit_account_id)} - {""}
	for row in run.settings.get("deposit_account_mappings") or []:
		if row.get("qbo_account") in wanted and row.get("account"):
			return row.get("account")
	return ""


def mode_of_payment(run, item: PaymentImport) -> str:
	wanted = {item.payment_method_id, qbo_name(run, "PaymentMethod", item.payment_method_id)} - {""}
	for row in run.settings.get("payment_method_mappings") or []:
		if row.get("qbo_payment_method") in wanted and row.get("mode_of_payment"):
			return row.get("mode_of_payment")
	return ""


def qbo_name(run, entity: str, qbo_id: str) -> str:
	"""The Name of a QBO list entity (accounts, payment methods), read once per run."""
	if not qbo_id:
		return ""
	names = run.__dict__.setdefault("qbo_names", {})
	if entity not in names:
		names[entity] = {str(r["Id"]): r.get("Name", "") for r in run.client.query_all(entity, "")}
	return names[entity].get(str(qbo_id), "")


# -- balances ----------------------------------------------------------------------------------------------
def read_back_balances(run) -> None:
	"""Each exported invoice's open balance in QuickBooks onto its link and form. In full (every Synced
	invoice) at least once a day (BALANCE_SWEEP_SECONDS), after a payment was deleted or voided in
	QuickBooks (what it paid is gone from its row) and when the payments' feed could not say. Else only
	the balances that may have moved: this run's invoices whose answer lacked one (a synced invoice stores
	the Balance of QuickBooks' answer with its status, writeback.link_values), those a payment changed in
	QuickBooks links (Intuit: a payment applied to an invoice is a linked transaction of it), and those
	whose ERPNext outstanding amount differs from the stored QuickBooks balance (a payment or credit note
	sent or recorded since). An idle run reads nothing."""
	now = time.time()
	cursor = parse_iso(run.settings.get("balance_cursor") or "")
	sweep = run.sweep_balances or now - cursor >= BALANCE_SWEEP_SECONDS
	# this run's invoices whose answer carried no Balance (the others stored QBO's with their status)
	this_run = {outcome.name for outcome in run.synced_invoices if outcome.extra.get("balance") is None}
	changed, after = False, ""
	while True:  # a page of BALANCE_PAGE links at a time, however many are read
		rows = balance_rows(run, this_run, run.touched_invoices, sweep, after)
		if not rows:
			break
		balances = read_invoice_balances(run.client, [r.qbo_id for r in rows])
		values = {
			row.reference_name: {"qbo_balance": flt(balances[row.qbo_id])}
			for row in rows
			if balances.get(row.qbo_id) is not None
			and (row.reference_name in this_run or Decimal(str(flt(row.qbo_balance))) != balances[row.qbo_id])
		}
		if values:  # a fixed number of statements per page
			links.set_links(c.SALES_INVOICE, run.realm_id, run.company, values)
			changed = True
		if len(rows) < BALANCE_PAGE:
			break
		after = rows[-1].name
	if sweep:
		frappe.db.set_value(c.QBO_COMPANY, run.company, "balance_cursor", iso(now), update_modified=False)
	if changed or sweep:
		frappe.db.commit()  # nosemgrep: the run's job


def balance_rows(run, this_run: set[str], touched: set[str], sweep: bool, after: str = "") -> list:
	"""The next page of Synced invoice links whose balance is read (see read_back_balances): at most
	BALANCE_PAGE, by link name after `after`, in one query."""
	link, invoice = frappe.qb.DocType(c.LINK), frappe.qb.DocType(c.SALES_INVOICE)
	query = (
		frappe.qb.from_(link)
		.select(link.name, link.reference_name, link.qbo_id, link.qbo_balance)
		.where(
			(link.reference_doctype == c.SALES_INVOICE)
			& (link.realm_id == run.realm_id)
			& (link.qbo_entity == "Invoice")
			& (IfNull(link.qbo_id, "") != "")
			& (link.status == SYNCED)
			& (link.name > after)
		)
		.orderby(link.name)
		.limit(BALANCE_PAGE)
	)
	if sweep:  # every one: a payment deleted in QuickBooks opens an invoice paid on both sides again
		return query.run(as_dict=True)
	differs = (
		(invoice.docstatus == 1)
		& (invoice.company == run.company)
		& (invoice.outstanding_amount != IfNull(link.qbo_balance, 0))
	)
	if this_run:
		differs |= link.reference_name.isin(sorted(this_run))
	if touched:
		differs |= link.qbo_id.isin(sorted(touched))
	return query.left_join(invoice).on(invoice.name == link.reference_name).where(differs).run(as_dict=True)
