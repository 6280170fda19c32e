"""ERPNext documents -> engine records, loaded in bulk (a fixed number of queries per run, never one
per document)."""

from __future__ import annotations

from decimal import Decimal

import frappe

from qbo_connector import constants as c
from qbo_connector import links
from qbo_connector.engine.records import (
	ERPCustomer,
	ERPInvoice,
	ERPPayment,
	InvoiceLine,
	InvoiceTax,
	PaymentReference,
)

CUSTOMER_FIELDS = [
	"name",
	"customer_name",
	"customer_type",
	"email_id",
	"mobile_no",
	"tax_id",
	"default_currency",
	"customer_primary_address",
	"customer_primary_contact",
]
ADDRESS_FIELDS = ["name", "address_line1", "address_line2", "city", "state", "pincode", "country"]
INVOICE_FIELDS = [
	"name",
	"customer",
	"company",
	"posting_date",
	"due_date",
	"currency",
	"conversion_rate",
	"grand_total",
	"rounded_total",
	"rounding_adjustment",
	"disable_rounded_total",
	"discount_amount",
	"apply_discount_on",
	"taxes_and_charges",
	"is_return",
	"return_against",
	"amended_from",
	"docstatus",
	"address_display",
	"shipping_address",
	"payment_terms_template",
	"remarks",
	"cost_center",
]
ITEM_FIELDS = [
	"parent",
	"idx",
	"item_code",
	"item_name",
	"description",
	"qty",
	"rate",
	"amount",
	"price_list_rate",
	"discount_percentage",
	"item_tax_template",
	"income_account",
	"cost_center",
]
TAX_FIELDS = [
	"parent",
	"idx",
	"charge_type",
	"account_head",
	"rate",
	"tax_amount",
	"included_in_print_rate",
	"description",
]

PAYMENT_FIELDS = [
	"name",
	"party",
	"company",
	"posting_date",
	"paid_amount",
	"paid_from_account_currency",
	"source_exchange_rate",
	"reference_no",
	"mode_of_payment",
	"paid_to",
	"docstatus",
	"amended_from",
]
REFERENCE_FIELDS = ["parent", "idx", "reference_doctype", "reference_name", "allocated_amount"]


def _dec(value) -> Decimal:
	return Decimal(str(value or 0))


def load_customers(names: list[str], realm_id: str = "") -> list[ERPCustomer]:
	"""Customers with their link in the realm (the default company's realm when empty)."""
	if not names:
		return []
	rows = frappe.get_all(
		c.CUSTOMER, filters={"name": ("in", names)}, fields=CUSTOMER_FIELDS, limit=len(names)
	)
	address_names = [r.customer_primary_address for r in rows if r.customer_primary_address]
	addresses = (
		{
			a.name: a
			for a in frappe.get_all(
				"Address",
				filters={"name": ("in", address_names)},
				fields=ADDRESS_FIELDS,
				limit=len(address_names),
			)
		}
		if address_names
		else {}
	)
	# the primary contact as it is now (Customer's email and mobile are copies made when the customer is
	# saved; an edit of the contact reaches them only on the customer's next save)
	contact_names = [r.customer_primary_contact for r in rows if r.customer_primary_contact]
	contacts = {
		r.name: r
		for r in frappe.get_all(
			"Contact",
			filters={"name": ("in", contact_names or [""])},
			fields=["name", "email_id", "mobile_no", "phone"],
			limit=len(contact_names) or 1,
		)
	}
	for row in rows:
		contact = contacts.get(row.customer_primary_contact)
		if contact:
			row.email_id = contact.email_id or row.email_id
			row.mobile_no = contact.mobile_no or contact.phone or row.mobile_no
	ids = links.qbo_ids(c.CUSTOMER, names, realm_id or default_realm())
	return [to_erp_customer(row, addresses.get(row.customer_primary_address), ids) for row in rows]


