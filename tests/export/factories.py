"""Builders for ERPNext invoices and export settings used across the export tests."""

from __future__ import annotations

from decimal import ROUND_HALF_UP
from decimal import Decimal as D

from qbo_connector.engine.invoices import ExportSettings
from qbo_connector.engine.records import ERPInvoice, InvoiceLine, InvoiceTax


def line(code="WIDGET", qty="1", rate="100", amount=None, **kw) -> InvoiceLine:
	qty, rate = D(qty), D(rate)
	value = D(amount) if amount is not None else (qty * rate).quantize(D("0.01"))
	return InvoiceLine(
		item_code=code, item_name=kw.pop("item_name", code.title()), qty=qty, rate=rate, amount=value, **kw
	)


def tax(amount, rate="10", included=False, account="VAT - C") -> InvoiceTax:
	return InvoiceTax("On Net Total", account, D(rate), D(amount), included)


def invoice(name="SINV-0001", lines=None, taxes=(), **kw) -> ERPInvoice:
	lines = list(lines) if lines is not None else [line()]
	grand = kw.pop("grand_total", None)
	if grand is None:
		total = sum((ln.amount for ln in lines), D(0))
		grand = total + sum((t.tax_amount for t in taxes if not t.included_in_print_rate), D(0))
		grand -= D(kw.get("discount_amount", 0))
	kw.setdefault("customer_qbo_id", "1")
	kw.setdefault("posting_date", "2026-01-15")
	return ERPInvoice(
		name=name,
		customer=kw.pop("customer", "Acme"),
		grand_total=D(grand),
		lines=lines,
		taxes=list(taxes),
		**kw,
	)


def settings(**kw) -> ExportSettings:
	base = dict(
		us_company=False,
		home_currency="USD",
		default_item_id="1",
		tax_map={"VAT 10%": "10", "VAT - C": "10", "Zero Rated": "0"},
		default_tax_code="10",
		zero_tax_code="0",
	)
	base.update(kw)
	return ExportSettings(**base)


def qbo_total(payload: dict, us: bool = False) -> D:
	"""TotalAmt as QBO (and the sandbox) compute it from what we send."""
	lines = payload["Line"]
	subtotal = sum((D(str(ln["Amount"])) for ln in lines if ln["DetailType"] == "SalesItemLineDetail"), D(0))
	discount = sum((D(str(ln["Amount"])) for ln in lines if ln["DetailType"] == "DiscountLineDetail"), D(0))
	tax_total = D(str(payload.get("TxnTaxDetail", {}).get("TotalTax", 0)))
	inclusive = not us and payload.get("GlobalTaxCalculation") == "TaxInclusive"
	return (subtotal - discount + (0 if inclusive else tax_total)).quantize(D("0.01"))


def consistent_lines(payload: dict) -> bool:
	for ln in payload["Line"]:
		detail = ln.get("SalesItemLineDetail")
		if detail and "Qty" in detail:
			product = D(str(detail["Qty"])) * D(str(detail["UnitPrice"]))
			if product.quantize(D("0.01"), rounding=ROUND_HALF_UP) != D(str(ln["Amount"])):
				return False
	return True
