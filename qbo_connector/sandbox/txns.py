"""Sales transactions: Invoice and CreditMemo totals (lines, discounts, tax, currency, DocNumber) and Payment
application, plus the balances that follow from them."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.rules import as_json_number, cents, money
from qbo_connector.sandbox.state import Realm, name_key
from qbo_connector.sandbox.tax import check_line_limit, compute_tax

SALES = "SalesItemLineDetail"
DISCOUNT = "DiscountLineDetail"
SUBTOTAL = "SubTotalLineDetail"
LINE_TYPES = (SALES, DISCOUNT, SUBTOTAL, "DescriptionOnly", "GroupLineDetail")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MISSING_TAX = "Make sure all your transactions have a GST/VAT rate before you save."
CUSTOMER_OPTIONAL = ("SalesReceipt", "RefundReceipt")
ZERO = Decimal("0")
PAYMENT_REF_MAX = 21


def check_date(obj: dict, field: str) -> None:
	value = obj.get(field)
	if value is None:
		return
	try:
		if not ISO_DATE.match(str(value)):
			raise ValueError(value)
		date.fromisoformat(str(value))
	except ValueError:
		raise faults.invalid_property(f"{field} value '{value}' is not a valid date (yyyy-MM-dd)", field)


def check_books_open(realm: Realm, obj: dict | None, existing: dict | None = None) -> None:
	"""Closed books: with a closing date set (Preferences.AccountingInfoPrefs.BookCloseDate, Intuit's Preferences
	reference: https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences), a
	transaction dated on or before it can't be created, changed, voided or deleted through the API. QuickBooks
	answers 6210 "Account Period Closed", detail "The account period has closed and the account books cannot be
	updated through the QBO Services API. Please use the QBO website to make these changes." Intuit's own pages
	found no table row for 6210; the code and words are those integrators report (Synder, AutoEntry, LeanLaw
	help pages), and "on or before" follows QuickBooks' "Close the books" setting (LeanLaw: "any invoices dated
	on or before that date will trigger this error")."""
	closed = realm.book_close_date
	if not closed:
		return
	for txn in (obj, existing):
		day = str((txn or {}).get("TxnDate") or "")[:10]
		if day and day <= closed:
			raise faults.period_closed()