def default_realm() -> str:
	company = links.default_company()
	return (frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") if company else "") or ""


def to_erp_customer(row, address=None, ids: dict | None = None) -> ERPCustomer:
	address = address or frappe._dict()
	return ERPCustomer(
		id=row.name,
		customer_name=row.customer_name or row.name,
		customer_type=row.customer_type or "",
		email=row.email_id or "",
		phone=row.mobile_no or "",
		tax_id=row.tax_id or "",
		address_line1=address.get("address_line1") or "",
		address_line2=address.get("address_line2") or "",
		city=address.get("city") or "",
		state=address.get("state") or "",
		pincode=address.get("pincode") or "",
		country=address.get("country") or "",
		currency=row.default_currency or "",
		qbo_id=(ids or {}).get(row.name, ""),
	)


def load_invoices(names: list[str], realm_id: str = "") -> list[ERPInvoice]:
	"""Invoices with their links, and their customers' links, in the realm (the default company's
	realm when empty)."""
	if not names:
		return []
	realm_id = realm_id or default_realm()
	rows = frappe.get_all(
		c.SALES_INVOICE, filters={"name": ("in", names)}, fields=INVOICE_FIELDS, limit=len(names)
	)
	items = _children("Sales Invoice Item", names, ITEM_FIELDS)
	taxes = _children("Sales Taxes and Charges", names, TAX_FIELDS)
	customer_ids = links.qbo_ids(c.CUSTOMER, list({row.customer for row in rows}), realm_id)
	invoice_links = links.get_links(c.SALES_INVOICE, names, realm_id)
	for row in rows:
		link = invoice_links.get(row.name) or {}
		row.qbo_id = link.get("qbo_id") or ""
		row.qbo_sync_token = link.get("sync_token") or ""
		row.qbo_doc_number = link.get("doc_number") or ""
	company_currency = {
		r.name: r.default_currency
		for r in frappe.get_all("Company", fields=["name", "default_currency"], limit=1000)
	}
	return [
		to_erp_invoice(row, items.get(row.name, []), taxes.get(row.name, []), customer_ids, company_currency)
		for row in rows
	]


def _children(doctype: str, parents: list[str], fields: list[str]) -> dict[str, list]:
	grouped: dict[str, list] = {}
	for row in frappe.get_all(
		doctype,
		filters={"parent": ("in", parents), "parenttype": c.SALES_INVOICE},
		fields=fields,
		order_by="parent asc, idx asc",
		limit=0,
	):
		grouped.setdefault(row.parent, []).append(row)
	return grouped


def to_erp_invoice(row, items, taxes, customer_ids, company_currency) -> ERPInvoice:
	return ERPInvoice(
		name=row.name,
		customer=row.customer,
		posting_date=str(row.posting_date or ""),
		due_date=str(row.due_date or ""),
		grand_total=_dec(row.grand_total),
		currency=row.currency or "",
		conversion_rate=_dec(row.conversion_rate or 1),
		company_currency=company_currency.get(row.company, ""),
		lines=[
			InvoiceLine(
				item_code=i.item_code or "",
				item_name=i.item_name or "",
				description=frappe.utils.strip_html(i.description or ""),
				qty=_dec(i.qty),
				rate=_dec(i.rate),
				amount=_dec(i.amount),
				price_list_rate=_dec(i.price_list_rate),
				discount_percentage=_dec(i.discount_percentage),
				item_tax_template=i.item_tax_template or "",
				income_account=i.income_account or "",
				cost_center=i.cost_center or "",
			)
			for i in items
		],
		taxes=[
			InvoiceTax(
				charge_type=t.charge_type or "",
				account_head=t.account_head or "",
				rate=_dec(t.rate),
				tax_amount=_dec(t.tax_amount),
				included_in_print_rate=bool(t.included_in_print_rate),
				description=t.description or "",
			)
			for t in taxes
		],
		taxes_and_charges=row.taxes_and_charges or "",
		discount_amount=_dec(row.discount_amount),
		apply_discount_on=row.apply_discount_on or "Grand Total",
		rounding_adjustment=_dec(row.rounding_adjustment),
		rounded_total=_dec(row.rounded_total),
		disable_rounded_total=bool(row.disable_rounded_total),
		is_return=bool(row.is_return),
		return_against=row.return_against or "",
		amended_from=row.amended_from or "",
		docstatus=int(row.docstatus or 0),
		billing_address=frappe.utils.strip_html(row.address_display or ""),
		shipping_address=frappe.utils.strip_html(row.shipping_address or ""),
		payment_terms=row.payment_terms_template or "",
		remarks=row.remarks or "",
		cost_center=row.cost_center or "",
		customer_qbo_id=customer_ids.get(row.customer, ""),
		qbo_id=row.get("qbo_id") or "",
		qbo_sync_token=row.get("qbo_sync_token") or "",
		qbo_doc_number=row.get("qbo_doc_number") or "",
	)


def load_payments(names: list[str], realm_id: str) -> list[ERPPayment]:
	"""Payment Entries with their Sales Invoice references, each carrying the invoice's QBO id and entity
	(CreditMemo for a return) from its link in the realm, the customer's QBO id and the payment's own link.
	Six queries whatever the number of payments. Other references (orders, journal entries) are left out:
	what they hold stays unapplied credit in QuickBooks."""
	if not names:
		return []
	rows = frappe.get_all(
		c.PAYMENT_ENTRY, filters={"name": ("in", names)}, fields=PAYMENT_FIELDS, limit=len(names)
	)
	refs = frappe.get_all(
		c.PAYMENT_REFERENCE,
		filters={
			"parent": ("in", names),
			"parenttype": c.PAYMENT_ENTRY,
			"reference_doctype": c.SALES_INVOICE,
		},
		fields=REFERENCE_FIELDS,
		order_by="parent asc, idx asc",
		limit=0,
	)
	invoice_links = links.get_links(c.SALES_INVOICE, list({r.reference_name for r in refs}), realm_id)
	customer_ids = links.qbo_ids(c.CUSTOMER, list({r.party for r in rows}), realm_id)
	payment_links = links.get_links(c.PAYMENT_ENTRY, names, realm_id)
	grouped: dict[str, list[PaymentReference]] = {}
	for ref in refs:
		link = invoice_links.get(ref.reference_name) or frappe._dict()
		allocated = _dec(ref.allocated_amount)
		entity = link.qbo_entity or ("CreditMemo" if allocated < 0 else "Invoice")
		grouped.setdefault(ref.parent, []).append(
			PaymentReference(ref.reference_name, abs(allocated), link.qbo_id or "", entity)
		)
	return [
		to_erp_payment(row, grouped.get(row.name, []), customer_ids, payment_links.get(row.name))
		for row in rows
	]


def to_erp_payment(row, references, customer_ids, link=None) -> ERPPayment:
	link = link or frappe._dict()
	return ERPPayment(
		name=row.name,
		customer=row.party,
		posting_date=str(row.posting_date or ""),
		paid_amount=_dec(row.paid_amount),
		customer_qbo_id=customer_ids.get(row.party, ""),
		currency=row.paid_from_account_currency or "",
		exchange_rate=_dec(row.source_exchange_rate or 1),
		reference_no=row.reference_no or "",
		mode_of_payment=row.mode_of_payment or "",
		paid_to=row.paid_to or "",
		references=references,
		docstatus=int(row.docstatus or 0),
		amended_from=row.amended_from or "",
		qbo_id=link.qbo_id or "",
		qbo_sync_token=link.sync_token or "",
		qbo_doc_number=link.doc_number or "",
	)
