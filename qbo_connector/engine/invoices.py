"""ERPNext Sales Invoice -> QBO Invoice (or CreditMemo for a return), and the pre-flight that holds an
invoice with a plain reason instead of sending something QBO would reject or get wrong.

API (framework-free; the Frappe layer builds the records and the settings):
- `ExportSettings`: company kind (US or not), currencies, item/income-account/tax/terms maps, cost center ->
  class and location maps with what the company tracks, policies.
- `QBOFacts`: what the caller knows about the QBO company (active item/tax code/class/location ids, customer
  currencies, per-currency customers, DocNumbers already taken). Unknown facts are not checked.
- `prepare(inv, settings, facts) -> Prepared`: the payload and what the exporter needs about it, or
  raises `Hold` with every reason (status HELD, or WAITING when only the customer is missing).
- `preflight(inv, settings, facts) -> list[str]`: reasons to hold, empty when the invoice can go.
- `map_invoice(inv, settings, facts=None) -> dict`: just the payload (raises `Hold`).
- `doc_number_for(name)`: the DocNumber: the name when it fits in 21 characters, else a deterministic
  21-character form (hash + tail); the full name is always in PrivateNote.
Money rules live in invoice_amounts.py, tax codes in invoice_tax.py, items, classes and locations in
invoice_refs.py.
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from qbo_connector.engine.invoice_amounts import (
	AmountProblem,
	Amounts,
	compute_amounts,
	money,
	qty_and_price,
)
from qbo_connector.engine.invoice_refs import (
	check_tracking,
	map_tracking,
	pick_line_class,
	resolve_item,
)
from qbo_connector.engine.invoice_tax import (
	US_NON,
	US_TAX,
	is_taxable,
	map_taxes,
	resolve_tax_code,
	rounding_tax_code,
)
from qbo_connector.engine.records import HELD, WAITING, ERPInvoice, InvoiceLine

DOC_NUMBER_MAX = 21
MAX_TAXABLE_LINES = 750
DESCRIPTION_MAX = 4000
PRIVATE_NOTE_MAX = 4000
ADDRESS_LINE_MAX = 500
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_TAGS = re.compile(r"<br\s*/?>|</p>|</div>", re.IGNORECASE)
_ANY_TAG = re.compile(r"<[^>]+>")


@dataclass
class ExportSettings:
	us_company: bool = False
	home_currency: str = "USD"
	multicurrency: bool = False
	default_item_id: str = ""  # the Service item used for ERPNext items without a mapping or a name match
	item_map: dict[str, str] = field(default_factory=dict)  # ERPNext item code -> QBO Item Id
	income_account_map: dict[str, str] = field(default_factory=dict)  # ERPNext income account -> QBO Item Id
	item_names: dict[str, str] = field(default_factory=dict)  # active QBO item Name, lower-cased -> Id
	tax_map: dict[str, str] = field(default_factory=dict)  # tax template or account -> QBO TaxCode Id
	default_tax_code: str = ""  # non-US: taxed lines without a mapping; US: the sales tax code
	zero_tax_code: str = ""  # non-US: the zero-rated code, for lines of an invoice without taxes
	exempt_tax_code: str = ""  # non-US: the exempt code (named in reasons; used when mapped)
	rounding_tax_code: str = ""  # non-US: code of the rounding line (no VAT / out of scope, or zero-rated)
	zero_tax_codes: frozenset[str] = frozenset()  # non-US codes whose sales rates are all 0%
	automated_sales_tax: bool = False  # US AST: send TotalTax as an override, no TxnTaxCodeRef
	amend_policy: str = "update"  # "update" the same QBO invoice, or "void_and_create"
	currency_policy: str = "error"  # "error", or "per_currency_customer"
	discount_mode: str = "net"  # "net": folded into line amounts; "line": one DiscountLine
	discount_account_id: str = ""  # DiscountAccountRef for "line" (empty: QBO's default)
	rounding_item_id: str = ""  # Service item for ERPNext's rounding adjustment; empty: folded in
	terms_map: dict[str, str] = field(default_factory=dict)  # ERPNext payment terms -> SalesTerm Id
	class_map: dict[str, str] = field(default_factory=dict)  # ERPNext cost center -> QBO Class Id
	department_map: dict[str, str] = field(default_factory=dict)  # ERPNext cost center -> QBO Department Id
	class_tracking: str = ""  # Preferences: "line" (ClassTrackingPerTxnLine), "txn" (ClassTrackingPerTxn), ""
	track_departments: bool = False  # Preferences.AccountingInfoPrefs.TrackDepartments (locations)


@dataclass
class QBOFacts:
	item_ids: set[str] | None = None  # active QBO Item ids; None = not checked
	tax_code_ids: set[str] | None = None  # active QBO TaxCode ids; None = not checked
	class_ids: set[str] | None = None  # active QBO Class ids; None = not checked
	department_ids: set[str] | None = None  # active QBO Department (location) ids; None = not checked
	customer_currencies: dict[str, str] = field(default_factory=dict)  # QBO customer id -> currency
	currency_customers: dict[tuple[str, str], str] = field(default_factory=dict)  # (customer, cur) -> id
	taken_doc_numbers: set[str] = field(default_factory=set)  # used in QBO by other transactions


@dataclass
class Prepared:
	name: str
	entity: str  # "Invoice" or "CreditMemo"
	doc_number: str
	customer_id: str
	total: Decimal  # what QBO's TotalAmt must come back as
	payload: dict


class Hold(Exception):
	def __init__(self, reasons: list[str], status: str = HELD):
		super().__init__("; ".join(reasons))
		self.reasons = reasons
		self.status = status


def clean_text(text: str, limit: int) -> str:
	return _CONTROL.sub(" ", str(text or "")).strip()[:limit]


def doc_number_for(name: str) -> str:
	"""The ERPNext name when it fits; else 5 hash characters, '-', and the name's last 15."""
	text = _CONTROL.sub("", str(name or "")).strip()
	if len(text) <= DOC_NUMBER_MAX:
		return text
	digest = base64.b32encode(hashlib.sha1(text.encode("utf-8")).digest()).decode()[:5]
	return f"{digest}-{text[-(DOC_NUMBER_MAX - 6) :]}"


