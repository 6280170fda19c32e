"""Intuit's rules for name lists and simple lists, plus the helpers every entity uses: cleaning a request
body, money parsing and reference checks. Transactions are in txns.py."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.entities import NAME_LISTS, PROPERTIES, READ_ONLY, REFERENCE_TARGETS
from qbo_connector.sandbox.state import Realm, name_key

CENT = Decimal("0.01")
NAME_PARTS = ("Title", "GivenName", "MiddleName", "FamilyName", "Suffix")
NO_SEPARATORS = ("DisplayName", "PrintOnCheckName", *NAME_PARTS)
MAX_LENGTH = {
	"DisplayName": 500,
	"GivenName": 100,
	"MiddleName": 100,
	"FamilyName": 100,
	"CompanyName": 100,
	"Title": 16,
	"Suffix": 16,
	"PrintOnCheckName": 110,
	"Notes": 2000,
	"Name": 100,
}
ITEM_TYPES = ("Service", "NonInventory", "Inventory", "Category", "Group")
ITEM_ACCOUNTS = {
	"Service": ("IncomeAccountRef",),
	"NonInventory": ("IncomeAccountRef",),
	"Inventory": ("IncomeAccountRef", "ExpenseAccountRef", "AssetAccountRef"),
}


def clean(value):
	"""Drop what QBO treats as absent: None, empty strings, empty lists, and references without a value."""
	if isinstance(value, dict):
		out = {}
		for key, item in value.items():
			item = clean(item)
			if item in (None, "", [], {}):
				continue
			if key.endswith("Ref") and isinstance(item, dict) and "value" not in item:
				continue
			out[key] = item
		return out
	if isinstance(value, list):
		return [clean(item) for item in value]
	return value


# Read-only elsewhere, but what the client states for these entities.
CLIENT_SET = {"Payment": {"TotalAmt"}}


def check_properties(entity: str, body) -> None:
	"""QBO refuses a body with a property its object does not have (checked for entities in PROPERTIES)."""
	allowed = PROPERTIES.get(entity)
	if allowed is None or not isinstance(body, dict):
		return
	for key in body:
		if key not in allowed:
			raise faults.invalid_property(
				f'Unrecognized field "{key}" (class com.intuit.schema.finance.v3.{entity}), '
				"not marked as ignorable",
				key,
			)


def writable(body: dict, entity: str) -> dict:
	allowed = CLIENT_SET.get(entity, set())
	return {key: value for key, value in clean(body).items() if key not in READ_ONLY or key in allowed}


def money(value, element: str) -> Decimal:
	try:
		amount = Decimal(str(value))
	except (InvalidOperation, ValueError):
		raise faults.invalid_property(f"{element} value '{value}' is not a valid decimal", element)
	if not amount.is_finite():
		raise faults.invalid_property(f"{element} value '{value}' is not a valid decimal", element)
	return amount


def cents(amount: Decimal) -> Decimal:
	return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def as_json_number(amount: Decimal):
	return float(cents(amount))


def display_of(entity: str, obj: dict) -> str:
	return obj.get("DisplayName") or obj.get("FullyQualifiedName") or obj.get("Name") or ""


def check_references(realm: Realm, entity: str, obj, path: str = "") -> None:
	"""Every *Ref must point at an existing, active record; fills in its display name like QBO does."""
	if isinstance(obj, list):
		for item in obj:
			check_references(realm, entity, item, path)
		return
	if not isinstance(obj, dict):
		return
	for key, value in obj.items():
		element = f"{path}.{key}" if path else key
		if key in REFERENCE_TARGETS and isinstance(value, dict):
			target = REFERENCE_TARGETS[key] or entity
			found = realm.get(target, value["value"])
			if found is None:
				raise faults.invalid_reference(element, target, value["value"])
			if found.get("Active") is False:
				raise faults.inactive_reference(element)
			value["name"] = display_of(target, found)
		elif isinstance(value, dict | list):
			check_references(realm, entity, value, element)


def check_strings(obj: dict, fields) -> None:
	for field in fields:
		value = obj.get(field)
		if value is None:
			continue
		if not isinstance(value, str):
			raise faults.invalid_property(f"{field} must be a string", field)
		if field in NO_SEPARATORS and any(ch in value for ch in ":\t\n\r"):
			raise faults.invalid_characters(field)
		if len(value) > MAX_LENGTH.get(field, 4000):
			raise faults.too_long(field, MAX_LENGTH[field], len(value))


def check_unique(realm: Realm, entity: str, obj: dict) -> None:
	for space, key in realm.unique_keys(entity, obj):
		clashes = realm.holders(space, key, exclude=(entity, obj["Id"]))
		if clashes:
			raise faults.duplicate_name(clashes[0][1])


def prepare_person(realm: Realm, entity: str, obj: dict, existing: dict | None) -> dict:
	"""Customer, Vendor, Employee: names, uniqueness across the three lists, currency, inactivation."""
	check_strings(obj, (*NO_SEPARATORS, "CompanyName", "Notes"))
	if not obj.get("DisplayName"):
		parts = [obj.get(part) for part in NAME_PARTS if obj.get(part)]
		if not parts and existing:
			raise faults.required("DisplayName", "DisplayName cannot be removed")
		if not parts:
			raise faults.required(
				"DisplayName",
				"Required parameter DisplayName or one of Title/GivenName/MiddleName/FamilyName/Suffix is missing",
			)
		obj["DisplayName"] = " ".join(parts)
		check_strings(obj, ("DisplayName",))
	obj.setdefault("Active", True)
	obj.setdefault("PrintOnCheckName", obj["DisplayName"])
	if entity == "Customer":
		prepare_customer(realm, obj, existing)
	else:
		obj["FullyQualifiedName"] = obj["DisplayName"]
	if entity in NAME_LISTS:
		check_unique(realm, entity, obj)
	return obj


def prepare_customer(realm: Realm, obj: dict, existing: dict | None) -> None:
	old_currency = ((existing or {}).get("CurrencyRef") or {}).get("value")
	currency = (obj.get("CurrencyRef") or {}).get("value") or old_currency or realm.home_currency
	if old_currency and currency != old_currency:
		raise faults.business("You can't change the currency of an existing customer.", "CurrencyRef")
	if currency != realm.home_currency and not realm.multicurrency:
		raise faults.business(
			f"Multicurrency is not enabled; currency {currency} can't be used.", "CurrencyRef"
		)
	obj["CurrencyRef"] = {"value": currency, "name": currency}
	parent = obj.get("ParentRef")
	if parent:
		parent_row = realm.get("Customer", parent.get("value"))
		if parent_row is None or parent_row["Id"] == obj["Id"]:
			raise faults.invalid_reference("ParentRef", "Customer", parent.get("value"))
		obj["Job"] = True
		obj["Level"] = parent_row.get("Level", 0) + 1
		obj["FullyQualifiedName"] = f"{parent_row['FullyQualifiedName']}:{obj['DisplayName']}"
	else:
		obj["Level"] = 0
		obj["FullyQualifiedName"] = obj["DisplayName"]
	balance = Decimal(str((existing or {}).get("Balance", 0)))
	obj["Balance"] = as_json_number(balance)
	obj["BalanceWithJobs"] = (existing or {}).get("BalanceWithJobs", obj["Balance"])
	if existing and existing.get("Active", True) and obj["Active"] is False and balance != 0:
		raise faults.business(
			"Delete List Has Balance Error: You can't make this customer inactive because it has an open balance.",
			"Active",
		)


def prepare_named(realm: Realm, entity: str, obj: dict, existing: dict | None, shape=None) -> dict:
	"""Item, Account, Class, Department, Term, PaymentMethod: a unique Name per list; `shape(realm, obj)` adds
	the entity's own rules (lists.py) before the uniqueness check."""
	if not obj.get("Name"):
		raise faults.required("Name")
	check_strings(obj, ("Name",))
	if ":" in obj["Name"]:
		raise faults.invalid_characters("Name")
	obj.setdefault("Active", True)
	obj["FullyQualifiedName"] = obj["Name"]
	if entity == "Item":
		prepare_item(obj)
	if shape is not None:
		shape(realm, obj)
	for space, key in realm.unique_keys(entity, obj):
		clashes = realm.holders(space, key, exclude=(entity, obj["Id"]))
		if clashes:
			fault = faults.duplicate_name(clashes[0][1])
			fault.element = "Name"
			raise fault
	return obj


def prepare_item(obj: dict) -> None:
	kind = obj.setdefault("Type", "Service")
	if kind not in ITEM_TYPES:
		raise faults.invalid_property(f"Type value '{kind}' is not one of {', '.join(ITEM_TYPES)}", "Type")
	for account in ITEM_ACCOUNTS.get(kind, ()):
		if not obj.get(account):
			raise faults.required(account, f"Required parameter {account} is missing for a {kind} item")
	if kind == "Inventory" and (obj.get("QtyOnHand") is None or not obj.get("InvStartDate")):
		raise faults.required("QtyOnHand", "An Inventory item needs QtyOnHand and InvStartDate")
	if obj.get("UnitPrice") is not None:
		obj["UnitPrice"] = float(money(obj["UnitPrice"], "UnitPrice"))


def find_name_holder(realm: Realm, display_name: str):
	holders = realm.holders("person", name_key(display_name))
	return holders[0] if holders else None
