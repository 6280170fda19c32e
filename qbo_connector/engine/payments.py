"""Payments ERPNext -> QBO: each submitted Payment Entry (Receive) becomes one QBO Payment, through the
invoice exporter's send loop (export.py): batches of 30 through the limiter, a requestid per batch made from
each payload (request_ids.py), in-flight marks, the same amendment rules, outcomes through callbacks.

    exporter = PaymentExporter(client, PaymentSettings(...), on_outcome=save, on_in_flight=mark)
    report = exporter.export(payments, in_flight=names, invoices=invoice_links(invoice_report.outcomes))

- A Payment: CustomerRef, TotalAmt (paid amount), TxnDate, PaymentRefNum (reference no., else the name; at
  most 21 characters), one Line per invoice with LinkedTxn, DepositToAccountRef from `account_map` (QuickBooks
  uses Undeposited Funds when it is left out), PaymentMethodRef from `method_map`, CurrencyRef/ExchangeRate for
  a foreign currency, PrivateNote naming the Payment Entry. What is not allocated stays unapplied credit.
- An invoice not in QuickBooks yet: the payment waits (WAITING_FOR_INVOICE); `invoices` (this run's invoice
  outcomes) lets it go in the same run as the invoice.
- Cancel: the QBO payment is voided (deleted when QuickBooks refuses the void), which reopens the invoices.
- Amend: like invoices (export_ops): under amend_policy "update" the amendment updates the original's QBO
  payment, else the original is voided and the amendment created: never two live payments for one entry.
- Before any re-create (in flight on a crashed run, an ambiguous failure) and before voiding a payment
  without QBO id, the payment is looked up: `CustomerRef` + `TxnDate`, then PaymentRefNum and TotalAmt.
- `credit_application(return, ...)`: a credit note applied to its original as QuickBooks applies credits.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from qbo_connector.engine.client import quote_value
from qbo_connector.engine.errors import QBOError, ReconnectRequired
from qbo_connector.engine.export import Exporter, ExportReport
from qbo_connector.engine.export_ops import Work, is_voided, lookup_failed
from qbo_connector.engine.invoice_amounts import qbo_total
from qbo_connector.engine.invoices import PRIVATE_NOTE_MAX, Prepared
from qbo_connector.engine.records import (
	HELD,
	QUEUED,
	STATUS_WORDS,
	SYNCED,
	VOIDED,
	WAITING,
	WAITING_FOR_INVOICE,
	ERPInvoice,
	ERPPayment,
	Outcome,
	PaymentReference,
)

DOCTYPE = "Payment Entry"
ENTITY = "Payment"
REF_NUM_MAX = 21  # Intuit's Payment reference: PaymentRefNum, max 21 characters
CENT = Decimal("0.01")
PAYMENT_NOTE_MARK = "ERPNext Payment Entry "  # every PrivateNote we write starts with one of these
CREDIT_NOTE_MARK = "ERPNext credit note "


@dataclass
class PaymentSettings:
	home_currency: str = "USD"
	multicurrency: bool = False
	account_map: dict[str, str] = field(default_factory=dict)  # ERPNext paid-to account -> QBO Account Id
	method_map: dict[str, str] = field(
		default_factory=dict
	)  # ERPNext Mode of Payment -> QBO PaymentMethod Id
	deposit_account_id: str = ""  # unmapped accounts; empty: QuickBooks' Undeposited Funds
	amend_policy: str = "update"  # "update" the same QBO payment, or "void_and_create"


def invoice_links(outcomes: Iterable[Outcome]) -> dict[str, tuple[str, str]]:
	"""ERPNext invoice name -> (QBO id, entity) of this run's synced invoices and credit memos."""
	return {
		o.name: (o.qbo_id, o.extra.get("entity", "Invoice"))
		for o in outcomes
		if o.status == SYNCED and o.qbo_id and not o.extra.get("superseded")
	}