def prepare_sale(realm: Realm, entity: str, obj: dict, existing: dict | None, options: dict) -> dict:
	"""Invoice, CreditMemo, SalesReceipt, RefundReceipt, Estimate: validate, then compute lines, tax, totals
	and numbering like QBO. CustomerRef is required on Invoice, CreditMemo and Estimate and optional on
	SalesReceipt and RefundReceipt (Intuit's API reference, "Create a ..." minimum elements of each entity:
	https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/salesreceipt)."""
	if existing and (entity, obj["Id"]) in realm.voided:
		raise faults.business("You can't edit a voided transaction.")
	if entity in CUSTOMER_OPTIONAL:
		customer = realm.get("Customer", (obj.get("CustomerRef") or {}).get("value"))
	else:
		customer = customer_of(realm, obj)
	for field in ("TxnDate", "DueDate", "ExpirationDate", "ShipDate"):
		check_date(obj, field)
	obj.setdefault("TxnDate", realm.clock.today())
	check_books_open(realm, obj, existing)
	if entity in ("Invoice", "CreditMemo"):
		obj.setdefault("DueDate", due_date(realm, obj))
	lines = [dict(line) for line in obj.get("Line") or [] if line.get("DetailType") != SUBTOTAL]
	if not any(line.get("DetailType") in (SALES, "DescriptionOnly", "GroupLineDetail") for line in lines):
		raise faults.required("Line", "Required parameter Line is missing in the request")
	subtotal, taxable = price_lines(realm, lines)
	check_line_limit(realm, lines, taxable)
	discounts = [line for line in lines if line.get("DetailType") == DISCOUNT]
	if discounts and not realm.allow_discount:
		raise faults.business(
			"Discounts are turned off for this company (Preferences.SalesFormsPrefs.AllowDiscount is false): "
			"a DiscountLineDetail line can't be used.",
			"Line.DiscountLineDetail",
		)
	discount = sum((discount_of(line, subtotal) for line in discounts), ZERO)
	if discount:
		factor = (subtotal - discount) / subtotal if subtotal and obj.get("ApplyTaxAfterDiscount") else 1
		taxable = {key: net * factor for key, net in taxable.items()}
	tax, tax_lines, inclusive = compute_tax(realm, obj, taxable)
	total = subtotal - discount + (ZERO if inclusive else tax)
	lines.append({"Amount": as_json_number(subtotal), "DetailType": SUBTOTAL, SUBTOTAL: {}})
	obj["Line"] = lines
	code = (obj.get("TxnTaxDetail") or {}).get("TxnTaxCodeRef")
	obj["TxnTaxDetail"] = {
		**({"TxnTaxCodeRef": code} if code else {}),
		"TotalTax": as_json_number(tax),
		**({"TaxLine": tax_lines} if tax_lines else {}),
	}
	obj["TotalAmt"] = as_json_number(total)
	apply_currency(realm, obj, customer, total)
	apply_doc_number(realm, entity, obj, options)
	if entity not in ("Invoice", "CreditMemo"):
		return settle_receipt(realm, entity, obj)
	paid = (
		Decimal(str(existing.get("TotalAmt", 0))) - Decimal(str(existing.get("Balance", 0)))
		if existing
		else ZERO
	)
	if cents(total) < paid:
		raise faults.business("The transaction total can't be less than the payments already applied to it.")
	obj["Balance"] = as_json_number(total - paid)
	if entity == "CreditMemo":
		obj["RemainingCredit"] = obj["Balance"]
	return obj


def settle_receipt(realm: Realm, entity: str, obj: dict) -> dict:
	"""SalesReceipt and RefundReceipt are paid when made: Balance 0, money into (or out of) an account.
	Intuit's RefundReceipt reference (.../all-entities/refundreceipt) lists DepositToAccountRef, the account the
	refund is paid from, as required; the SalesReceipt and Payment references (.../all-entities/salesreceipt,
	.../payment) send money to Undeposited Funds when DepositToAccountRef is left out. An Estimate carries no
	balance; its TxnStatus starts Pending (.../all-entities/estimate, TxnStatus)."""
	if entity == "Estimate":
		obj.pop("Balance", None)
		obj.setdefault("TxnStatus", "Pending")
		return obj
	obj["Balance"] = 0.0
	if entity == "RefundReceipt" and not obj.get("DepositToAccountRef"):
		raise faults.required("DepositToAccountRef")
	if not obj.get("DepositToAccountRef"):
		funds = undeposited_funds(realm)
		if funds:
			obj["DepositToAccountRef"] = {"value": funds["Id"], "name": funds["Name"]}
	return obj


def undeposited_funds(realm: Realm) -> dict | None:
	accounts = realm.all("Account")
	return next((row for row in accounts if row.get("AccountSubType") == "UndepositedFunds"), None) or next(
		(row for row in accounts if row.get("Name") == "Undeposited Funds"), None
	)


def customer_of(realm: Realm, obj: dict) -> dict:
	ref = obj.get("CustomerRef")
	if not ref:
		raise faults.required("CustomerRef")
	return realm.get("Customer", ref["value"])  # existence and Active are checked with the other references


def due_date(realm: Realm, obj: dict) -> str:
	days = 0
	term = realm.get("Term", (obj.get("SalesTermRef") or {}).get("value"))
	if term:
		days = int(term.get("DueDays") or 0)
	return (date.fromisoformat(obj["TxnDate"]) + timedelta(days=days)).isoformat()


