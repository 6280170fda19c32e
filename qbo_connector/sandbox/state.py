"""A realm's data: entities by type, Id sequences, uniqueness indexes, change times for CDC, tombstones and
the requestid replay cache. Pure storage; the rules live in rules.py and txns.py."""

from __future__ import annotations

import copy
from collections import defaultdict
from decimal import Decimal

from qbo_connector.sandbox.clock import Clock
from qbo_connector.sandbox.entities import NAME_LISTS, SPECS, TRANSACTIONS
from qbo_connector.sandbox.preferences import INTUIT_PREFERENCES

DEFAULT_PREFERENCES = {
	"SalesFormsPrefs": {"CustomTxnNumbers": False, "AllowDiscount": True, "AllowDeposit": True},
	"CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
	"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
	"OtherPrefs": {"NameValue": []},
}
STORED = [name for name in SPECS if name not in ("CompanyInfo", "Preferences")]


def name_key(text) -> str:
	"""How QBO compares names for uniqueness: trimmed, case-insensitive."""
	return str(text or "").strip().casefold()


def merge_dicts(base: dict, extra: dict) -> dict:
	out = copy.deepcopy(base)
	for key, value in (extra or {}).items():
		if isinstance(value, dict) and isinstance(out.get(key), dict):
			out[key] = merge_dicts(out[key], value)
		else:
			out[key] = copy.deepcopy(value)
	return out


