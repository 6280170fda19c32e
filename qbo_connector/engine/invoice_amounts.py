"""The money side of invoice mapping: from ERPNext's figures to QBO line amounts that add up, to the
cent, to ERPNext's (rounded) grand total. Framework-free; Decimal throughout.

QBO computes TotalAmt = sum(sales line Amount) - DiscountLine + TxnTaxDetail.TotalTax, except with
GlobalTaxCalculation=TaxInclusive, where line Amounts carry their tax and TotalTax is not added. We send:
- TaxInclusive (non-US, every ERPNext tax included in the print rate): lines at ERPNext's gross amounts;
- otherwise every line at its *net* amount (inclusive taxes taken out, spread over the taxable lines)
  and TotalTax = all of ERPNext's taxes (inclusive and exclusive), as an override of QBO's own;
- the invoice discount either folded into the line amounts ("net") or as one DiscountLine ("line"; outside
  the US only when no rounding line or folded rounding would change QBO's tax base);
- in "line" mode (the QBO company allows discounts) ERPNext's line discounts too: such a line goes out at
  Qty x price_list_rate and what ERPNext took off it joins the one DiscountLine, when that cannot change the
  tax QBO computes (US, where our TotalTax stands; elsewhere only when every line carries one tax code and
  there is no rounding line, since QBO spreads a DiscountLine over the lines in proportion). QBO's documented
  sales discount is the transaction's DiscountLineDetail; the web app's invoice has no per-line discount
  column, so line discounts are not sent as SalesItemLineDetail.DiscountAmt/DiscountRate;
- ERPNext's rounding adjustment as a line on the rounding item, or folded into the lines.
Amounts are oriented positive: a return (negative in ERPNext) is negated, since it becomes a CreditMemo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0")
PRICE_STEP = Decimal("0.00001")  # UnitPrice precision we send
QTY_STEP = Decimal("0.00001")
MAX_AMOUNT = Decimal("9999999999999.99")  # beyond this, JSON numbers lose cents


class AmountProblem(ValueError):
	"""ERPNext's figures cannot be sent as they are; the message is for the user."""


@dataclass
class Amounts:
	target: Decimal  # what QBO's TotalAmt must be (rounded total when rounding is on)
	nets: list[Decimal]  # per ERPNext line, the amount to send
	tax_total: Decimal  # TxnTaxDetail.TotalTax
	discount: Decimal  # DiscountLine amount (0 when folded or none)
	rounding: Decimal  # rounding line amount (0 when folded or none)
	inclusive: bool  # send GlobalTaxCalculation=TaxInclusive (line amounts include the tax)
	line_discounts: list[Decimal] = field(default_factory=list)  # per line, moved into the DiscountLine
	invoice_discount: Decimal = ZERO  # the invoice-level part of the DiscountLine


def money(value) -> str:
	"""A Decimal rendered for messages: 1234.5 -> '1,234.50'."""
	return f"{Decimal(value):,.2f}"


def cents(value) -> Decimal:
	return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def check_cents(value, what: str) -> Decimal:
	"""The value as a Decimal, or AmountProblem if it has fractions of a cent or is absurdly large."""
	try:
		amount = Decimal(value)
	except (InvalidOperation, TypeError, ValueError):
		raise AmountProblem(f"{what} is not a number ({value!r}).")
	if not amount.is_finite():
		raise AmountProblem(f"{what} is not a number ({value!r}).")
	if abs(amount) > MAX_AMOUNT:
		raise AmountProblem(f"{what} ({amount}) is larger than QuickBooks can store.")
	if amount != amount.quantize(CENT):
		raise AmountProblem(
			f"{what} ({amount}) has fractions of a cent; QuickBooks stores amounts to 2 decimals."
		)
	return amount.quantize(CENT)