def credit_application(ret: ERPInvoice, original_qbo_id: str, amount: Decimal | None = None) -> ERPPayment:
	"""A return's CreditMemo applied to its original invoice, the way QuickBooks applies a credit: a Payment of
	total 0 whose lines link the invoice and the credit memo for the same amount. `amount`: what ERPNext took off
	the original's outstanding (default: the whole credit). Its outcome carries the return's name."""
	credit = abs(ret.grand_total if amount is None else amount)
	references = [
		PaymentReference(ret.return_against, credit, original_qbo_id, "Invoice"),
		PaymentReference(ret.name, credit, ret.qbo_id, "CreditMemo"),
	]
	return ERPPayment(
		name=ret.name,
		customer=ret.customer,
		posting_date=ret.posting_date,
		paid_amount=Decimal("0"),
		customer_qbo_id=ret.customer_qbo_id,
		currency=ret.currency,
		exchange_rate=ret.conversion_rate,
		references=references,
		revision=ret.revision,
	)


def ref_num(payment: ERPPayment) -> str:
	return (payment.reference_no.strip() or payment.name)[:REF_NUM_MAX]


def build_payment(payment: ERPPayment, settings: PaymentSettings, links: list[str]) -> Prepared:
	"""The QBO Payment body; `links`: the QBO id of each reference, in order."""
	lines = [
		{
			"Amount": float(ref.allocated.quantize(CENT)),
			"LinkedTxn": [{"TxnId": qbo_id, "TxnType": ref.entity}],
		}
		for ref, qbo_id in zip(payment.references, links, strict=True)
		if ref.allocated
	]
	total = payment.paid_amount.quantize(CENT)
	note = note_for(payment)
	if len(payment.reference_no.strip()) > REF_NUM_MAX:
		note += f", reference {payment.reference_no.strip()}"
	body: dict = {
		"CustomerRef": {"value": payment.customer_qbo_id},
		"TotalAmt": float(total),
		"TxnDate": payment.posting_date[:10],
		"PaymentRefNum": ref_num(payment),
		"Line": lines,
		"PrivateNote": note[:PRIVATE_NOTE_MAX],
	}
	account = settings.account_map.get(payment.paid_to) or settings.deposit_account_id
	if account and total:
		body["DepositToAccountRef"] = {"value": account}
	if settings.method_map.get(payment.mode_of_payment):
		body["PaymentMethodRef"] = {"value": settings.method_map[payment.mode_of_payment]}
	currency = payment.currency or settings.home_currency
	if currency != settings.home_currency or settings.multicurrency:
		body["CurrencyRef"] = {"value": currency}
	if currency != settings.home_currency:
		body["ExchangeRate"] = float(payment.exchange_rate)
	return Prepared(payment.name, ENTITY, ref_num(payment), payment.customer_qbo_id, total, body)


def note_for(payment: ERPPayment) -> str:
	if not payment.paid_amount and any(r.entity == "CreditMemo" for r in payment.references):
		return f"{CREDIT_NOTE_MARK}{payment.name} applied"
	return f"{PAYMENT_NOTE_MARK}{payment.name}"


def written_by_us(private_note: str) -> bool:
	"""The PrivateNote of a QBO payment this app created (note_for), also after a void prefixed it: how the
	import (payment_import.py) recognises its own payments when the link was never written (a crash)."""
	note = str(private_note or "")
	return PAYMENT_NOTE_MARK in note or CREDIT_NOTE_MARK in note


def check_payment(payment: ERPPayment, settings: PaymentSettings) -> list[str]:
	reasons = []
	currency = payment.currency or settings.home_currency
	if currency != settings.home_currency and not settings.multicurrency:
		reasons.append(f"The payment is in {currency}, but multicurrency is off in QuickBooks.")
	if payment.paid_amount < 0:
		reasons.append("A negative payment (a refund) is not sent to QuickBooks.")
	credits = sum((r.allocated for r in payment.references if r.entity == "CreditMemo"), Decimal(0))
	applied = sum((r.allocated for r in payment.references if r.entity != "CreditMemo"), Decimal(0))
	if applied - credits > payment.paid_amount:
		reasons.append(
			f"The allocated amounts ({applied - credits}) exceed the paid amount ({payment.paid_amount})."
		)
	return reasons


