"""The demo's second half: payments both ways (issue 11), after the invoices are exported.

- ERPNext -> QuickBooks: the sample's Payment Entries (a partial payment, one payment for two invoices) go
  out through PaymentExporter; the sample's return is applied to its original (credit_application).
- QuickBooks -> ERPNext: an accountant enters a payment in QuickBooks against an exported invoice. The
  sandbox's webhook (subscribed to Payment, delivered to an in-process receiver) notifies; every delivery's
  signature is verified (webhooks.read_notification) and a tampered copy must be refused. The run it
  triggers plans the import (plan_payment_import): exactly one Payment Entry to create, our own payments
  skipped (plan.own), and a rerun that knows it imported plans nothing.
- Balances read back (read_invoice_balances): every exported invoice's QuickBooks Balance must equal the
  outstanding the demo computes from its own data: total - its payments - applied credits - the payment
  taken in QuickBooks (once its planned Payment Entry exists). Anything else is a problem: exit non-zero.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from qbo_connector.engine.errors import InvalidWebhook
from qbo_connector.engine.payment_import import ImportPlan, plan_payment_import, read_invoice_balances
from qbo_connector.engine.payments import PaymentExporter, PaymentSettings, credit_application, invoice_links
from qbo_connector.engine.records import SYNCED, ERPInvoice, ERPPayment, Outcome, PaymentReference
from qbo_connector.engine.webhooks import read_notification

WEBHOOK_URL = "https://erp.example.com/api/method/qbo_connector.webhooks.receive"
VERIFIER_TOKEN = "demo-verifier-token"
# What the accountant enters in QuickBooks: the whole of this invoice, by cheque.
QBO_SIDE_INVOICE = "ACC-SINV-2026-00011"
QBO_SIDE_REF = "CHQ-5521"


def load_payments(path: Path) -> list[ERPPayment]:
	data = json.loads(path.read_text(encoding="utf-8"))
	return [
		ERPPayment(
			name=row["name"],
			customer=row["party"],
			posting_date=row["posting_date"],
			paid_amount=Decimal(str(row["paid_amount"])),
			reference_no=row.get("reference_no", ""),
			mode_of_payment=row.get("mode_of_payment", ""),
			paid_to=row.get("paid_to", ""),
			references=[
				PaymentReference(ref["reference_name"], Decimal(str(ref["allocated_amount"])))
				for ref in row.get("references", [])
			],
		)
		for row in data.get("payments", [])
	]


class Inbox:
	"""The ERPNext site's webhook endpoint, in process: keeps each delivery and answers 200."""

	def __init__(self):
		self.deliveries: list[tuple[bytes, dict]] = []

	def receive(self, url: str, body: bytes, headers: dict, timeout: float) -> int:
		self.deliveries.append((body, dict(headers)))
		return 200


@dataclass
class PaymentsResult:
	sent: dict[str, Outcome] = field(default_factory=dict)  # Payment Entry -> outcome
	credits: dict[str, Outcome] = field(default_factory=dict)  # return -> its application's outcome
	applied: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (return, original, credit)
	qbo_side_id: str = ""
	qbo_side_amount: Decimal = Decimal(0)
	notifications: int = 0
	notified_ids: list[str] = field(default_factory=list)
	tampered_refused: bool = False
	plan: ImportPlan = field(default_factory=ImportPlan)
	rerun: ImportPlan = field(default_factory=ImportPlan)
	balances: dict[str, tuple[Decimal | None, Decimal]] = field(default_factory=dict)  # (QBO, ERPNext)
	problems: list[str] = field(default_factory=list)