def distribute(total: Decimal, weights: list[Decimal]) -> list[Decimal]:
	"""Split `total` (whole cents) over `weights` in proportion, largest remainder first, so the
	parts add up exactly. Lines with weight <= 0 get nothing."""
	positive = [w if w > 0 else ZERO for w in weights]
	base = sum(positive)
	if not total:
		return [ZERO] * len(weights)
	if base <= 0:
		raise AmountProblem("There is no line to spread the discount or tax over.")
	units = int((total / CENT).to_integral_value())
	sign = 1 if units >= 0 else -1
	raw = [abs(units) * w / base for w in positive]
	floors = [int(r) for r in raw]
	left = abs(units) - sum(floors)
	order = sorted(range(len(raw)), key=lambda i: (raw[i] - floors[i], -i), reverse=True)
	for i in order[:left]:
		floors[i] += 1
	return [Decimal(sign * f) * CENT for f in floors]


def rounding_target(inv, sign: int, grand: Decimal) -> Decimal:
	"""ERPNext's rounded total when rounding is on (and checked against the adjustment), else grand."""
	if inv.disable_rounded_total:
		return grand
	rounded = check_cents(inv.rounded_total or 0, "The rounded total") * sign
	adjustment = check_cents(inv.rounding_adjustment or 0, "The rounding adjustment") * sign
	if not rounded and not adjustment:
		return grand  # rounding fields left empty: nothing to honour
	if rounded - grand != adjustment:
		raise AmountProblem(
			f"The rounding adjustment ({money(adjustment)}) does not match the rounded total "
			f"({money(rounded)}) minus the grand total ({money(grand)})."
		)
	return rounded


def compute_amounts(inv, taxable: list[bool], settings, codes: list[str] | None = None) -> Amounts:
	"""Line amounts, tax, discount and rounding for QBO. Raises AmountProblem when ERPNext's own
	figures do not add up (the invoice is then held with that sentence). `codes`: the lines' tax codes."""
	sign = -1 if inv.is_return else 1
	amounts = [check_cents(line.amount, f"Line {i + 1}'s amount") * sign for i, line in enumerate(inv.lines)]
	grand = check_cents(inv.grand_total, "The grand total") * sign
	target = rounding_target(inv, sign, grand)
	included = sum(
		(check_cents(t.tax_amount, "A tax amount") for t in inv.taxes if t.included_in_print_rate), ZERO
	)
	excluded = sum(
		(check_cents(t.tax_amount, "A tax amount") for t in inv.taxes if not t.included_in_print_rate), ZERO
	)
	included, excluded = included * sign, excluded * sign
	items_total = sum(amounts, ZERO)
	off = items_total + excluded - grand  # what ERPNext took off the lines + taxes (its discount)
	check_discount(inv, off, items_total, excluded, grand)
	if included and not any(taxable):
		raise AmountProblem("The invoice has an inclusive tax but no taxable line to take it from.")
	inclusive = bool(included) and not excluded and not settings.us_company
	nets = amounts
	if not inclusive:
		weights = [a if t else ZERO for a, t in zip(amounts, taxable, strict=True)]
		nets = [a - s for a, s in zip(amounts, distribute(included, weights), strict=True)]
	rounding = target - grand if settings.rounding_item_id else ZERO
	fold = off - (target - grand - rounding)  # discount, with the rounding folded in when no item
	discount = invoice_discount = ZERO
	# Outside the US QBO computes the tax and spreads a DiscountLine over every line, the rounding line too:
	# the invoice discount goes on a DiscountLine only when that gives ERPNext's tax base (no rounding line,
	# and no rounding folded into it); else it is folded into the lines as in "net" mode.
	spread_ok = settings.us_company or (not rounding and fold == off)
	if settings.discount_mode == "line" and fold > 0 and spread_ok:
		discount, fold = fold, ZERO
		invoice_discount = discount
	shown = []
	if settings.discount_mode == "line" and line_discounts_fit(
		inv, settings, codes, included, inclusive, rounding
	):
		shown = line_discounts(inv, sign, amounts)
		nets = [n + d for n, d in zip(nets, shown, strict=True)]
		discount += sum(shown, ZERO)
	if fold:
		nets = [n - s for n, s in zip(nets, distribute(fold, nets), strict=True)]
	total = sum(nets, ZERO) - discount + (ZERO if inclusive else included + excluded) + rounding
	if total != target:  # a bug guard: never send an invoice whose total we know is wrong
		raise AmountProblem(f"Internal check failed: QuickBooks total {money(total)} != {money(target)}.")
	amounts_out = Amounts(target, nets, included + excluded, discount, rounding, inclusive)
	amounts_out.line_discounts = shown if any(shown) else []
	amounts_out.invoice_discount = invoice_discount
	return amounts_out