class PaymentExporter(Exporter):
	"""The Exporter's send loop, amendment and void handling, with the payment's own planning and lookup."""

	doctype = DOCTYPE
	noun = "payment"

	def __init__(self, client, settings: PaymentSettings, doctype: str = DOCTYPE, **kwargs):
		super().__init__(client, settings, **kwargs)
		self.doctype = doctype
		self.links: dict[str, tuple[str, str]] = {}

	def export(
		self,
		payments: Iterable[ERPPayment],
		in_flight: Iterable[str] = (),
		originals: dict[str, tuple[str, str]] | None = None,
		invoices: dict[str, tuple[str, str]] | None = None,
	) -> ExportReport:
		"""`invoices`: ERPNext invoice name -> (QBO id, entity) learnt in this run (`invoice_links`)."""
		self.links = dict(invoices or {})
		return super().export(payments, in_flight, originals)

	def run(self, works) -> None:
		"""Voids first, then amendments' updates, then creates, each phase to its end (retries included) before
		the next: what a cancelled payment applied, or what an amendment lowered, is open again before a payment
		of the same run is applied to it. QuickBooks refuses a payment of more than an invoice's open balance,
		and that refusal is final: a create sent while an update that frees the balance waits out a timeout
		would fail for good. So when a void or an update of a customer is left to a later run (transient
		trouble), that customer's creates wait with it. Under "void and create" the amendment of a payment of
		an invoice's whole balance is refused while its original is live."""
		works = list(works)
		# originals whose amendment cannot go (met while planning: waiting for its invoice, held) are voided in
		# the first phase; each phase's own run starts with no voids of its own
		works += [work for work in self.voids if not work.done]
		customer_of = {work.name: work.inv.customer_qbo_id for work in [*works, *self.superseded.values()]}
		phases = (("void",), ("update",), ("create", "delete"))
		waiting: dict[str, str] = {}  # customer -> a payment of theirs left for a later run
		for ops in phases:
			ready = []
			for work in (work for work in works if work.op in ops):
				if self.report.stopped:
					self.record(work, QUEUED, self.report.stopped)
				elif customer_of.get(work.name) in waiting:
					blocker = waiting[customer_of[work.name]]
					self.record(
						work,
						QUEUED,
						f"Waiting for payment {blocker} of the same customer to reach QuickBooks.",
					)
				else:
					ready.append(work)
			seen = len(self.report.outcomes)
			super().run(ready)
			for outcome in self.report.outcomes[seen:]:
				if outcome.status == QUEUED and customer_of.get(outcome.name):
					waiting.setdefault(customer_of[outcome.name], outcome.name)

	# -- hooks ---------------------------------------------------------------------------------------
	def entity_of(self, inv) -> str:
		return ENTITY

	def void_work(self, payment: ERPPayment) -> Work:
		body = {"Id": payment.qbo_id, "SyncToken": payment.qbo_sync_token or "0"}
		return Work(payment, "void", ENTITY, body, reconcile=not payment.qbo_id)

	def plan_send(self, payment: ERPPayment, entity: str, originals, in_flight, numbers) -> Work | None:
		blank = Work(payment, "create", ENTITY, {})
		if not payment.customer_qbo_id:
			self.record(blank, WAITING, "The customer is not linked to QuickBooks yet.")
			return None
		links = []
		for ref in payment.references:
			qbo_id = ref.qbo_id or self.links.get(ref.invoice, ("",))[0]
			if not qbo_id:
				message = STATUS_WORDS[WAITING_FOR_INVOICE].format(invoice=ref.invoice)
				self.record(blank, WAITING_FOR_INVOICE, message, extra={"invoice": ref.invoice})
				return None
			links.append(qbo_id)
		reasons = check_payment(payment, self.settings)
		if reasons:
			self.record(blank, HELD, " ".join(reasons))
			return None
		prepared = build_payment(payment, self.settings, links)
		original = originals.get(payment.amended_from, ("", "")) if payment.amended_from else ("", "")
		if self.settings.amend_policy == "update" and original[0]:
			# QuickBooks reads an empty Line list as "not given": a sparse update would keep the original's
			# lines. An amendment that applies nothing (all unapplied credit) goes as a full update.
			sparse = bool(prepared.payload["Line"])
			body = {**prepared.payload, "Id": original[0], "SyncToken": original[1] or "0", "sparse": sparse}
			return Work(payment, "update", ENTITY, body, prepared, amends=original[0])
		return Work(
			payment, "create", ENTITY, prepared.payload, prepared, reconcile=payment.name in in_flight
		)

	def reconcile(self, works: list[Work], clash: QBOError | None = None) -> list[Work]:
		"""Look each payment up by customer and date, then PaymentRefNum and amount: adopt a match (or void it,
		for a cancelled payment); send what QuickBooks does not have."""
		to_send: list[Work] = []
		groups: dict[tuple[str, str], list[Work]] = {}
		for work in works:
			groups.setdefault((work.inv.customer_qbo_id, work.inv.posting_date[:10]), []).append(work)
		for (customer, day), group in groups.items():
			try:
				rows = find_payments(self.client, customer, day)
			except ReconnectRequired:
				raise
			except QBOError as error:
				lookup_failed(self, group, error)
				continue
			for work in group:
				work.reconcile = False
				match = next((row for row in rows if same_payment(row, work)), None)
				if match is None and work.op == "void":
					self.record(work, VOIDED, "The payment was never in QuickBooks; nothing to void.")
				elif match is None:
					to_send.append(work)
				elif work.op == "void":
					work.body = {"Id": str(match["Id"]), "SyncToken": str(match.get("SyncToken", "0"))}
					work.inv.qbo_id = str(match["Id"])
				else:
					self.record_success(work, match, adopted=True)
		return to_send

	def void_refused(self, work: Work, error: QBOError) -> None:
		"""QuickBooks refused the void: delete the payment instead (what it paid is open again either way)."""
		try:
			self.client.delete(ENTITY, work.body["Id"], work.body["SyncToken"], f"del-{work.body['Id']}")
		except ReconnectRequired:
			raise
		except QBOError as delete_error:
			self.record_error(work, delete_error)
			return
		message = (
			f"QuickBooks refused to void payment {work.body['Id']} ({error.user_message()}); it was deleted."
		)
		self.record(work, VOIDED, message, qbo_id=str(work.body["Id"]), extra={"deleted": True})


def find_payments(client, customer_qbo_id: str, day: str) -> list[dict]:
	where = f"CustomerRef = {quote_value(customer_qbo_id)} AND TxnDate = {quote_value(day)}"
	return client.query(f"SELECT * FROM Payment WHERE {where} MAXRESULTS 1000").get("Payment", [])


def same_payment(row: dict, work: Work) -> bool:
	"""The QBO payment is this Payment Entry: same PaymentRefNum and amount, not voided (a cancelled
	entry's payment may be found without a body to compare: then its note names the entry)."""
	if is_voided(row):
		return False
	if work.prepared is None:
		note = str(row.get("PrivateNote", "")).split(",")[0]
		return note == note_for(work.inv) or (
			str(row.get("PaymentRefNum", "")) == ref_num(work.inv) and bool(work.inv.reference_no)
		)
	same_ref = str(row.get("PaymentRefNum", "")) == work.prepared.doc_number
	return same_ref and qbo_total(row) == work.prepared.total


__all__ = [
	"PaymentExporter",
	"PaymentSettings",
	"build_payment",
	"credit_application",
	"invoice_links",
	"written_by_us",
]