def price_lines(realm: Realm, lines: list[dict]) -> tuple[Decimal, dict]:
	"""Checks each sales line; returns the subtotal and the taxable net per tax code."""
	subtotal, taxable = ZERO, defaultdict(Decimal)
	line_id = max([int(line["Id"]) for line in lines if str(line.get("Id", "")).isdigit()] or [0])
	for line in lines:
		kind = line.get("DetailType")
		if kind not in LINE_TYPES:
			raise faults.invalid_property(f"DetailType value '{kind}' is not supported", "Line.DetailType")
		if kind != SALES:
			continue
		detail = line.setdefault(SALES, {})
		amount = money(line.get("Amount"), "Line.Amount") if line.get("Amount") is not None else None
		qty, price = detail.get("Qty"), detail.get("UnitPrice")
		if amount is None:
			if qty is None or price is None:
				raise faults.required("Line.Amount")
			amount = cents(
				money(qty, "Line.SalesItemLineDetail.Qty")
				* money(price, "Line.SalesItemLineDetail.UnitPrice")
			)
		elif qty not in (None, 0) and price is not None:
			expected = cents(
				money(qty, "Line.SalesItemLineDetail.Qty")
				* money(price, "Line.SalesItemLineDetail.UnitPrice")
			)
			if cents(amount) != expected:
				raise faults.business(
					f"Amount is not equal to UnitPrice * Qty. Supplied value:{amount}",
					"Line.Amount",
					code=6070,
				)
		line["Amount"] = as_json_number(amount)
		if not detail.get("ItemRef"):
			detail["ItemRef"] = default_item(realm)
		code = (detail.get("TaxCodeRef") or {}).get("value")
		if not code and not realm.is_us:
			raise faults.business(MISSING_TAX, "Line.SalesItemLineDetail.TaxCodeRef")
		if code:
			taxable[code] += cents(amount)
		subtotal += cents(amount)
	for line in lines:
		if not line.get("Id"):
			line_id += 1
			line["Id"] = str(line_id)
		line["LineNum"] = int(line["Id"]) if str(line["Id"]).isdigit() else line.get("LineNum", 0)
	return subtotal, taxable


def default_item(realm: Realm) -> dict:
	"""QBO books a line without ItemRef to its default "Services" item."""
	items = sorted(realm.all("Item"), key=lambda row: int(row["Id"]) if row["Id"].isdigit() else 0)
	chosen = next((row for row in items if row.get("Name") == "Services" and row.get("Active", True)), None)
	chosen = chosen or next((row for row in items if row.get("Active", True)), None)
	if chosen is None:
		raise faults.required("Line.SalesItemLineDetail.ItemRef")
	return {"value": chosen["Id"], "name": chosen["Name"]}


def discount_of(line: dict, subtotal: Decimal) -> Decimal:
	detail = line.setdefault(DISCOUNT, {})
	if detail.get("PercentBased"):
		amount = cents(
			subtotal
			* money(detail.get("DiscountPercent", 0), "Line.DiscountLineDetail.DiscountPercent")
			/ 100
		)
	else:
		amount = cents(money(line.get("Amount", 0), "Line.Amount"))
	line["Amount"] = as_json_number(amount)
	return amount


def apply_currency(realm: Realm, obj: dict, customer: dict | None, total: Decimal) -> None:
	customer_currency = ((customer or {}).get("CurrencyRef") or {}).get("value") or realm.home_currency
	currency = (obj.get("CurrencyRef") or {}).get("value") or customer_currency
	if currency != realm.home_currency and not realm.multicurrency:
		raise faults.business(
			f"Multicurrency is not enabled; currency {currency} can't be used.", "CurrencyRef"
		)
	if realm.multicurrency and currency != customer_currency:
		raise faults.business(
			f"The transaction currency ({currency}) must match the customer's currency ({customer_currency}).",
			"CurrencyRef",
		)
	obj["CurrencyRef"] = {"value": currency, "name": currency}
	if currency == realm.home_currency:
		obj.pop("ExchangeRate", None)
		return
	rate = obj.get("ExchangeRate")
	rate = money(rate, "ExchangeRate") if rate is not None else realm.exchange_rates.get(currency)
	if rate is None or rate <= 0:
		raise faults.business(f"No exchange rate for {currency}: send ExchangeRate.", "ExchangeRate")
	obj["ExchangeRate"] = float(rate)
	obj["HomeTotalAmt"] = as_json_number(total * rate)