def entity_for(inv: ERPInvoice) -> str:
	return "CreditMemo" if inv.is_return else "Invoice"


def parse_date(value: str, what: str, reasons: list[str], required: bool) -> str:
	text = str(value or "").strip()[:10]
	if not text:
		if required:
			reasons.append(f"{what} is missing.")
		return ""
	try:
		return date.fromisoformat(text).isoformat()
	except ValueError:
		reasons.append(f"{what} '{value}' is not a valid date.")
		return ""


def map_address(text: str) -> dict | None:
	"""ERPNext's address display (lines or <br>) -> QBO's free-form Line1..Line5."""
	plain = _ANY_TAG.sub("", _TAGS.sub("\n", str(text or "")))
	lines = [clean_text(line, ADDRESS_LINE_MAX) for line in plain.splitlines()]
	lines = [line for line in lines if line][:5]
	return {f"Line{i + 1}": line for i, line in enumerate(lines)} or None


def private_note(inv: ERPInvoice) -> str:
	"""The internal note: the full ERPNext name, what it amends or returns, and ERPNext's Remarks.
	Remarks are internal in ERPNext, so they never go to CustomerMemo (printed on the customer's invoice)."""
	note = [f"ERPNext Sales Invoice {clean_text(inv.name, 200)}"]
	if inv.amended_from:
		note.append(f"amends {clean_text(inv.amended_from, 200)}")
	if inv.return_against:
		note.append(f"return against {clean_text(inv.return_against, 200)}")
	remarks = clean_text(inv.remarks, PRIVATE_NOTE_MAX)
	if remarks and remarks != "No Remarks":
		note.append(f"Remarks: {remarks}")
	return clean_text("; ".join(note), PRIVATE_NOTE_MAX)


def map_header(inv: ERPInvoice, settings: ExportSettings, doc_number: str, reasons: list[str]) -> dict:
	"""DocNumber, dates, terms, addresses, memo and the private note with the full ERPNext name."""
	header = {
		"DocNumber": doc_number,
		"TxnDate": parse_date(inv.posting_date, "The posting date", reasons, True),
	}
	if not inv.is_return:
		due = parse_date(inv.due_date, "The due date", reasons, False)
		if due:
			header["DueDate"] = due
		if inv.payment_terms and settings.terms_map.get(inv.payment_terms):
			header["SalesTermRef"] = {"value": settings.terms_map[inv.payment_terms]}
	header["PrivateNote"] = private_note(inv)
	for key, text in (("BillAddr", inv.billing_address), ("ShipAddr", inv.shipping_address)):
		address = map_address(text)
		if address:
			header[key] = address
	return header


def describe_line(line: InvoiceLine, fallback: bool) -> str:
	code, name = str(line.item_code or ""), str(line.item_name or "")
	same = name.strip() == code.strip()
	parts = [f"{code}: {name}" if name and not same else code]
	if line.description and clean_text(line.description, 200) not in (line.item_name, line.item_code):
		parts.append(str(line.description))
	if fallback:
		parts.append(f"Qty {line.qty} x {line.rate}")
	return clean_text("\n".join(parts), DESCRIPTION_MAX)


