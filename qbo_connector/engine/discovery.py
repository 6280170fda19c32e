"""What the export needs to know about the QBO company, read once per run: country (US tax or tax
codes), currencies, Automated Sales Tax, class and location tracking, the ids behind the item, tax-code, class
and location names users typed, and (outside the US) the zero-rated, exempt and no-tax codes: tax codes whose
sales rates are all 0%."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.invoices import ExportSettings, QBOFacts


@dataclass
class ExportChoices:
	"""The user's choices, by QBO name or id (from QuickBooks Settings, or the demo)."""

	default_item: str = "Services"
	rounding_item: str = ""
	default_tax_code: str = ""
	zero_tax_code: str = ""  # non-US: zero-rated code by name or id; empty: mapped or discovered
	exempt_tax_code: str = ""  # non-US: exempt code by name or id; empty: mapped or discovered
	item_map: dict[str, str] = field(default_factory=dict)  # ERPNext item code -> QBO item name/id
	income_account_map: dict[str, str] = field(default_factory=dict)  # ERPNext income account -> item name/id
	class_map: dict[str, str] = field(default_factory=dict)  # ERPNext cost center -> QBO class name/id
	department_map: dict[str, str] = field(default_factory=dict)  # cost center -> QBO location name/id
	tax_map: dict[str, str] = field(default_factory=dict)  # template/account -> QBO tax code name/id
	amend_policy: str = "update"
	currency_policy: str = "error"
	payment_terms: tuple[
		str, ...
	] = ()  # ERPNext payment terms templates in use, matched to QBO terms by name


def resolve(value: str, by_name: dict[str, str], ids: set[str]) -> str:
	"""A QBO list entry given by name or id -> its id ('' when unknown)."""
	value = (value or "").strip()
	if not value:
		return ""
	return value if value in ids else by_name.get(value.lower(), "")


# How a 0% sales tax code says what it is, in code names as QuickBooks sets them up (UK "0.0% Z", "Exempt",
# "No VAT"; AU "GST Free", "Input Taxed"; CA "Zero-rated", "Exempt"); EC/reverse-charge codes are not for
# domestic sales.
EXEMPT_NAME = re.compile(r"exempt|input[- ]taxed|\b(E|INP)\b", re.IGNORECASE)
NO_TAX_NAME = re.compile(r"no (vat|gst|tax)|out of scope|outside|not applicable|\bN/?A\b", re.IGNORECASE)
ZERO_NAME = re.compile(r"zero|gst[- ]free|\b(Z|FRE)\b", re.IGNORECASE)
ZERO_PERCENT = re.compile(r"(^|\s)0(\.0+)?\s*%")
SPECIAL = re.compile(r"reverse|\bRC\b|purchase|\bEC[GS]?\b|\bEU\b|import|postponed", re.IGNORECASE)


@dataclass
class ZeroCodes:
	"""Non-US sales tax codes whose rates are all 0%, by what their names say."""

	all: frozenset[str] = frozenset()
	zero_rated: str = ""
	exempt: str = ""
	no_tax: str = ""