def apply_doc_number(realm: Realm, entity: str, obj: dict, options: dict) -> None:
	number = obj.get("DocNumber")
	if number is None and not realm.custom_txn_numbers:
		taken = [
			int(row["DocNumber"]) for row in realm.all(entity) if str(row.get("DocNumber", "")).isdigit()
		]
		number = obj["DocNumber"] = str(max([1000, *taken]) + 1)
	if number is None:
		return
	number = obj["DocNumber"] = str(number)
	if len(number) > 21:
		raise faults.too_long("DocNumber", 21, len(number))
	if not options.get("allowduplicatedocnum"):
		clashes = realm.holders(f"doc:{entity}", name_key(number), exclude=(entity, obj["Id"]))
		if clashes:
			raise faults.duplicate_doc_number(number, entity, clashes[0][1])


def prepare_payment(realm: Realm, obj: dict, existing: dict | None) -> dict:
	"""Intuit's Payment reference (.../all-entities/payment): Line.LinkedTxn applies the payment to Invoices and
	CreditMemos; a credit memo line uses up credit, so TotalAmt = invoice lines - credit memo lines + unapplied
	(a payment that only offsets a credit memo against an invoice has TotalAmt 0). PaymentRefNum is at most 21
	characters; without DepositToAccountRef the money goes to Undeposited Funds; CurrencyRef must be the
	customer's currency and a foreign one takes ExchangeRate (as on the sales forms, apply_currency)."""
	if existing and ("Payment", obj["Id"]) in realm.voided:
		raise faults.business("You can't edit a voided transaction.")
	customer = customer_of(realm, obj)
	check_date(obj, "TxnDate")
	obj.setdefault("TxnDate", realm.clock.today())
	check_books_open(realm, obj, existing)
	number = str(obj.get("PaymentRefNum") or "")
	if len(number) > PAYMENT_REF_MAX:
		raise faults.too_long("PaymentRefNum", PAYMENT_REF_MAX, len(number))
	if obj.get("TotalAmt") is None:
		raise faults.required("TotalAmt")
	total = cents(money(obj["TotalAmt"], "TotalAmt"))
	applied = ZERO
	for line in obj.get("Line") or []:
		amount = cents(money(line.get("Amount", 0), "Line.Amount"))
		for link in line.get("LinkedTxn") or []:
			check_link(realm, obj, link, amount)
			applied += -amount if link.get("TxnType") == "CreditMemo" else amount
		line["Amount"] = as_json_number(amount)
	if applied > total:
		raise faults.business("The amount applied to transactions exceeds the payment's total.", "TotalAmt")
	obj["TotalAmt"] = as_json_number(total)
	obj["UnappliedAmt"] = as_json_number(total - applied)
	apply_currency(realm, obj, customer, total)
	if total and not obj.get("DepositToAccountRef"):
		funds = undeposited_funds(realm)
		if funds:
			obj["DepositToAccountRef"] = {"value": funds["Id"], "name": funds["Name"]}
	return obj


def check_link(realm: Realm, payment: dict, link: dict, amount: Decimal) -> None:
	kind, txn_id = link.get("TxnType", "Invoice"), str(link.get("TxnId", ""))
	target = realm.get(kind, txn_id) if kind in ("Invoice", "CreditMemo") else None
	if target is None:
		raise faults.invalid_reference("Line.LinkedTxn.TxnId", kind, txn_id)
	if target["CustomerRef"]["value"] != payment["CustomerRef"]["value"]:
		raise faults.business("The linked transaction belongs to another customer.", "Line.LinkedTxn")
	open_balance = Decimal(str(target.get("Balance", 0))) + applied_by(
		realm.get("Payment", payment["Id"]), txn_id
	)
	if amount > open_balance:
		raise faults.business(
			f"The payment amount {amount} is more than the open balance {open_balance} of {kind} {txn_id}.",
			"Line.Amount",
		)