def map_lines(inv: ERPInvoice, items: list[str], codes: list[str], amounts: Amounts, settings) -> list[dict]:
	"""Sales lines (Qty x UnitPrice == Amount to the cent, else Qty 1), then discount and rounding."""
	sign = -1 if inv.is_return else 1
	lines = []
	shown = amounts.line_discounts or [Decimal(0)] * len(inv.lines)
	for line, item_id, code, net, off in zip(inv.lines, items, codes, amounts.nets, shown, strict=True):
		pair = qty_and_price(line.qty, line.price_list_rate if off else line.rate, net, sign)
		qty, price = pair or (Decimal(1), net)
		detail = {"ItemRef": {"value": item_id}, "Qty": float(qty), "UnitPrice": float(price)}
		detail["TaxCodeRef"] = {"value": code}
		class_id = pick_line_class(inv, line, settings)
		if class_id:
			detail["ClassRef"] = {"value": class_id}
		lines.append(
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": float(net),
				"Description": describe_line(line, pair is None),
				"SalesItemLineDetail": detail,
			}
		)
	if amounts.rounding:
		no_tax = rounding_tax_code(settings, [])
		detail = {"ItemRef": {"value": settings.rounding_item_id}, "Qty": 1.0}
		detail.update({"UnitPrice": float(amounts.rounding), "TaxCodeRef": {"value": no_tax}})
		class_id = pick_line_class(inv, None, settings)
		if class_id:
			detail["ClassRef"] = {"value": class_id}
		lines.append(
			{
				"DetailType": "SalesItemLineDetail",
				"Amount": float(amounts.rounding),
				"Description": "Rounding adjustment",
				"SalesItemLineDetail": detail,
			}
		)
	if amounts.discount:
		discount = {"PercentBased": False}
		if settings.discount_account_id:
			discount["DiscountAccountRef"] = {"value": settings.discount_account_id}
		lines.append(
			{
				"DetailType": "DiscountLineDetail",
				"Amount": float(amounts.discount),
				"Description": describe_discount(inv, amounts),
				"DiscountLineDetail": discount,
			}
		)
	for number, line in enumerate(lines, 1):
		line["LineNum"] = number
	return lines


def describe_discount(inv: ERPInvoice, amounts: Amounts) -> str:
	"""What the DiscountLine is made of, for the customer's invoice: each line's discount, then the invoice's."""
	parts = []
	for line, off in zip(inv.lines, amounts.line_discounts, strict=False):
		if off:
			percent = Decimal(line.discount_percentage or 0)
			rate = f" {percent.normalize():f}%" if percent.is_finite() and percent > 0 else ""
			parts.append(f"{clean_text(line.item_code, 100)}{rate} {money(off)}")
	if amounts.invoice_discount:
		parts.append(f"invoice discount {money(amounts.invoice_discount)}")
	return clean_text("Discount: " + ", ".join(parts), DESCRIPTION_MAX) if parts else "Discount"


def resolve_customer(inv: ERPInvoice, settings: ExportSettings, facts: QBOFacts) -> tuple[str, str, str]:
	"""(QBO customer id, reason, status). A reason means the invoice waits (WAITING) or is held."""
	currency = (inv.currency or settings.home_currency).upper()
	if not inv.customer_qbo_id:
		return "", f"Customer '{inv.customer}' is not linked to QuickBooks yet.", WAITING
	known = facts.customer_currencies.get(inv.customer_qbo_id, "").upper()
	if not settings.multicurrency or not known or known == currency:
		return inv.customer_qbo_id, "", ""
	if settings.currency_policy == "per_currency_customer":
		other = facts.currency_customers.get((inv.customer, currency), "")
		if other:
			return other, "", ""
		return "", f"Customer '{inv.customer}' has no QuickBooks customer in {currency} yet.", WAITING
	return (
		"",
		(
			f"The QuickBooks customer for '{inv.customer}' is in {known}, but this invoice is in {currency}; "
			"QuickBooks fixes a customer's currency."
		),
		HELD,
	)


def map_currency(inv: ERPInvoice, settings: ExportSettings, reasons: list[str]) -> dict:
	currency = (inv.currency or settings.home_currency).upper()
	if currency != settings.home_currency.upper() and not settings.multicurrency:
		reasons.append(
			f"The invoice is in {currency} but multicurrency is off in QuickBooks (home currency "
			f"{settings.home_currency})."
		)
		return {}
	if not settings.multicurrency:
		return {}
	fields: dict = {"CurrencyRef": {"value": currency}}
	if currency != settings.home_currency.upper():
		rate = Decimal(inv.conversion_rate or 0)
		if not rate.is_finite() or rate <= 0:
			reasons.append(f"The exchange rate ({inv.conversion_rate}) must be a positive number.")
		else:
			fields["ExchangeRate"] = float(rate)
	return fields