def run_payments(
	sb, client, invoices: list[ERPInvoice], outcomes: dict[str, Outcome], payments: list[ERPPayment]
) -> PaymentsResult:
	result = PaymentsResult()
	inbox = Inbox()
	sb.configure_webhook(
		url=WEBHOOK_URL, verifier_token=VERIFIER_TOKEN, entities=["Payment"], sender=inbox.receive
	)
	cursor = sb.clock.now()
	links = invoice_links(outcomes.values())
	by_name = {inv.name: inv for inv in invoices}
	send_erpnext_payments(client, payments, by_name, links, result)
	pay_in_quickbooks(client, by_name[QBO_SIDE_INVOICE], links, result)
	read_webhooks(inbox, result)
	ours = {o.qbo_id for o in [*result.sent.values(), *result.credits.values()] if o.qbo_id}
	exported = {qbo_id: name for name, (qbo_id, entity) in links.items() if entity == "Invoice"}
	result.plan = plan_payment_import(client, cursor, sb.clock.now(), exported, ours, {})
	imported = {item.qbo_id: (f"PE from QBO {item.qbo_id}", item.sync_token) for item in result.plan.create}
	result.rerun = plan_payment_import(client, cursor, sb.clock.now(), exported, ours, imported)
	check_plans(result, ours)
	check_balances(client, exported, by_name, payments, result)
	return result


def send_erpnext_payments(client, payments, by_name, links, result: PaymentsResult) -> None:
	for pay in payments:
		pay.customer_qbo_id = by_name[pay.references[0].invoice].customer_qbo_id
	PaymentExporter(
		client, PaymentSettings(), on_outcome=lambda o: result.sent.__setitem__(o.name, o)
	).export(payments, invoices=links)
	applications = []
	for ret in by_name.values():
		if ret.is_return and ret.return_against in links and ret.name in links:
			ret.qbo_id = links[ret.name][0]
			applications.append(credit_application(ret, links[ret.return_against][0]))
			result.applied.append((ret.name, ret.return_against, abs(ret.grand_total)))
	PaymentExporter(
		client,
		PaymentSettings(),
		doctype="Sales Invoice",
		on_outcome=lambda o: result.credits.__setitem__(o.name, o),
	).export(applications)
	for name, outcome in [*result.sent.items(), *result.credits.items()]:
		if outcome.status != SYNCED:
			result.problems.append(f"{name}: {outcome.status} {outcome.message}")
	result.problems += [f"{p.name} has no outcome (lost)" for p in payments if p.name not in result.sent]


def pay_in_quickbooks(client, inv: ERPInvoice, links, result: PaymentsResult) -> None:
	"""What an accountant does in QuickBooks: Receive payment, the whole invoice, a cheque number, no note
	of ours. It goes through the API as the QuickBooks UI's own writes do, so the webhook sees it."""
	body = {
		"CustomerRef": {"value": inv.customer_qbo_id},
		"TotalAmt": float(inv.grand_total),
		"TxnDate": "2026-11-30",
		"PaymentRefNum": QBO_SIDE_REF,
		"Line": [
			{
				"Amount": float(inv.grand_total),
				"LinkedTxn": [{"TxnId": links[inv.name][0], "TxnType": "Invoice"}],
			}
		],
	}
	row = client.create("Payment", body, "qbo-ui-receive-payment-1")
	result.qbo_side_id, result.qbo_side_amount = str(row["Id"]), inv.grand_total


def read_webhooks(inbox: Inbox, result: PaymentsResult) -> None:
	"""Verify every delivery (a bad signature raises); a copy with one byte changed must be refused."""
	for body, headers in inbox.deliveries:
		try:
			notice = read_notification(body, headers, VERIFIER_TOKEN)
		except InvalidWebhook as error:
			result.problems.append(f"webhook refused: {error}")
			continue
		result.notifications += 1
		result.notified_ids += [c.entity_id for c in notice.changes if c.entity == "Payment"]
	if inbox.deliveries:
		body, headers = inbox.deliveries[-1]
		try:
			read_notification(body.replace(b"Payment", b"Invoice", 1), headers, VERIFIER_TOKEN)
		except InvalidWebhook:
			result.tampered_refused = True
	if result.qbo_side_id not in result.notified_ids:
		result.problems.append(f"no verified webhook named payment {result.qbo_side_id}")
	if not result.tampered_refused:
		result.problems.append("a tampered webhook was not refused")


