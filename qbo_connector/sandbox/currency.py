"""Multicurrency and money movement outside sales forms: ExchangeRate (read, query, update) and Deposit.

ExchangeRate, Intuit's reference (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/
exchangerate): only for companies with multicurrency on; `GET /exchangerate?sourcecurrencycode=EUR[&asofdate=]`
reads one, `select * from exchangerate` lists them, `POST /exchangerate` with SourceCurrencyCode, Rate and
AsOfDate sets one. TargetCurrencyCode is the home currency. The sandbox keeps one rate per currency (the newest
set), which a transaction uses when it names no ExchangeRate; dated history is not kept (a simplification)."""

from __future__ import annotations

from decimal import Decimal

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.rules import as_json_number, cents, money
from qbo_connector.sandbox.state import Realm
from qbo_connector.sandbox.txns import check_date


def rate_info(realm: Realm) -> dict:
	"""Per source currency: SyncToken, AsOfDate and MetaData, made on first use from the seeded rates."""
	info = realm.__dict__.setdefault("rate_info", {})
	for code in realm.exchange_rates:
		if code not in info:
			info[code] = {"SyncToken": "0", "AsOfDate": realm.clock.today(), "MetaData": realm.metadata()}
	return info


def rate_rows(realm: Realm) -> list[dict]:
	if not realm.multicurrency:
		return []
	info = rate_info(realm)
	return [
		{
			"SourceCurrencyCode": code,
			"TargetCurrencyCode": realm.home_currency,
			"Rate": float(rate),
			**info[code],
			"domain": "QBO",
			"sparse": False,
		}
		for code, rate in sorted(realm.exchange_rates.items())
	]


def read_rate(realm: Realm, code: str) -> dict:
	if not realm.multicurrency:
		raise faults.business("Multicurrency is not enabled for this company.", "sourcecurrencycode")
	found = next((row for row in rate_rows(realm) if row["SourceCurrencyCode"] == str(code).upper()), None)
	if found is None:
		raise faults.not_found("ExchangeRate", code)
	return found


def update_rate(realm: Realm, body: dict) -> dict:
	if not realm.multicurrency:
		raise faults.business("Multicurrency is not enabled for this company.", "SourceCurrencyCode")
	code = str(body.get("SourceCurrencyCode") or "").upper()
	if not code:
		raise faults.required("SourceCurrencyCode")
	if code == realm.home_currency:
		raise faults.business("The home currency has no exchange rate.", "SourceCurrencyCode")
	if not any(row["Code"] == code and row.get("Active", True) for row in realm.all("CompanyCurrency")):
		raise faults.invalid_reference("SourceCurrencyCode", "CompanyCurrency", code)
	if body.get("Rate") is None:
		raise faults.required("Rate")
	rate = money(body["Rate"], "Rate")
	if rate <= 0:
		raise faults.invalid_property(f"Rate value '{body['Rate']}' must be positive", "Rate")
	check_date(body, "AsOfDate")
	info = rate_info(realm).get(code)
	if info and body.get("SyncToken") is not None and str(body["SyncToken"]) != info["SyncToken"]:
		raise faults.stale_object()
	realm.exchange_rates[code] = rate
	rate_info(realm)[code] = {
		"SyncToken": str(int(info["SyncToken"]) + 1) if info else "0",
		"AsOfDate": body.get("AsOfDate") or realm.clock.today(),
		"MetaData": realm.metadata((info or {}).get("MetaData", {}).get("CreateTime")),
	}
	return read_rate(realm, code)


def prepare_deposit(realm: Realm, obj: dict, existing: dict | None) -> dict:
	"""Intuit's Deposit reference (.../all-entities/deposit): DepositToAccountRef and at least one Line are
	required; a line either links a Payment or SalesReceipt held in Undeposited Funds (LinkedTxn) or names the
	account the money comes from (DepositLineDetail.AccountRef). TotalAmt is the sum of the lines."""
	if not obj.get("DepositToAccountRef"):
		raise faults.required("DepositToAccountRef")
	lines = obj.get("Line") or []
	if not lines:
		raise faults.required("Line")
	check_date(obj, "TxnDate")
	obj.setdefault("TxnDate", realm.clock.today())
	total = Decimal(0)
	for number, line in enumerate(lines, start=1):
		amount = cents(money(line.get("Amount"), "Line.Amount")) if line.get("Amount") is not None else None
		if amount is None:
			raise faults.required("Line.Amount")
		for link in line.get("LinkedTxn") or []:
			kind = link.get("TxnType")
			if kind not in ("Payment", "SalesReceipt") or realm.get(kind, str(link.get("TxnId"))) is None:
				raise faults.invalid_reference(
					"Line.LinkedTxn.TxnId", kind or "Transaction", link.get("TxnId")
				)
		if not line.get("LinkedTxn") and not (line.get("DepositLineDetail") or {}).get("AccountRef"):
			raise faults.required("Line.DepositLineDetail.AccountRef")
		line.setdefault("DetailType", "DepositLineDetail")
		line["Id"], line["LineNum"] = str(number), number
		line["Amount"] = as_json_number(amount)
		total += amount
	obj["TotalAmt"] = as_json_number(total)
	obj["CurrencyRef"] = {"value": realm.home_currency, "name": realm.home_currency}
	return obj