def check_shape(inv: ERPInvoice, target: Decimal, reasons: list[str]) -> None:
	if not inv.lines:
		reasons.append("The invoice has no lines.")
	if target < 0:
		kind = "A return" if inv.is_return else "An invoice that is not a return"
		reasons.append(
			f"{kind} cannot have a {'positive' if inv.is_return else 'negative'} total ({money(target)})."
		)


def check_line_count(lines: list[dict], taxable: bool, reasons: list[str]) -> None:
	"""Intuit caps a taxable transaction at 750 lines, counting the discount and rounding lines we add."""
	if taxable and len(lines) > MAX_TAXABLE_LINES:
		reasons.append(
			f"The invoice needs {len(lines)} lines in QuickBooks (with discount and rounding lines); "
			f"QuickBooks accepts at most {MAX_TAXABLE_LINES} on a taxable invoice."
		)


def prepare(
	inv: ERPInvoice, settings: ExportSettings, facts: QBOFacts | None = None, doc_number: str = ""
) -> Prepared:
	"""Everything checked, then the payload. Raises Hold with all the reasons found."""
	facts = facts or QBOFacts()
	reasons: list[str] = []
	customer_id, waiting, wait_status = resolve_customer(inv, settings, facts)
	doc_number = doc_number or inv.qbo_doc_number or doc_number_for(inv.name)
	if not doc_number:
		reasons.append("The invoice has no name to use as the QuickBooks invoice number.")
	elif doc_number in facts.taken_doc_numbers:
		reasons.append(f"Invoice number {doc_number} is already used by another QuickBooks transaction.")
	items = [resolve_item(line, settings, facts, reasons) for line in inv.lines]
	codes = [resolve_tax_code(inv, line, settings, reasons) for line in inv.lines]
	if facts.tax_code_ids is not None and not settings.us_company:
		for code in sorted({c for c in codes if c and c not in facts.tax_code_ids}):
			reasons.append(f"The QuickBooks tax code (id {code}) is inactive or missing.")
	check_tracking(inv, settings, facts, reasons)
	payload = map_header(inv, settings, doc_number, reasons)
	payload.update(map_tracking(inv, settings))
	payload.update(map_currency(inv, settings, reasons))
	taxable = [is_taxable(c, settings) for c in codes]
	try:
		amounts = compute_amounts(inv, taxable, settings, codes)
		check_shape(inv, amounts.target, reasons)
	except AmountProblem as problem:
		reasons.append(str(problem))
		amounts = None
	if amounts and amounts.rounding:
		rounding_tax_code(settings, reasons)
	if amounts and not reasons:
		payload.update(map_taxes(inv, settings, amounts, reasons))
		payload["Line"] = map_lines(inv, items, codes, amounts, settings)
		if amounts.discount:
			# ERPNext takes its discount off before tax (the tax rows are computed on the discounted net);
			# Invoice.ApplyTaxAfterDiscount=true asks QuickBooks to do the same.
			payload["ApplyTaxAfterDiscount"] = True
		check_line_count(payload["Line"], any(taxable) or bool(amounts.tax_total), reasons)
	if waiting:
		raise Hold([waiting, *reasons], wait_status if not reasons else HELD)
	if reasons:
		raise Hold(reasons)
	payload["CustomerRef"] = {"value": customer_id}
	return Prepared(inv.name, entity_for(inv), doc_number, customer_id, amounts.target, payload)


def preflight(inv: ERPInvoice, settings: ExportSettings, facts: QBOFacts | None = None) -> list[str]:
	"""Reasons to hold the invoice, in plain words; empty when it can be sent."""
	try:
		prepare(inv, settings, facts)
	except Hold as hold:
		return hold.reasons
	return []


def map_invoice(inv: ERPInvoice, settings: ExportSettings, facts: QBOFacts | None = None) -> dict:
	"""The QBO Invoice (or CreditMemo) payload. Raises Hold when the invoice cannot be sent."""
	return prepare(inv, settings, facts).payload


def sparse_changes(inv: ERPInvoice) -> dict:
	"""Fields ERPNext lets users edit after submit, as a sparse update body (without Id/SyncToken)."""
	reasons: list[str] = []
	changes = {}
	due = parse_date(inv.due_date, "The due date", reasons, False)
	if due and not inv.is_return:
		changes["DueDate"] = due
	changes["PrivateNote"] = private_note(inv)
	if reasons:
		raise Hold(reasons)
	return changes