def check_plans(result: PaymentsResult, ours: set[str]) -> None:
	plan, qbo_id = result.plan, result.qbo_side_id
	planned = [(i.qbo_id, a.invoice, a.amount) for i in plan.create for a in i.allocations]
	if planned != [(qbo_id, QBO_SIDE_INVOICE, result.qbo_side_amount)] or len(plan.items) != 1:
		result.problems.append(f"import plan: expected one Payment Entry for payment {qbo_id}, got {planned}")
	if set(plan.own) != ours:
		result.problems.append(f"own payments skipped {sorted(plan.own)}, ours are {sorted(ours)}")
	if result.rerun.items:
		result.problems.append(f"a rerun plans {len(result.rerun.items)} payment(s) again")


def erpnext_outstanding(invoices: dict[str, ERPInvoice], payments: list[ERPPayment]) -> dict[str, Decimal]:
	"""What ERPNext would show, from the demo's own data: total - payments - applied credits - the payment
	taken in QuickBooks (its Payment Entry, once imported)."""
	left = {name: inv.grand_total for name, inv in invoices.items() if not inv.is_return}
	for pay in payments:
		for ref in pay.references:
			left[ref.invoice] -= ref.allocated
	for inv in invoices.values():
		if inv.is_return and inv.return_against in left:
			left[inv.return_against] += inv.grand_total  # negative
	left[QBO_SIDE_INVOICE] -= invoices[QBO_SIDE_INVOICE].grand_total
	return left


def check_balances(client, exported: dict[str, str], by_name, payments, result: PaymentsResult) -> None:
	qbo = read_invoice_balances(client, exported)
	expected = erpnext_outstanding(by_name, payments)
	for qbo_id, name in exported.items():
		result.balances[name] = (qbo.get(qbo_id), expected[name])
		if qbo.get(qbo_id) != expected[name]:
			result.problems.append(
				f"{name}: QuickBooks balance {qbo.get(qbo_id)} != ERPNext {expected[name]}"
			)


def summary(result: PaymentsResult) -> dict:
	equal = sum(1 for qbo, erp in result.balances.values() if qbo == erp)
	return {
		"payments_sent": sum(1 for o in result.sent.values() if o.status == SYNCED),
		"credits_applied": sum(1 for o in result.credits.values() if o.status == SYNCED),
		"qbo_payments_planned": len(result.plan.create),
		"own_payments_skipped": len(result.plan.own),
		"balances_equal": f"{equal}/{len(result.balances)}",
	}


def render(result: PaymentsResult, payments: list[ERPPayment]) -> list[str]:
	lines = ["Payments both ways"]
	for pay in payments:
		o = result.sent.get(pay.name)
		refs = ", ".join(f"{r.invoice} {r.allocated:.2f}" for r in pay.references)
		lines.append(
			f"  sent      {pay.name}  {pay.paid_amount:>9.2f} -> qbo={o.qbo_id if o else '-':<3} {refs}"
		)
	for ret, original, credit in result.applied:
		o = result.credits.get(ret)
		lines.append(f"  credit    {ret} {credit:.2f} applied to {original} (qbo={o.qbo_id if o else '-'})")
	lines.append(
		f"  in QBO    payment {result.qbo_side_id} {result.qbo_side_amount:.2f} against {QBO_SIDE_INVOICE},"
		" entered by the accountant"
	)
	lines.append(
		f"  webhook   {result.notifications} signed notification(s) verified, naming payments "
		f"{', '.join(result.notified_ids)}; a tampered copy {'refused' if result.tampered_refused else 'ACCEPTED'}"
	)
	creates = "; ".join(
		f"payment {i.qbo_id} -> a Payment Entry for {', '.join(f'{a.invoice} {a.amount:.2f}' for a in i.allocations)}"
		for i in result.plan.create
	)
	lines.append(f"  import    plans {len(result.plan.create)} to create: {creates or 'nothing'}")
	lines.append(
		f"  import    own payments skipped: {', '.join(result.plan.own) or 'none'}; "
		f"a rerun plans {len(result.rerun.items) or 'nothing'}"
	)
	equal = sum(1 for qbo, erp in result.balances.values() if qbo == erp)
	lines.append(
		f"  balances  {equal} of {len(result.balances)} exported invoices: QuickBooks Balance = ERPNext outstanding"
	)
	return lines
