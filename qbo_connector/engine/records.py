"""Plain records the engine works on. The Frappe layer builds them from ERPNext documents;
the demo and the CLI build them from JSON/CSV. Nothing here knows about Frappe."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

# One record's sync status (docs/DESIGN.md). Stored values: never translate them.
QUEUED = "Queued"
SYNCED = "Synced"
NEEDS_REVIEW = "Needs Review"
WAITING = "Waiting for Customer"
HELD = "Held"
FAILED = "Failed"
VOIDED = "Voided"
WAITING_FOR_INVOICE = "Waiting for Invoice"  # a payment whose invoice is not in QuickBooks yet

STATUS_WORDS = {
	WAITING_FOR_INVOICE: "Waiting for invoice {invoice} to reach QuickBooks; the payment is sent in the same "
	"run as the invoice, or in the run after."
}

# Matcher decisions.
LINK = "link"
REVIEW = "review"
CREATE = "create"


@dataclass
class ERPCustomer:
	"""An ERPNext Customer, reduced to what matching and export need."""

	id: str
	customer_name: str
	customer_type: str = ""  # "Company" or "Individual"
	email: str = ""
	phone: str = ""
	tax_id: str = ""
	address_line1: str = ""
	address_line2: str = ""
	city: str = ""
	state: str = ""
	pincode: str = ""
	country: str = ""
	currency: str = ""
	qbo_id: str = ""  # existing link, if any
	revision: str = ""  # the caller's count of definitive answers stored for it (request_ids.py)
	qbo_sync_token: str = ""  # for edits of a linked customer (customer_edits.py)
	shipping: dict[str, str] = field(default_factory=dict)  # line1, line2, city, state, pincode, country


@dataclass
class QBOCustomer:
	"""A QBO name-list entry (Customer, or a Vendor/Employee kept only for name clashes)."""

	id: str
	display_name: str
	company_name: str = ""
	given_name: str = ""
	family_name: str = ""
	email: str = ""
	phone: str = ""
	address_line1: str = ""
	address_line2: str = ""
	city: str = ""
	state: str = ""
	postcode: str = ""
	country: str = ""
	active: bool = True
	currency: str = ""
	entity_type: str = "Customer"  # Customer / Vendor / Employee
	sync_token: str = "0"
	tax_id: str = ""  # PrimaryTaxIdentifier / BusinessNumber / GSTIN when known (matching evidence)
	notes: str = ""  # Notes; names the ERPNext customer a record was created for by this app

	@classmethod
	def from_qbo(cls, obj: dict, entity_type: str = "Customer") -> QBOCustomer:
		addr = obj.get("BillAddr") or {}
		return cls(
			id=str(obj.get("Id", "")),
			display_name=obj.get("DisplayName", ""),
			company_name=obj.get("CompanyName", "") or "",
			given_name=obj.get("GivenName", "") or "",
			family_name=obj.get("FamilyName", "") or "",
			email=(obj.get("PrimaryEmailAddr") or {}).get("Address", "") or "",
			phone=(obj.get("PrimaryPhone") or {}).get("FreeFormNumber", "") or "",
			address_line1=addr.get("Line1", "") or "",
			address_line2=addr.get("Line2", "") or "",
			city=addr.get("City", "") or "",
			state=addr.get("CountrySubDivisionCode", "") or "",
			postcode=addr.get("PostalCode", "") or "",
			country=addr.get("Country", "") or "",
			active=bool(obj.get("Active", True)),
			currency=(obj.get("CurrencyRef") or {}).get("value", "") or "",
			entity_type=entity_type,
			sync_token=str(obj.get("SyncToken", "0")),
			notes=obj.get("Notes", "") or "",
		)


@dataclass
class Candidate:
	qbo_id: str
	display_name: str
	score: int
	reason: str
	active: bool = True
	details: str = ""  # email, phone and address, to decide with (filled for reviews)


def describe_contact(record: ERPCustomer | QBOCustomer) -> str:
	"""'ann@x.com · 555 0100 · 1 Main St, Springfield 62701 IL US': what a person compares a review by."""
	postcode = getattr(record, "pincode", "") or getattr(record, "postcode", "")
	place = " ".join(
		v.strip() for v in (record.city, postcode, record.state, record.country) if v and v.strip()
	)
	address = ", ".join(
		v.strip() for v in (record.address_line1, record.address_line2, place) if v and v.strip()
	)
	return " · ".join(v.strip() for v in (record.email, record.phone, address) if v and v.strip())


@dataclass
class MatchDecision:
	erpnext_id: str
	decision: str  # LINK / REVIEW / CREATE
	qbo_id: str = ""
	score: int = 0
	reason: str = ""
	candidates: list[Candidate] = field(default_factory=list)


@dataclass
class InvoiceLine:
	item_code: str
	item_name: str = ""
	description: str = ""
	qty: Decimal = Decimal("1")
	rate: Decimal = Decimal("0")  # net rate after line discount, in invoice currency
	amount: Decimal = Decimal("0")  # qty * rate as ERPNext stored it
	price_list_rate: Decimal = Decimal("0")
	discount_percentage: Decimal = Decimal("0")
	item_tax_template: str = ""
	income_account: str = ""  # ERPNext income account: picks the QBO item when the item has no mapping
	cost_center: str = ""  # ERPNext cost center: the line's QBO class when the company tracks them per line
	qbo_item_id: str = ""  # resolved by the mapping, else the default item
	qbo_tax_code: str = ""  # resolved tax code (non-US) or TAX/NON (US)


@dataclass
class InvoiceTax:
	charge_type: str  # "On Net Total", "Actual", ...
	account_head: str
	rate: Decimal = Decimal("0")
	tax_amount: Decimal = Decimal("0")
	included_in_print_rate: bool = False
	description: str = ""


@dataclass
class ERPInvoice:
	"""A submitted (or cancelled) ERPNext Sales Invoice."""

	name: str
	customer: str
	posting_date: str
	grand_total: Decimal
	due_date: str = ""
	currency: str = ""
	conversion_rate: Decimal = Decimal("1")
	company_currency: str = ""
	lines: list[InvoiceLine] = field(default_factory=list)
	taxes: list[InvoiceTax] = field(default_factory=list)
	taxes_and_charges: str = ""
	discount_amount: Decimal = Decimal("0")  # invoice-level discount, positive
	apply_discount_on: str = "Grand Total"
	rounding_adjustment: Decimal = Decimal("0")
	rounded_total: Decimal = Decimal("0")
	disable_rounded_total: bool = True
	is_return: bool = False
	return_against: str = ""
	amended_from: str = ""
	docstatus: int = 1
	billing_address: str = ""
	shipping_address: str = ""
	payment_terms: str = ""
	remarks: str = ""
	cost_center: str = ""  # header cost center: the QBO class (per transaction) and location
	customer_qbo_id: str = ""
	qbo_id: str = ""
	qbo_sync_token: str = ""
	qbo_doc_number: str = ""
	revision: str = ""  # the caller's count of definitive answers stored for it (request_ids.py)


@dataclass
class PaymentReference:
	"""One invoice a Payment Entry pays: ERPNext's allocated amount and the invoice's QBO link."""

	invoice: str
	allocated: Decimal
	qbo_id: str = ""  # the invoice's QBO id, when it is in QuickBooks
	entity: str = "Invoice"  # or "CreditMemo" (a credit used up by the payment)


@dataclass
class ERPPayment:
	"""A submitted (or cancelled) ERPNext Payment Entry of type Receive, or a credit note's application
	(payments.credit_application)."""

	name: str
	customer: str
	posting_date: str
	paid_amount: Decimal
	customer_qbo_id: str = ""
	currency: str = ""
	exchange_rate: Decimal = Decimal("1")  # home-currency units per 1 unit of `currency`
	reference_no: str = ""
	mode_of_payment: str = ""
	paid_to: str = ""  # ERPNext account the money went to
	references: list[PaymentReference] = field(default_factory=list)
	docstatus: int = 1
	amended_from: str = ""
	qbo_id: str = ""
	qbo_sync_token: str = ""
	qbo_doc_number: str = ""  # the PaymentRefNum sent
	revision: str = ""  # the caller's count of definitive answers stored for it (request_ids.py)


@dataclass
class Outcome:
	"""What happened to one record in a run; the Frappe layer writes it back to the document."""

	doctype: str  # "Customer" / "Sales Invoice"
	name: str
	status: str  # one of the statuses above
	qbo_id: str = ""
	qbo_sync_token: str = ""
	doc_number: str = ""
	error_code: str = ""
	message: str = ""  # plain words for the user; empty on success
	detail: str = ""  # technical detail for the log (never secrets)
	extra: dict = field(default_factory=dict)