def applied_by(payment: dict | None, txn_id: str) -> Decimal:
	total = ZERO
	for line in (payment or {}).get("Line") or []:
		if any(str(link.get("TxnId")) == txn_id for link in line.get("LinkedTxn") or []):
			total += Decimal(str(line.get("Amount", 0)))
	return total


def payments_for(realm: Realm, customer_id: str) -> dict[str, tuple[Decimal, list]]:
	out: dict[str, tuple[Decimal, list]] = defaultdict(lambda: (ZERO, []))
	for entity, payment in realm.transactions_of(customer_id):
		if entity != "Payment":
			continue
		for line in payment.get("Line") or []:
			for link in line.get("LinkedTxn") or []:
				total, links = out[str(link.get("TxnId"))]
				out[str(link.get("TxnId"))] = (
					total + Decimal(str(line.get("Amount", 0))),
					[*links, payment["Id"]],
				)
	return out


def refresh_balances(realm: Realm, customer_ids) -> None:
	"""Recompute invoice balances and credit memo remaining credit from payments, then each customer's open
	balance: open invoices - unused credit - unapplied payments. QBO keeps Customer.Balance equal to that open
	balance and BalanceWithJobs to it plus the jobs' (Customer reference, Balance and BalanceWithJobs)."""
	for customer_id in {c for c in customer_ids if c}:
		paid = payments_for(realm, customer_id)
		balance = ZERO
		for entity, txn in realm.transactions_of(customer_id):
			if entity in ("Invoice", "CreditMemo"):
				applied, payment_ids = paid.get(txn["Id"], (ZERO, []))
				fields = {"Balance": as_json_number(Decimal(str(txn["TotalAmt"])) - applied)}
				if entity == "Invoice":
					fields["LinkedTxn"] = [
						{"TxnId": p, "TxnType": "Payment"} for p in dict.fromkeys(payment_ids)
					]
				else:
					fields["RemainingCredit"] = fields["Balance"]
				if any(
					txn.get(key, [] if key == "LinkedTxn" else None) != value for key, value in fields.items()
				):
					txn.update(fields)
					bump(realm, entity, txn)
				sign = 1 if entity == "Invoice" else -1
				balance += sign * Decimal(str(txn["Balance"]))
			elif entity == "Payment":
				balance -= Decimal(str(txn.get("UnappliedAmt", 0)))
		set_balance(realm, customer_id, balance)


def add_to_balance(realm: Realm, txn: dict, sign: int) -> None:
	customer = realm.get("Customer", (txn.get("CustomerRef") or {}).get("value"))
	if customer is not None:
		balance = Decimal(str(customer.get("Balance", 0))) + sign * Decimal(str(txn.get("Balance", 0)))
		set_balance(realm, customer["Id"], balance)


def set_balance(realm: Realm, customer_id: str, balance: Decimal) -> None:
	"""A customer's new open balance; the change also moves BalanceWithJobs of it and of every parent."""
	customer = realm.get("Customer", customer_id)
	if customer is None:
		return
	delta = balance - Decimal(str(customer.get("Balance", 0)))
	customer["Balance"] = as_json_number(balance)
	seen = set()
	while customer is not None and customer["Id"] not in seen:
		seen.add(customer["Id"])
		with_jobs = Decimal(str(customer.get("BalanceWithJobs", customer["Balance"]))) + delta
		customer["BalanceWithJobs"] = as_json_number(with_jobs)
		customer = realm.get("Customer", (customer.get("ParentRef") or {}).get("value"))


def bump(realm: Realm, entity: str, obj: dict) -> None:
	"""A server-side change: new SyncToken and LastUpdatedTime, visible to CDC."""
	obj["SyncToken"] = str(int(obj.get("SyncToken", "0")) + 1)
	obj["MetaData"] = realm.metadata(obj.get("MetaData", {}).get("CreateTime"))
	realm.store(entity, obj)