def line_discounts_fit(inv, settings, codes, included: Decimal, inclusive: bool, rounding: Decimal) -> bool:
	"""Whether ERPNext's line discounts can join the DiscountLine without changing QBO's tax: QBO spreads a
	DiscountLine over the lines in proportion (ApplyTaxAfterDiscount), so outside the US (where QBO computes
	the tax from the line codes) every line must carry the same code and no rounding line may share the
	subtotal; and no inclusive tax may have been taken out of the lines' amounts."""
	if included and not inclusive:
		return False
	if settings.us_company:
		return True
	return codes is not None and len(set(codes)) == 1 and not rounding


def line_discounts(inv, sign: int, amounts: list[Decimal]) -> list[Decimal]:
	"""Per line, what ERPNext took off its price list price: Qty x price_list_rate - amount (0 when none)."""
	out = []
	for line, amount in zip(inv.lines, amounts, strict=True):
		try:
			qty, list_rate, rate = Decimal(line.qty), Decimal(line.price_list_rate or 0), Decimal(line.rate)
		except (InvalidOperation, TypeError, ValueError):
			out.append(ZERO)
			continue
		usable = qty.is_finite() and list_rate.is_finite() and rate.is_finite() and qty * sign > 0
		if not usable or list_rate <= 0 or list_rate <= rate or list_rate > MAX_AMOUNT:
			out.append(ZERO)
			continue
		taken = cents(qty * list_rate) * sign - amount
		out.append(taken if taken > 0 else ZERO)
	return out


def check_discount(inv, off: Decimal, items_total: Decimal, excluded: Decimal, grand: Decimal) -> None:
	"""ERPNext's discount must explain the gap between lines + taxes and the grand total."""
	stated = abs(check_cents(inv.discount_amount or 0, "The discount amount"))
	explained = off == stated if inv.apply_discount_on == "Net Total" or not stated else ZERO <= off <= stated
	if not explained:
		raise AmountProblem(
			f"The amounts do not add up: lines {money(items_total)} + taxes {money(excluded)} - discount "
			f"{money(stated)} does not give the grand total {money(grand)}."
		)


def qty_and_price(qty, rate, net: Decimal, sign: int) -> tuple[Decimal, Decimal] | None:
	"""(Qty, UnitPrice) with Qty x UnitPrice == net to the cent, or None when only Qty 1 would do."""
	try:
		q = Decimal(qty) * sign
		r = Decimal(rate)
	except (InvalidOperation, TypeError, ValueError):
		return None
	if not q.is_finite() or not r.is_finite() or q <= 0 or q != q.quantize(QTY_STEP) or q > MAX_AMOUNT:
		return None
	if r == r.quantize(PRICE_STEP) and abs(r) <= MAX_AMOUNT and cents(q * r) == net:
		return q, r
	price = (net / q).quantize(PRICE_STEP, rounding=ROUND_HALF_UP)
	if cents(q * price) == net:
		return q, price
	return None


def qbo_total(obj: dict) -> Decimal:
	"""TotalAmt of a QBO invoice/credit memo as a Decimal (0 when absent)."""
	return Decimal(str(obj.get("TotalAmt", 0) or 0)).quantize(CENT)
