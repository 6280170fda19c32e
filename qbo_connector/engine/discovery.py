"""What the export needs to know about the QBO company, read once per run: country (US tax or tax
codes), currencies, Automated Sales Tax, and the ids behind the item and tax-code names users typed."""

from __future__ import annotations

from dataclasses import dataclass, field

from qbo_connector.engine.client import QBOClient
from qbo_connector.engine.invoices import ExportSettings, QBOFacts


@dataclass
class ExportChoices:
	"""The user's choices, by QBO name or id (from QuickBooks Settings, or the demo)."""

	default_item: str = "Services"
	rounding_item: str = ""
	default_tax_code: str = ""
	item_map: dict[str, str] = field(default_factory=dict)  # ERPNext item code -> QBO item name/id
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
	# ERPNext payment terms templates go out as the QBO term of the same name, when there is one
	terms = {str(t.get("Name", "")).lower(): str(t["Id"]) for t in client.query_all("Term")}
	default_item = resolve(choices.default_item, item_names, item_ids)
	item_map = {code: resolve(name, item_names, item_ids) for code, name in choices.item_map.items()}
	tax_map = {key: resolve(name, code_names, code_ids) for key, name in choices.tax_map.items()}
	settings = ExportSettings(
		us_company=(company.get("Country") or "US") in ("US", "USA"),
		home_currency=(currency.get("HomeCurrency") or {}).get("value", "USD"),
		multicurrency=bool(currency.get("MultiCurrencyEnabled")),
		default_item_id=default_item,
		item_map={k: v for k, v in item_map.items() if v},
		tax_map={k: v for k, v in tax_map.items() if v},
		default_tax_code=resolve(choices.default_tax_code, code_names, code_ids),
		automated_sales_tax=bool((prefs.get("TaxPrefs") or {}).get("PartnerTaxEnabled")),
		amend_policy=choices.amend_policy,
		currency_policy=choices.currency_policy,
		rounding_item_id=resolve(choices.rounding_item, item_names, item_ids) or default_item,
		terms_map={name: terms[name.lower()] for name in choices.payment_terms if name.lower() in terms},
	)
	return settings, QBOFacts(item_ids=item_ids, tax_code_ids=code_ids)