class Realm:
	def __init__(
		self, realm_id: str, clock: Clock, company: dict, preferences: dict, rates: dict, tax_override=""
	):
		self.realm_id = realm_id
		# non-US: what an explicit TxnTaxDetail.TotalTax does, undocumented by Intuit (see tax.py)
		self.tax_override = tax_override or "recompute"
		self.clock = clock
		self.company = {
			"Id": "1",
			"SyncToken": "0",
			"CompanyName": "Sandbox Company",
			"Country": "US",
			**company,
		}
		self.company.setdefault("MetaData", self.metadata())
		self.preferences = merge_dicts(merge_dicts(INTUIT_PREFERENCES, DEFAULT_PREFERENCES), preferences)
		self.preferences.setdefault("Id", "1")
		self.preferences.setdefault("SyncToken", "0")
		self.exchange_rates = {code.upper(): Decimal(str(rate)) for code, rate in (rates or {}).items()}
		self.rows: dict[str, dict[str, dict]] = {name: {} for name in STORED}
		self.sequences: dict[str, int] = defaultdict(int)
		self.changed: dict[tuple[str, str], float] = {}
		self.tombstones: dict[tuple[str, str], float] = {}
		self.voided: set[tuple[str, str]] = set()
		self.replies: dict[str, tuple[int, bytes, str]] = {}
		self.unique: dict[str, dict[str, list[tuple[str, str]]]] = defaultdict(lambda: defaultdict(list))
		self.by_customer: dict[str, set[tuple[str, str]]] = defaultdict(set)
		# writes not yet handed to the webhook: (entity, Id, create/update/delete/void/merge, deleted id)
		self.events: list[tuple[str, str, str, str]] = []

	# -- company settings -------------------------------------------------------------------------
	@property
	def is_us(self) -> bool:
		return str(self.company.get("Country", "US")).upper() in ("US", "USA")

	@property
	def home_currency(self) -> str:
		return (self.preferences["CurrencyPrefs"].get("HomeCurrency") or {}).get("value", "USD")

	@property
	def multicurrency(self) -> bool:
		return bool(self.preferences["CurrencyPrefs"].get("MultiCurrencyEnabled"))

	@property
	def allow_discount(self) -> bool:
		return bool(self.preferences["SalesFormsPrefs"].get("AllowDiscount"))

	@property
	def book_close_date(self) -> str:
		"""Preferences.AccountingInfoPrefs.BookCloseDate (yyyy-MM-dd), empty when the books were never closed."""
		return str((self.preferences.get("AccountingInfoPrefs") or {}).get("BookCloseDate") or "")[:10]

	@property
	def custom_txn_numbers(self) -> bool:
		return bool(self.preferences["SalesFormsPrefs"].get("CustomTxnNumbers"))

	# -- storage ----------------------------------------------------------------------------------
	def metadata(self, created: str | None = None) -> dict:
		now = self.clock.stamp()
		return {"CreateTime": created or now, "LastUpdatedTime": now}

	def next_id(self, entity: str) -> str:
		sequence = SPECS[entity].sequence
		self.sequences[sequence] += 1
		return str(self.sequences[sequence])

	def claim_id(self, entity: str, ident: str) -> None:
		"""A seeded explicit Id: keep the sequence ahead of it."""
		if ident.isdigit():
			sequence = SPECS[entity].sequence
			self.sequences[sequence] = max(self.sequences[sequence], int(ident))

	def get(self, entity: str, ident) -> dict | None:
		return self.rows.get(entity, {}).get(str(ident))

	def all(self, entity: str) -> list[dict]:
		if entity == "CompanyInfo":
			return [self.company]
		if entity == "Preferences":
			return [self.preferences]
		return list(self.rows[entity].values())

	def store(self, entity: str, obj: dict, touch: bool = True) -> dict:
		ident = obj["Id"]
		previous = self.rows[entity].get(ident)
		if previous is not None:
			self.unindex(entity, previous)
		self.rows[entity][ident] = obj
		self.index(entity, obj)
		if touch:
			self.changed[(entity, ident)] = self.clock.now()
		return obj

	def remove(self, entity: str, ident: str) -> dict:
		obj = self.rows[entity].pop(ident)
		self.unindex(entity, obj)
		self.tombstones[(entity, ident)] = self.clock.now()
		self.changed.pop((entity, ident), None)
		return obj

	# -- indexes ----------------------------------------------------------------------------------
	@staticmethod
	def unique_keys(entity: str, obj: dict) -> list[tuple[str, str]]:
		if entity in NAME_LISTS:
			return [("person", name_key(obj.get("DisplayName")))]
		if entity in TRANSACTIONS:
			number = obj.get("DocNumber")
			return [(f"doc:{entity}", name_key(number))] if number else []
		if "Name" in obj:
			return [(entity, name_key(obj.get("FullyQualifiedName") or obj["Name"]))]
		return []

	def index(self, entity: str, obj: dict) -> None:
		for space, key in self.unique_keys(entity, obj):
			self.unique[space][key].append((entity, obj["Id"]))
		customer = (obj.get("CustomerRef") or {}).get("value")
		if customer and entity in TRANSACTIONS:
			self.by_customer[customer].add((entity, obj["Id"]))

	def unindex(self, entity: str, obj: dict) -> None:
		for space, key in self.unique_keys(entity, obj):
			holders = self.unique[space][key]
			if (entity, obj["Id"]) in holders:
				holders.remove((entity, obj["Id"]))
		customer = (obj.get("CustomerRef") or {}).get("value")
		if customer:
			self.by_customer[customer].discard((entity, obj["Id"]))

	def holders(self, space: str, key: str, exclude: tuple[str, str] | None = None) -> list[tuple[str, str]]:
		return [holder for holder in self.unique[space].get(key, []) if holder != exclude]

	def transactions_of(self, customer_id: str) -> list[tuple[str, dict]]:
		found = [
			(entity, self.rows[entity].get(ident)) for entity, ident in self.by_customer.get(customer_id, ())
		]
		return [(entity, obj) for entity, obj in sorted(found, key=lambda p: int(p[1]["Id"])) if obj]

	def dump(self) -> dict:
		out = {"realm_id": self.realm_id, "CompanyInfo": self.company, "Preferences": self.preferences}
		for entity in STORED:
			out[entity] = sorted(self.rows[entity].values(), key=lambda row: (len(row["Id"]), row["Id"]))
		return copy.deepcopy(out)
