"""Payments QBO -> ERPNext: which QBO payments the Frappe layer must turn into Payment Entries, update or
cancel, and the QBO balance of each exported invoice. Framework-free: it reads QuickBooks and returns a plan;
it never writes anywhere.

    plan = plan_payment_import(client, cursor, now, invoices, own_ids, imported, home_currency="USD")
    for item in plan.cancel: ...   # item.payment_entry's payment was voided or deleted in QuickBooks (first: it
                                   # frees outstanding amounts the others may need)
    for item in plan.update: ...   # item.payment_entry changed in QuickBooks
    for item in plan.create: ...   # a new Payment Entry (Receive) against item.allocations
    for item in plan.unknown: ...  # listed for a person, never guessed
    balances = read_invoice_balances(client, qbo_invoice_ids)

Inputs the Frappe layer keeps:
- `invoices`: QBO invoice id -> ERPNext Sales Invoice name (the links of our exported invoices);
- `own_ids`: QBO ids of the payments this app created (the links of exported Payment Entries and applied
  credit notes);
- `imported`: QBO payment id -> (Payment Entry name, the SyncToken it was made from), for payments imported.

Rules:
- Never import back a payment this app created: its id is in `own_ids`, or its PrivateNote carries the mark
  `payments.note_for` writes (`payments.written_by_us`), so a crash between QuickBooks' create and our link
  write still never imports it.
- Changed since the cursor: CDC (`Payment`), read as `change_feed` does (5 minutes of overlap, 29-day window).
  No cursor, a gap over the window or a full answer (1000 objects) fall back to a query of every payment
  updated since the cursor (or every payment); deletions are then found by reading the imported ids back
  (one missing was deleted). The caller stores the start of the run as the next cursor.
- A payment already imported is planned again only when its SyncToken moved (a re-read by the overlap, a
  webhook-triggered rerun or a repeated run plans nothing).
- Voided (zero total, "Voided" note; or zero total and no lines) or deleted: cancel its Payment Entry if we
  imported it; else nothing. `imported` holds only payments whose Payment Entry is live (not cancelled), so
  a void re-read by the overlap is not planned twice.
- A payment that applies a credit memo, or a line linking several transactions, is listed (unknown), as is
  one linking no invoice of ours (or none at all): what it pays is not ours to guess.
- Amounts are Decimal, as QuickBooks sent them; the remainder not allocated to our invoices
  (`unallocated`) is what ERPNext keeps as an advance; `unapplied` is QuickBooks' own UnappliedAmt.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from qbo_connector.engine.change_feed import CDC_OVERLAP_SECONDS, changes_since, iso
from qbo_connector.engine.client import quote_value
from qbo_connector.engine.export_ops import is_voided
from qbo_connector.engine.payments import written_by_us

ENTITY = "Payment"
BALANCE_CHUNK = 1000  # ids per `Id IN (...)` query; QuickBooks answers at most 1000 rows per query
CREATE, UPDATE, CANCEL, UNKNOWN = "create", "update", "cancel", "unknown"


@dataclass(frozen=True)
class Allocation:
	invoice: str  # ERPNext Sales Invoice name
	qbo_invoice_id: str
	amount: Decimal  # in the payment's currency


@dataclass
class PaymentImport:
	"""One QBO payment and what the Frappe layer must do with it (`action`)."""

	action: str  # create / update / cancel / unknown
	qbo_id: str
	sync_token: str = ""
	payment_entry: str = ""  # update / cancel: the Payment Entry made from it
	customer_qbo_id: str = ""
	txn_date: str = ""  # yyyy-mm-dd
	total: Decimal = Decimal(0)  # TotalAmt
	unapplied: Decimal = Decimal(0)  # QuickBooks' UnappliedAmt
	unallocated: Decimal = Decimal(0)  # total - allocated to our invoices
	currency: str = ""
	exchange_rate: Decimal = Decimal(1)  # home-currency units per 1 unit of `currency`
	ref_num: str = ""  # PaymentRefNum
	deposit_account_id: str = ""  # DepositToAccountRef
	payment_method_id: str = ""  # PaymentMethodRef
	private_note: str = ""
	allocations: list[Allocation] = field(default_factory=list)
	other_links: list[tuple[str, str, Decimal]] = field(default_factory=list)  # (TxnType, TxnId, amount)
	reasons: list[str] = field(default_factory=list)  # why a person should look (unknown, or an update)


@dataclass
class ImportPlan:
	create: list[PaymentImport] = field(default_factory=list)
	update: list[PaymentImport] = field(default_factory=list)
	cancel: list[PaymentImport] = field(default_factory=list)
	unknown: list[PaymentImport] = field(default_factory=list)
	own: list[str] = field(default_factory=list)  # QBO ids of our own payments seen (never imported)
	full_sweep: bool = False  # read by query, not CDC
	# QBO invoices whose Balance a changed payment may have moved: every invoice a changed payment links;
	# `balances_unknown` when a payment was deleted or voided (what it paid is no longer in its row)
	touched: set[str] = field(default_factory=set)
	balances_unknown: bool = False

	@property
	def items(self) -> list[PaymentImport]:
		return [*self.create, *self.update, *self.cancel, *self.unknown]


@dataclass
class PaymentChanges:
	rows: list[dict]  # live (incl. voided) payments changed
	deleted: set[str]  # ids deleted in QuickBooks
	full_sweep: bool = False


def read_payment_changes(
	client, cursor: float, now: float, imported_ids: Iterable[str] = ()
) -> PaymentChanges:
	"""The QBO payments changed since `cursor` (epoch seconds), and the deleted ones."""
	rows = changes_since(client, ENTITY, cursor, now)
	if rows is not None:
		live = [row for row in rows if row.get("status") != "Deleted"]
		deleted = {str(row["Id"]) for row in rows if row.get("status") == "Deleted"}
		return PaymentChanges(live, deleted)
	where = f"MetaData.LastUpdatedTime >= {quote_value(iso(cursor - CDC_OVERLAP_SECONDS))}" if cursor else ""
	rows = client.query_all(ENTITY, where)
	present = {str(row["Id"]) for row in rows}
	missing = [qbo_id for qbo_id in imported_ids if qbo_id not in present]
	present |= {str(row["Id"]) for row in client.query_in(ENTITY, "Id", missing)} if missing else set()
	return PaymentChanges(rows, {qbo_id for qbo_id in missing if qbo_id not in present}, True)


def plan_payment_import(
	client,
	cursor: float,
	now: float,
	invoices: dict[str, str],
	own_ids: Iterable[str],
	imported: dict[str, tuple[str, str]],
	home_currency: str = "USD",
) -> ImportPlan:
	"""Read what changed since `cursor` and plan it (see the module's rules)."""
	changes = read_payment_changes(client, cursor, now, imported)
	return plan_payments(changes, invoices, own_ids, imported, home_currency)


def plan_payments(
	changes: PaymentChanges,
	invoices: dict[str, str],
	own_ids: Iterable[str],
	imported: dict[str, tuple[str, str]],
	home_currency: str = "USD",
) -> ImportPlan:
	"""The plan for changed payments; pure (no QuickBooks call)."""
	own = {str(qbo_id) for qbo_id in own_ids}
	plan = ImportPlan(
		full_sweep=changes.full_sweep, balances_unknown=changes.full_sweep or bool(changes.deleted)
	)
	latest: dict[str, dict] = {}
	for row in changes.rows:
		qbo_id = str(row["Id"])
		plan.touched.update(linked_invoices(row))
		plan.balances_unknown |= is_voided(row) or is_emptied(row)
		if qbo_id not in latest or sync_token_of(row) >= sync_token_of(latest[qbo_id]):
			latest[qbo_id] = row
	for qbo_id in sorted(changes.deleted - set(latest), key=id_order):
		if qbo_id in imported and qbo_id not in own:
			reason = "The payment was deleted in QuickBooks."
			plan.cancel.append(
				PaymentImport(CANCEL, qbo_id, payment_entry=imported[qbo_id][0], reasons=[reason])
			)
	for qbo_id in sorted(latest, key=id_order):
		row = latest[qbo_id]
		if qbo_id in own or written_by_us(row.get("PrivateNote", "")):
			plan.own.append(qbo_id)
			continue
		entry, seen_token = imported.get(qbo_id, ("", ""))
		if is_voided(row) or is_emptied(row):
			if entry:
				reason = "The payment was voided in QuickBooks."
				plan.cancel.append(
					PaymentImport(CANCEL, qbo_id, str(row.get("SyncToken", "")), entry, reasons=[reason])
				)
			continue
		if entry and str(row.get("SyncToken", "")) == seen_token:
			continue  # already imported from this version
		item = describe_payment(row, invoices, home_currency)
		if entry:
			item.action, item.payment_entry = UPDATE, entry
			plan.update.append(item)
		elif item.reasons or not item.allocations:
			if not item.allocations and not item.reasons:
				item.reasons.append(unknown_reason(item))
			item.action = UNKNOWN
			plan.unknown.append(item)
		else:
			plan.create.append(item)
	return plan


def describe_payment(row: dict, invoices: dict[str, str], home_currency: str = "USD") -> PaymentImport:
	"""A QBO Payment read into a PaymentImport (action "create"): allocations to our invoices, the rest."""
	total = money(row.get("TotalAmt"))
	item = PaymentImport(
		CREATE,
		str(row["Id"]),
		sync_token=str(row.get("SyncToken", "")),
		customer_qbo_id=str((row.get("CustomerRef") or {}).get("value", "")),
		txn_date=str(row.get("TxnDate", ""))[:10],
		total=total,
		unapplied=money(row.get("UnappliedAmt")),
		currency=str((row.get("CurrencyRef") or {}).get("value") or home_currency),
		exchange_rate=money(row.get("ExchangeRate"), Decimal(1)),
		ref_num=str(row.get("PaymentRefNum", "")),
		deposit_account_id=str((row.get("DepositToAccountRef") or {}).get("value", "")),
		payment_method_id=str((row.get("PaymentMethodRef") or {}).get("value", "")),
		private_note=str(row.get("PrivateNote", "")),
	)
	for line in row.get("Line") or []:
		links = line.get("LinkedTxn") or []
		amount = money(line.get("Amount"))
		if len(links) > 1:
			item.reasons.append(f"A line of {amount} links {len(links)} transactions at once.")
		for link in links:
			kind, txn_id = str(link.get("TxnType", "")), str(link.get("TxnId", ""))
			if kind == "Invoice" and txn_id in invoices and len(links) == 1:
				item.allocations.append(Allocation(invoices[txn_id], txn_id, amount))
			else:
				item.other_links.append((kind, txn_id, amount))
				if kind == "CreditMemo":
					item.reasons.append(f"It applies credit memo {txn_id} in QuickBooks.")
	item.unallocated = total - sum((a.amount for a in item.allocations), Decimal(0))
	return item


def linked_invoices(row: dict) -> set[str]:
	"""The QBO ids of the invoices a payment's lines link (Intuit: a Payment line's LinkedTxn names the
	Invoice, CreditMemo or JournalEntry it applies to)."""
	return {
		str(link.get("TxnId", ""))
		for line in row.get("Line") or []
		for link in line.get("LinkedTxn") or []
		if link.get("TxnType") == "Invoice"
	}


def is_emptied(row: dict) -> bool:
	"""Zero total and no lines: what a voided payment reads like even without the "Voided" note (Intuit does
	not document the voided shape; the sandbox's is a guess), and nothing for a Payment Entry to hold."""
	return money(row.get("TotalAmt")) == 0 and not row.get("Line")


def unknown_reason(item: PaymentImport) -> str:
	if item.other_links:
		ids = ", ".join(f"{kind} {txn_id}" for kind, txn_id, _ in item.other_links)
		return f"It pays {ids}, which this app did not export."
	return "It is not applied to any invoice."


def read_invoice_balances(client, qbo_ids: Iterable[str]) -> dict[str, Decimal]:
	"""QBO invoice id -> Balance, read in queries of up to 1000 ids (`select Id, Balance, SyncToken`). An id
	missing from the answer (deleted in QuickBooks) is missing from the result."""
	return {qbo_id: row["Balance"] for qbo_id, row in read_amounts(client, "Invoice", qbo_ids).items()}


def read_amounts(client, entity: str, qbo_ids: Iterable[str]) -> dict[str, dict[str, Decimal]]:
	"""QBO id -> {"TotalAmt", "Balance"} (a Payment: its UnappliedAmt as Balance) of Invoices, CreditMemos or
	Payments, read in `Id IN` queries of up to 1000 ids; an id deleted in QuickBooks is missing."""
	ids = list(dict.fromkeys(str(qbo_id) for qbo_id in qbo_ids if qbo_id))
	open_field = "UnappliedAmt" if entity == "Payment" else "Balance"
	amounts: dict[str, dict[str, Decimal]] = {}
	for start in range(0, len(ids), BALANCE_CHUNK):
		chunk = ", ".join(quote_value(qbo_id) for qbo_id in ids[start : start + BALANCE_CHUNK])
		sql = (
			f"SELECT Id, TotalAmt, {open_field}, SyncToken FROM {entity} WHERE Id IN ({chunk}) "
			f"MAXRESULTS {BALANCE_CHUNK}"
		)
		for row in client.query(sql).get(entity, []):
			amounts[str(row["Id"])] = {
				"TotalAmt": money(row.get("TotalAmt")),
				"Balance": money(row.get(open_field)),
			}
	return amounts


def money(value, default: Decimal = Decimal(0)) -> Decimal:
	return default if value is None or value == "" else Decimal(str(value))


def sync_token_of(row: dict) -> int:
	token = str(row.get("SyncToken", "0"))
	return int(token) if token.isdigit() else 0


def id_order(qbo_id: str) -> tuple[int, str]:
	return (len(qbo_id), qbo_id)


__all__ = [
	"Allocation",
	"ImportPlan",
	"PaymentChanges",
	"PaymentImport",
	"plan_payment_import",
	"plan_payments",
	"read_amounts",
	"read_invoice_balances",
	"read_payment_changes",
]