def sales_rates(code: dict, rates: dict[str, Decimal]) -> list[Decimal] | None:
	"""The code's sales rates in percent; None when it has no sales rate (purchase-only) or one is unknown."""
	details = (code.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
	ids = [str((d.get("TaxRateRef") or {}).get("value", "")) for d in details]
	if not ids or any(i not in rates for i in ids):
		return None
	return [rates[i] for i in ids]


def rate_values(rows: list[dict]) -> dict[str, Decimal]:
	out = {}
	for row in rows:
		try:
			out[str(row["Id"])] = Decimal(str(row.get("RateValue", "")))
		except (InvalidOperation, KeyError):
			continue
	return out


def find_zero_codes(codes: list[dict], rates: dict[str, Decimal], preferred: list[str]) -> ZeroCodes:
	"""Codes whose every sales rate is 0%; the zero-rated, exempt and no-tax ones chosen by name. Codes in
	`preferred` (the user's Tax Mappings, in order) win over the others of their kind."""
	zero = {}
	for code in codes:
		values = sales_rates(code, rates)
		if code.get("Active", True) and values is not None and not any(values):
			zero[str(code["Id"])] = f"{code.get('Name', '')} {code.get('Description', '')}"
	order = [c for c in dict.fromkeys(preferred) if c in zero] + sorted(zero, key=lambda c: (len(c), c))

	def first(test) -> str:
		return next((c for c in dict.fromkeys(order) if test(zero[c])), "")

	def plain(name: str) -> bool:
		return not (EXEMPT_NAME.search(name) or NO_TAX_NAME.search(name) or SPECIAL.search(name))

	return ZeroCodes(
		all=frozenset(zero),
		exempt=first(lambda name: bool(EXEMPT_NAME.search(name)) and not SPECIAL.search(name)),
		no_tax=first(lambda name: bool(NO_TAX_NAME.search(name)) and not SPECIAL.search(name)),
		zero_rated=first(lambda name: bool(ZERO_NAME.search(name)) and plain(name))
		or first(lambda name: bool(ZERO_PERCENT.search(name)) and plain(name)),
	)


def read_tracking(prefs: dict) -> tuple[str, bool]:
	"""(class tracking "line" / "txn" / "", whether locations are tracked) from Preferences."""
	info = prefs.get("AccountingInfoPrefs") or {}
	if info.get("ClassTrackingPerTxnLine"):
		classes = "line"
	else:
		classes = "txn" if info.get("ClassTrackingPerTxn") else ""
	return classes, bool(info.get("TrackDepartments"))


def resolve_tracking_map(
	client: QBOClient, entity: str, mapping: dict[str, str], tracked: bool
) -> tuple[dict[str, str], set[str] | None]:
	"""A cost center -> Class or Department map by name (or full "Parent:Child" name) or id -> ids, and the
	active ids (None: not read). Read only when the company tracks them and the map has rows. Inactive
	entries are read too, so that a mapping to one holds its invoices (pre-flight) instead of going out
	without a class; a name QuickBooks does not have is left out, as the item map does."""
	if not (tracked and mapping):
		return {}, None
	rows = client.query_all(entity, "Active IN (true, false)")
	ids = {str(r["Id"]) for r in rows}
	names = {str(r.get("Name", "")).lower(): str(r["Id"]) for r in rows}
	names.update({str(r.get("FullyQualifiedName", "")).lower(): str(r["Id"]) for r in rows})
	resolved = {key: resolve(value, names, ids) for key, value in mapping.items()}
	active = {str(r["Id"]) for r in rows if r.get("Active", True)}
	return {key: value for key, value in resolved.items() if value}, active


def discover_export_settings(client: QBOClient, choices: ExportChoices) -> tuple[ExportSettings, QBOFacts]:
	prefs = client.preferences()
	company = client.company_info()
	currency = prefs.get("CurrencyPrefs") or {}
	items = client.query_all("Item")
	item_ids = {str(i["Id"]) for i in items}
	item_names = {str(i.get("Name", "")).lower(): str(i["Id"]) for i in items}
	codes = client.query_all("TaxCode")
	code_ids = {str(t["Id"]) for t in codes}
	code_names = {str(t.get("Name", "")).lower(): str(t["Id"]) for t in codes}
	us_company = (company.get("Country") or "US") in ("US", "USA")
	# ERPNext payment terms templates go out as the QBO term of the same name, when there is one
	terms = {str(t.get("Name", "")).lower(): str(t["Id"]) for t in client.query_all("Term")}
	default_item = resolve(choices.default_item, item_names, item_ids)
	item_map = {code: resolve(name, item_names, item_ids) for code, name in choices.item_map.items()}
	income_map = {
		key: resolve(name, item_names, item_ids) for key, name in choices.income_account_map.items()
	}
	class_tracking, track_departments = read_tracking(prefs)
	class_map, class_ids = resolve_tracking_map(client, "Class", choices.class_map, bool(class_tracking))
	department_map, department_ids = resolve_tracking_map(
		client, "Department", choices.department_map, track_departments
	)
	tax_map = {key: resolve(name, code_names, code_ids) for key, name in choices.tax_map.items()}
	zero = ZeroCodes()
	if not us_company:
		# Intuit, "Manage sales tax for non-US locales": a line's TaxCode references rates in its
		# SalesTaxRateList, and QuickBooks taxes the line at those rates. A line without tax must
		# therefore carry a code whose rates are all 0%, never the standard one.
		rates = rate_values(client.query_all("TaxRate"))
		zero = find_zero_codes(codes, rates, [v for v in tax_map.values() if v])
	settings = ExportSettings(
		us_company=us_company,
		home_currency=(currency.get("HomeCurrency") or {}).get("value", "USD"),
		multicurrency=bool(currency.get("MultiCurrencyEnabled")),
		default_item_id=default_item,
		item_map={k: v for k, v in item_map.items() if v},
		# an item without a mapping goes to its income account's mapping, then the QBO item of its name (issue 11)
		income_account_map={k: v for k, v in income_map.items() if v},
		# an ERPNext item without a mapping goes to the active QBO item of the same name (issue 14, #8)
		item_names={
			str(i.get("Name", "")).strip().lower(): str(i["Id"])
			for i in items
			if i.get("Active", True) and str(i.get("Name", "")).strip()
		},
		tax_map={k: v for k, v in tax_map.items() if v},
		default_tax_code=resolve(choices.default_tax_code, code_names, code_ids),
		zero_tax_code=resolve(choices.zero_tax_code, code_names, code_ids) or zero.zero_rated,
		exempt_tax_code=resolve(choices.exempt_tax_code, code_names, code_ids) or zero.exempt,
		rounding_tax_code=zero.no_tax,
		zero_tax_codes=zero.all,
		automated_sales_tax=bool((prefs.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
		# discounts go out as QBO's DiscountLine when the company allows them (issue 14, #9); else folded
		discount_mode="line" if (prefs.get("SalesFormsPrefs") or {}).get("AllowDiscount") else "net",
		amend_policy=choices.amend_policy,
		currency_policy=choices.currency_policy,
		rounding_item_id=resolve(choices.rounding_item, item_names, item_ids) or default_item,
		terms_map={name: terms[name.lower()] for name in choices.payment_terms if name.lower() in terms},
		class_map=class_map,
		department_map=department_map,
		class_tracking=class_tracking,
		track_departments=track_departments,
	)
	ids = {"class_ids": class_ids, "department_ids": department_ids}
	return settings, QBOFacts(item_ids=item_ids, tax_code_ids=code_ids, **ids)


@dataclass
class PaymentChoices:
	"""Where payments land in QuickBooks, by QBO name or id (QuickBooks Settings' payment mappings)."""

	account_map: dict[str, str] = field(default_factory=dict)  # ERPNext account -> QBO account name/id
	method_map: dict[str, str] = field(default_factory=dict)  # Mode of Payment -> QBO PaymentMethod name/id
	deposit_account: str = ""  # accounts without a mapping; empty: QuickBooks' Undeposited Funds
	amend_policy: str = "update"


def discover_payment_settings(client: QBOClient, choices: PaymentChoices):
	"""PaymentSettings with ids for the names the user typed (accounts by Name or FullyQualifiedName,
	payment methods by Name), and what could not be found: {"account:<ERPNext account>" or
	"method:<Mode of Payment>" or "account:" (the default): the name typed}. A payment that needs an
	unknown name is held (`unresolved_reasons`), never sent to another account."""
	from qbo_connector.engine.payments import PaymentSettings

	currency = client.preferences().get("CurrencyPrefs") or {}
	accounts = client.query_all("Account")
	account_ids = {str(a["Id"]) for a in accounts}
	account_names = {str(a.get("Name", "")).lower(): str(a["Id"]) for a in accounts}
	account_names.update({str(a.get("FullyQualifiedName", "")).lower(): str(a["Id"]) for a in accounts})
	methods = client.query_all("PaymentMethod") if choices.method_map else []
	method_ids = {str(m["Id"]) for m in methods}
	method_names = {str(m.get("Name", "")).lower(): str(m["Id"]) for m in methods}
	unresolved: dict[str, str] = {}

	def pick(kind: str, key: str, value: str, names: dict[str, str], ids: set[str]) -> str:
		found = resolve(value, names, ids)
		if value.strip() and not found:
			unresolved[f"{kind}:{key}"] = value.strip()
		return found

	settings = PaymentSettings(
		home_currency=(currency.get("HomeCurrency") or {}).get("value", "USD"),
		multicurrency=bool(currency.get("MultiCurrencyEnabled")),
		account_map={
			k: pick("account", k, v, account_names, account_ids) for k, v in choices.account_map.items()
		},
		method_map={k: pick("method", k, v, method_names, method_ids) for k, v in choices.method_map.items()},
		deposit_account_id=pick("account", "", choices.deposit_account, account_names, account_ids),
		amend_policy=choices.amend_policy,
	)
	settings.account_map = {k: v for k, v in settings.account_map.items() if v}
	settings.method_map = {k: v for k, v in settings.method_map.items() if v}
	return settings, unresolved


def unresolved_reasons(payment, settings, unresolved: dict[str, str]) -> list[str]:
	"""Why a payment cannot go out: the QuickBooks account or payment method it is mapped to is unknown."""
	reasons = []
	account_key = f"account:{payment.paid_to}"
	if account_key in unresolved:
		name = unresolved[account_key]
		reasons.append(f"QuickBooks has no account {name!r} (mapped for ERPNext account {payment.paid_to}).")
	elif "account:" in unresolved and payment.paid_to not in settings.account_map:
		reasons.append(f"QuickBooks has no account {unresolved['account:']!r} (the default deposit account).")
	method_key = f"method:{payment.mode_of_payment}"
	if method_key in unresolved:
		name = unresolved[method_key]
		reasons.append(
			f"QuickBooks has no payment method {name!r} (mapped for mode of payment {payment.mode_of_payment})."
		)
	return reasons
