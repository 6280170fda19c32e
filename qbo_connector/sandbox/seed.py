"""Seed files: the documented JSON that fills the sandbox (see seeds/README.md), validated with errors that
name the offending path."""

from __future__ import annotations

import json
from pathlib import Path

from qbo_connector.sandbox import faults, ops
from qbo_connector.sandbox.clock import Clock
from qbo_connector.sandbox.oauth import App
from qbo_connector.sandbox.state import Realm
from qbo_connector.sandbox.tax import TAX_OVERRIDES

DEFAULT_SEED = Path(__file__).parent / "seeds" / "default.json"
DEFAULT_APP = App("sandbox-client-id", "sandbox-client-secret", "*")
# Seed key -> entity, in load order (what is referenced comes first).
LISTS = {
	"company_currencies": "CompanyCurrency",
	"accounts": "Account",
	"terms": "Term",
	"payment_methods": "PaymentMethod",
	"classes": "Class",
	"departments": "Department",
	"tax_agencies": "TaxAgency",
	"tax_rates": "TaxRate",
	"tax_codes": "TaxCode",
	"items": "Item",
	"customers": "Customer",
	"vendors": "Vendor",
	"employees": "Employee",
	"invoices": "Invoice",
	"credit_memos": "CreditMemo",
	"payments": "Payment",
	"sales_receipts": "SalesReceipt",
	"refund_receipts": "RefundReceipt",
	"estimates": "Estimate",
	"deposits": "Deposit",
}
REALM_KEYS = {"realm_id", "company", "preferences", "exchange_rates", "tax_override", *LISTS}


class SeedError(ValueError):
	"""A seed that can't be loaded; the message names the file or the path inside it."""


def read_seed(source) -> dict:
	"""None -> the shipped default; a str/Path -> that JSON file; a dict -> itself."""
	if source is None:
		source = DEFAULT_SEED
	if isinstance(source, dict):
		return json.loads(json.dumps(source))
	path = Path(source)
	try:
		text = path.read_text(encoding="utf-8")
	except OSError as exc:
		raise SeedError(f"seed file {path}: cannot read it ({exc.strerror or exc})")
	except UnicodeDecodeError:
		raise SeedError(f"seed file {path}: not UTF-8 text")
	try:
		data = json.loads(text)
	except json.JSONDecodeError as exc:
		raise SeedError(f"seed file {path}: invalid JSON at line {exc.lineno} column {exc.colno}: {exc.msg}")
	if not isinstance(data, dict):
		raise SeedError(f"seed file {path}: the top level must be a JSON object")
	return data


def expect(value, kind, where: str):
	if not isinstance(value, kind):
		name = {dict: "an object", list: "a list", str: "a string"}.get(kind, str(kind))
		raise SeedError(f"{where}: must be {name}")
	return value


def build(seed: dict, clock: Clock) -> tuple[dict[str, Realm], list[App]]:
	expect(seed, dict, "seed")
	unknown = set(seed) - {"realms", "apps", "comment"}
	if unknown:
		raise SeedError(f"seed: unknown key(s) {', '.join(sorted(unknown))}")
	realms: dict[str, Realm] = {}
	for index, entry in enumerate(expect(seed.get("realms"), list, "realms")):
		realm = build_realm(expect(entry, dict, f"realms[{index}]"), clock, f"realms[{index}]")
		if realm.realm_id in realms:
			raise SeedError(f"realms[{index}].realm_id: duplicate realm id {realm.realm_id}")
		realms[realm.realm_id] = realm
	if not realms:
		raise SeedError("realms: at least one realm is required")
	return realms, build_apps(seed.get("apps"))


def build_apps(entries) -> list[App]:
	if entries is None:
		return [DEFAULT_APP]
	apps = []
	for index, entry in enumerate(expect(entries, list, "apps")):
		where = f"apps[{index}]"
		expect(entry, dict, where)
		for key in ("client_id", "client_secret"):
			if not isinstance(entry.get(key), str) or not entry[key]:
				raise SeedError(f"{where}.{key}: required non-empty string")
		uris = entry.get("redirect_uris", "*")
		if uris != "*" and not (isinstance(uris, list) and all(isinstance(u, str) for u in uris)):
			raise SeedError(f'{where}.redirect_uris: must be "*" or a list of URLs')
		apps.append(App(entry["client_id"], entry["client_secret"], uris))
	if not apps:
		raise SeedError("apps: at least one app is required when the key is present")
	return apps


def build_realm(entry: dict, clock: Clock, where: str) -> Realm:
	unknown = set(entry) - REALM_KEYS
	if unknown:
		raise SeedError(f"{where}: unknown key(s) {', '.join(sorted(unknown))}")
	realm_id = entry.get("realm_id")
	if not isinstance(realm_id, str) or not realm_id.isdigit():
		raise SeedError(f"{where}.realm_id: required string of digits")
	company = expect(entry.get("company", {}), dict, f"{where}.company")
	preferences = expect(entry.get("preferences", {}), dict, f"{where}.preferences")
	rates = expect(entry.get("exchange_rates", {}), dict, f"{where}.exchange_rates")
	override = entry.get("tax_override", "recompute")
	if override not in TAX_OVERRIDES:
		raise SeedError(f"{where}.tax_override: must be one of {', '.join(TAX_OVERRIDES)}")
	try:
		realm = Realm(realm_id, clock, company, preferences, rates, override)
	except (ArithmeticError, ValueError, TypeError) as exc:
		raise SeedError(f"{where}: {exc}")
	for key, entity in LISTS.items():
		for index, body in enumerate(expect(entry.get(key, []), list, f"{where}.{key}")):
			load_entity(
				realm, entity, expect(body, dict, f"{where}.{key}[{index}]"), f"{where}.{key}[{index}]"
			)
	return realm


def load_entity(realm: Realm, entity: str, body: dict, where: str) -> None:
	ident = str(body["Id"]) if body.get("Id") is not None else realm.next_id(entity)
	if realm.get(entity, ident) is not None:
		raise SeedError(f"{where}.Id: duplicate {entity} Id {ident}")
	realm.claim_id(entity, ident)
	try:
		ops.create(realm, entity, body, {"allowduplicatedocnum": False}, ident=ident)
	except faults.Fault as fault:
		element = f".{fault.element}" if fault.element else ""
		raise SeedError(f"{where}{element}: {fault.code} {fault.message}: {fault.detail}")
