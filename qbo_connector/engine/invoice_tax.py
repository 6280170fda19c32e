"""Tax codes on an invoice's lines and its TxnTaxDetail: which QuickBooks tax code each line carries (US:
the TAX/NON pseudo codes; elsewhere the mapped code, or a zero-rated one, never the standard code with no
tax), the rounding line's code, and the invoice's tax detail. Reasons to hold are appended to `reasons`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qbo_connector.engine.invoice_amounts import Amounts
from qbo_connector.engine.records import ERPInvoice, InvoiceLine

if TYPE_CHECKING:
	from qbo_connector.engine.invoices import ExportSettings

US_TAX, US_NON = "TAX", "NON"


def resolve_tax_code(inv: ERPInvoice, line: InvoiceLine, settings: ExportSettings, reasons: list[str]) -> str:
	"""The line's TaxCode: its own, its item tax template's, the invoice template's, the tax account's.
	US companies use the pseudo codes TAX/NON on lines."""
	tax_map = settings.tax_map
	if line.qbo_tax_code:
		return line.qbo_tax_code
	if settings.us_company:
		return US_NON if not inv.taxes or tax_map.get(line.item_tax_template) == US_NON else US_TAX
	if line.item_tax_template:
		if line.item_tax_template in tax_map:
			return tax_map[line.item_tax_template]
		reasons.append(f"Item tax template '{line.item_tax_template}' has no QuickBooks tax code.")
		return ""
	if not inv.taxes:
		if not settings.zero_tax_code:
			reasons.append(no_zero_code_reason("The invoice has no taxes", settings))
		return settings.zero_tax_code
	keys = [inv.taxes_and_charges] + [t.account_head for t in inv.taxes]
	code = next((tax_map[k] for k in keys if k and k in tax_map), settings.default_tax_code)
	if not code:
		template = inv.taxes_and_charges or inv.taxes[0].account_head
		reasons.append(f"Tax template '{template}' has no QuickBooks tax code.")
	return code


def no_zero_code_reason(what: str, settings: ExportSettings) -> str:
	"""Never the standard code with no tax: QuickBooks would charge its rate (or report the sale under it)."""
	exempt = (
		f" QuickBooks has an exempt code (id {settings.exempt_tax_code}): map it in Tax Mappings if these "
		"sales are exempt."
		if settings.exempt_tax_code
		else ""
	)
	return (
		f"{what}, but no zero-rated QuickBooks tax code (a code whose rates are all 0%) was found or mapped; "
		f"add one in QuickBooks or map one in Tax Mappings.{exempt}"
	)


def rounding_tax_code(settings: ExportSettings, reasons: list[str]) -> str:
	"""The rounding line's code: NON in the US; elsewhere a no-VAT code, else the zero-rated one."""
	if settings.us_company:
		return US_NON
	code = settings.rounding_tax_code or settings.zero_tax_code
	if not code:
		reasons.append(no_zero_code_reason("The invoice has a rounding adjustment", settings))
	return code


def is_taxable(code: str, settings: ExportSettings) -> bool:
	if settings.us_company:
		return code != US_NON
	return bool(code) and code != settings.zero_tax_code and code not in settings.zero_tax_codes


def map_taxes(inv: ERPInvoice, settings: ExportSettings, amounts: Amounts, reasons: list[str]) -> dict:
	"""US: TxnTaxDetail with the sales tax code (or an AST override). Non-US: GlobalTaxCalculation."""
	detail: dict = {"TotalTax": float(amounts.tax_total)}
	if settings.us_company:
		if amounts.tax_total and not settings.automated_sales_tax:
			code = settings.tax_map.get(inv.taxes_and_charges) or settings.default_tax_code
			if code and code not in (US_TAX, US_NON):
				detail["TxnTaxCodeRef"] = {"value": code}
			else:
				reasons.append(
					f"Sales tax '{inv.taxes_and_charges or 'on this invoice'}' has no QuickBooks tax rate code."
				)
		return {"TxnTaxDetail": detail}
	mode = "TaxInclusive" if amounts.inclusive else "TaxExcluded"
	return {"GlobalTaxCalculation": mode, "TxnTaxDetail": detail}
