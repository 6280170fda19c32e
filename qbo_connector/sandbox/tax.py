"""Sales tax on Invoice and CreditMemo: the tax a transaction carries (sent TotalTax, or computed from tax
code rates: per line outside the US, from TxnTaxDetail.TxnTaxCodeRef on the TAX lines in the US) and the
line limit Intuit sets for taxable transactions."""

from __future__ import annotations

from decimal import Decimal

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.rules import as_json_number, cents, money
from qbo_connector.sandbox.state import Realm

US_TAXABLE = "TAX"  # the US pseudo tax code of a taxable line (NON: not taxable)
MAX_TAXABLE_LINES = 750
ZERO = Decimal("0")


def compute_tax(realm: Realm, obj: dict, taxable: dict) -> tuple[Decimal, list, bool]:
	"""(total tax, TaxLine entries, tax-inclusive?). TotalTax as sent wins over any computation."""
	mode = obj.get("GlobalTaxCalculation") or "TaxExcluded"
	inclusive = not realm.is_us and mode == "TaxInclusive"
	detail = obj.get("TxnTaxDetail") or {}
	if detail.get("TotalTax") is not None:
		return cents(money(detail["TotalTax"], "TxnTaxDetail.TotalTax")), [], inclusive
	if realm.is_us:
		code = (detail.get("TxnTaxCodeRef") or {}).get("value")
		bases = {code: taxable.get(US_TAXABLE, ZERO)} if code else {}
	else:
		bases = {} if mode == "NotApplicable" else taxable
	total, tax_lines = ZERO, []
	for code_id, net in sorted(bases.items()):
		rates = rates_of(realm, code_id)
		combined = sum((rate for _, rate in rates), ZERO)
		for rate_id, rate in rates:
			amount = cents(net * rate / (100 + combined) if inclusive else net * rate / 100)
			total += amount
			tax_lines.append(tax_line(rate_id, rate, amount, net))
	return total, tax_lines, inclusive


def tax_line(rate_id: str, rate: Decimal, amount: Decimal, net: Decimal) -> dict:
	return {
		"Amount": as_json_number(amount),
		"DetailType": "TaxLineDetail",
		"TaxLineDetail": {
			"TaxRateRef": {"value": rate_id},
			"PercentBased": True,
			"TaxPercent": float(rate),
			"NetAmountTaxable": as_json_number(net),
		},
	}


def rates_of(realm: Realm, code_id: str) -> list[tuple[str, Decimal]]:
	code = realm.get("TaxCode", code_id) or {}
	details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
	out = []
	for detail in details:
		rate = realm.get("TaxRate", (detail.get("TaxRateRef") or {}).get("value")) or {}
		out.append((rate.get("Id", ""), Decimal(str(rate.get("RateValue", 0)))))
	return out


def carries_tax(realm: Realm, code_id: str) -> bool:
	"""US: the TAX pseudo code. Elsewhere: a tax code with a non-zero rate."""
	if realm.is_us:
		return code_id == US_TAXABLE
	return any(rate for _, rate in rates_of(realm, code_id))


def check_line_limit(realm: Realm, lines: list[dict], codes) -> None:
	"""Intuit: a taxable invoice has at most 750 lines (the computed SubTotalLine not counted)."""
	if len(lines) > MAX_TAXABLE_LINES and any(carries_tax(realm, code) for code in codes):
		raise faults.business(
			f"A taxable transaction can have at most {MAX_TAXABLE_LINES} lines; this one has {len(lines)}.",
			"Line",
		)
