"""Sales tax on Invoice and CreditMemo: the tax a transaction carries and the line limit Intuit sets for
taxable transactions. Each rule names its source; what Intuit does not document is a realm switch.

US (Intuit, "Manage sales tax for US locales",
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-us-locales, and the blog
"Using QuickBooks Online API for automated sales tax",
https://developer.intuit.com/hub/blog/2017/12/11/using-quickbooks-online-api-automated-sales-tax/):
lines are TAX or NON; the rates are those of TxnTaxDetail.TxnTaxCodeRef, on the TAX lines; "whenever an
explicit tax amount is sent in the transaction request the AST engine honors the amount and prorates it
across tax rates". A TotalTax sent is honoured.

Non-US (Intuit, "Manage sales tax for non-US locales", section "The tax model at a glance",
https://developer.intuit.com/app/developer/qbo/docs/workflows/manage-sales-tax-for-non-us-locales):
- sales transactions "use TaxCode objects to specify sales tax at the line level so that QuickBooks Online
  knows the tax rate to use when calculating taxes": every line carries a TaxCodeRef;
- "for each taxable line, a TaxCode is applied to the line. In this context, TaxCode references one or more
  rates in the TaxRate object's SalesTaxRateList": a line's tax is its amount at each of its code's rates;
- the TaxCode is "returned in the transaction object's TxnTaxDetail element to define the sales tax rate
  and amount for the entire transaction": TxnTaxDetail is QuickBooks' output, one TaxLine per rate with
  its NetAmountTaxable (the sum of the lines whose code carries that rate).
So a line sent with the wrong code is taxed at that code's rate: a wrong total, or a wrong rate in the
TaxLine breakdown (NetAmountTaxable under the wrong rate).

What an explicit TxnTaxDetail sent on a non-US transaction does is not documented (the non-US page
describes no override; the override Intuit documents is the US AST one above). Realm switch
`tax_override` (seed key of the realm, or `Realm.tax_override`):
- "recompute" (default): QuickBooks computes the tax from the line codes, and the TotalTax and TaxLine sent
  are replaced by its own figures. This is what integrators report (routablehq/python-quickbooks#301: "I
  cannot change total tax amount. It always only calculates it based on tax percent").
- "prorate": a TotalTax sent is honoured and prorated over the rates the line codes carry, in proportion
  to the tax QuickBooks computed for each (the US AST rule applied outside the US). It changes amounts,
  never the base: NetAmountTaxable per rate still comes from the line codes. It cannot put tax on a
  transaction whose lines carry no non-zero rate: that is refused (6000).
Either way TaxLine entries sent are not taken as given: the breakdown is rebuilt from the line codes.
"""

from __future__ import annotations

from decimal import Decimal

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.rules import as_json_number, cents, money
from qbo_connector.sandbox.state import Realm

US_TAXABLE = "TAX"  # the US pseudo tax code of a taxable line (NON: not taxable)
MAX_TAXABLE_LINES = 750
ZERO = Decimal("0")
TAX_OVERRIDES = ("recompute", "prorate")


def compute_tax(realm: Realm, obj: dict, taxable: dict) -> tuple[Decimal, list, bool]:
	"""(total tax, TaxLine entries, tax-inclusive?) for the taxable net per line tax code."""
	mode = obj.get("GlobalTaxCalculation") or "TaxExcluded"
	inclusive = not realm.is_us and mode == "TaxInclusive"
	detail = obj.get("TxnTaxDetail") or {}
	sent = detail.get("TotalTax")
	sent = cents(money(sent, "TxnTaxDetail.TotalTax")) if sent is not None else None
	if realm.is_us:
		code = (detail.get("TxnTaxCodeRef") or {}).get("value")
		bases = {code: taxable.get(US_TAXABLE, ZERO)} if code else {}
	else:
		bases = {} if mode == "NotApplicable" else taxable
	per_rate = computed_by_rate(realm, bases, inclusive)
	total = sum((amount for _, _, _, amount in per_rate.values()), ZERO)
	if realm.is_us and sent is not None:
		# AST blog: "the AST engine honors the amount and prorates it across tax rates"; without a code
		# whose rates we know (AST picks them from the address, not emulated) the amount stands alone
		weighted = any(exact > 0 for _, _, exact, _ in per_rate.values())
		per_rate = prorate(per_rate, sent) if weighted else {}
		total = sent
	elif sent is not None and realm.tax_override == "prorate" and sent != total:
		per_rate = prorate(per_rate, sent)
		total = sent
	tax_lines = [tax_line(rate_id, rate, amount, net) for rate_id, (rate, net, _, amount) in per_rate.items()]
	return total, tax_lines, inclusive


def computed_by_rate(realm: Realm, bases: dict, inclusive: bool) -> dict[str, tuple]:
	"""Rate id -> (rate, taxable net, exact tax, tax in cents), from each code's SalesTaxRateList."""
	out: dict[str, tuple] = {}
	for code_id, net in sorted(bases.items()):
		rates = rates_of(realm, code_id)
		combined = sum((rate for _, rate in rates), ZERO)
		for rate_id, rate in rates:
			exact = net * rate / (100 + combined) if inclusive else net * rate / 100
			_, old_net, old_exact, _ = out.get(rate_id, (rate, ZERO, ZERO, ZERO))
			out[rate_id] = (rate, old_net + net, old_exact + exact, cents(old_exact + exact))
	return out


def prorate(per_rate: dict[str, tuple], total: Decimal) -> dict[str, tuple]:
	"""Spread an explicit TotalTax over the rates in proportion to their computed tax (whole cents)."""
	weights = {rate_id: exact for rate_id, (_, _, exact, _) in per_rate.items() if exact > 0}
	if total and not weights:
		raise faults.business(
			f"TxnTaxDetail.TotalTax {total} can't be charged: no line carries a tax code with a non-zero rate.",
			"TxnTaxDetail.TotalTax",
		)
	base = sum(weights.values(), ZERO)
	units = int(total * 100)
	shares = {rate_id: int(units * weight / base) for rate_id, weight in weights.items()}
	left = units - sum(shares.values())
	for rate_id in sorted(weights, key=lambda r: units * weights[r] / base - shares[r], reverse=True)[:left]:
		shares[rate_id] += 1
	return {
		rate_id: (rate, net, exact, Decimal(shares.get(rate_id, 0)) / 100)
		for rate_id, (rate, net, exact, _) in per_rate.items()
	}


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
