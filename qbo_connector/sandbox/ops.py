"""Entity operations on one realm: read, create, update (full and sparse), delete, void, query, CDC.
Callers hold the sandbox lock; every operation raises `faults.Fault` on refusal."""

from __future__ import annotations

import copy

from qbo_connector.sandbox import currency, faults, lists, query, rules, txns
from qbo_connector.sandbox.clock import parse_instant
from qbo_connector.sandbox.entities import CANONICAL, NAME_LISTS, RECEIVABLES, SALES_FORMS, SPECS, Spec
from qbo_connector.sandbox.state import Realm

CDC_WINDOW = 30 * 86400
CDC_MAX = 1000


def spec_for(name: str) -> Spec:
	spec = SPECS.get(CANONICAL.get(str(name).lower(), ""))
	if spec is None:
		raise faults.unsupported(f"for entity {name}")
	return spec


def read(realm: Realm, entity: str, ident: str) -> dict:
	if entity in ("CompanyInfo", "Preferences"):
		return copy.deepcopy(realm.all(entity)[0])
	if entity == "ExchangeRate":
		return currency.read_rate(realm, ident)
	found = realm.get(entity, ident)
	if found is None:
		raise faults.not_found(entity, ident)
	return copy.deepcopy(found)


def prepare(realm: Realm, entity: str, obj: dict, existing: dict | None, options: dict) -> dict:
	rules.check_references(realm, entity, obj)
	if entity in NAME_LISTS:
		return rules.prepare_person(realm, entity, obj, existing)
	if entity in SALES_FORMS:
		return txns.prepare_sale(realm, entity, obj, existing, options)
	if entity == "Payment":
		return txns.prepare_payment(realm, obj, existing)
	if entity == "Deposit":
		return currency.prepare_deposit(realm, obj, existing)
	return lists.prepare(realm, entity, obj, existing)


def create(
	realm: Realm, entity: str, body: dict, options: dict | None = None, ident: str | None = None
) -> dict:
	spec = spec_for(entity)
	if entity == "ExchangeRate":
		return currency.update_rate(realm, body)
	if not spec.writable and ident is None:
		raise faults.unsupported(f"create for entity {entity}")
	if not isinstance(body, dict):
		raise faults.invalid_property(f"the request body for {entity} must be a JSON object")
	rules.check_properties(entity, body)
	obj = rules.writable(body, entity)
	obj["Id"] = ident or realm.next_id(entity)
	obj = prepare(realm, entity, obj, None, options or {})
	obj.update({"domain": "QBO", "sparse": False, "SyncToken": "0", "MetaData": realm.metadata()})
	realm.store(entity, obj)
	if entity in ("Invoice", "CreditMemo"):  # nothing links to a new sale yet: its balance adds up directly
		txns.add_to_balance(realm, obj, 1 if entity == "Invoice" else -1)
	else:
		after_change(realm, entity, obj, None)
	return copy.deepcopy(obj)


def current(realm: Realm, entity: str, body: dict) -> dict:
	"""The record an update/void/delete targets, after the Id and SyncToken checks."""
	if not isinstance(body, dict) or not body.get("Id"):
		raise faults.required("Id")
	existing = realm.get(entity, str(body["Id"]))
	if existing is None:
		raise faults.not_found(entity, str(body["Id"]))
	if body.get("SyncToken") is None:
		raise faults.required("SyncToken")
	if str(body["SyncToken"]) != existing["SyncToken"]:
		raise faults.stale_object()
	return existing


def update(realm: Realm, entity: str, body: dict, options: dict | None = None) -> dict:
	spec = spec_for(entity)
	if entity == "Preferences":
		return update_preferences(realm, body)
	if entity == "ExchangeRate":
		return currency.update_rate(realm, body)
	if not spec.writable:
		raise faults.unsupported(f"update for entity {entity}")
	rules.check_properties(entity, body)
	existing = current(realm, entity, body)
	changes = rules.writable(body, entity)
	if body.get("sparse") in (True, "true"):
		obj = {**copy.deepcopy(existing), **changes}
	else:
		kept = {key: existing[key] for key in ("Id", "CurrencyRef") if key in existing}
		obj = {**kept, **changes}
	obj["Id"] = existing["Id"]
	if entity in ("Invoice", "CreditMemo"):
		obj["Balance"] = existing.get("Balance", 0)
		obj["TotalAmt"] = existing.get("TotalAmt", 0)
		obj.pop("LinkedTxn", None)
	obj = prepare(realm, entity, obj, existing, options or {})
	obj["LinkedTxn"] = existing.get("LinkedTxn", []) if entity == "Invoice" else obj.get("LinkedTxn", [])
	obj.update({"domain": "QBO", "sparse": False, "SyncToken": str(int(existing["SyncToken"]) + 1)})
	obj["MetaData"] = realm.metadata(existing["MetaData"]["CreateTime"])
	realm.store(entity, obj)
	after_change(realm, entity, obj, existing)
	return copy.deepcopy(obj)


def update_preferences(realm: Realm, body: dict) -> dict:
	from qbo_connector.sandbox.state import merge_dicts

	if str(body.get("SyncToken")) != realm.preferences["SyncToken"]:
		raise faults.stale_object()
	changes = rules.writable(body, "Preferences")
	realm.preferences = merge_dicts(realm.preferences, changes)
	realm.preferences["SyncToken"] = str(int(realm.preferences["SyncToken"]) + 1)
	realm.preferences["MetaData"] = realm.metadata(
		(realm.preferences.get("MetaData") or {}).get("CreateTime")
	)
	return copy.deepcopy(realm.preferences)


def after_change(realm: Realm, entity: str, obj: dict, previous: dict | None) -> None:
	"""After a receivable changed (or went): its customers' open balances, recomputed from their transactions."""
	if entity in RECEIVABLES:
		customers = {
			(obj.get("CustomerRef") or {}).get("value"),
			((previous or {}).get("CustomerRef") or {}).get("value"),
		}
		txns.refresh_balances(realm, customers)


def delete(realm: Realm, entity: str, body: dict) -> dict:
	spec = spec_for(entity)
	if not spec.deletable:
		raise faults.unsupported(f"delete for entity {entity}")
	existing = current(realm, entity, body)
	txns.check_books_open(realm, None, existing)
	if entity != "Payment" and existing.get("LinkedTxn"):
		raise faults.business("This transaction has payments applied; unlink them or void it instead.")
	realm.remove(entity, existing["Id"])
	realm.voided.discard((entity, existing["Id"]))
	after_change(realm, entity, existing, existing)
	return {"status": "Deleted", "domain": "QBO", "Id": existing["Id"]}


def void(realm: Realm, entity: str, body: dict) -> dict:
	"""Invoice (?operation=void), CreditMemo, and SalesReceipt and Payment (?operation=update&include=void, as
	Intuit's SalesReceipt and Payment references give it): the record stays, its amounts go to zero, "Voided"
	leads its PrivateNote. A voided Payment keeps no lines, so what it paid is open again (a guess at the shape)."""
	spec = spec_for(entity)
	if not spec.voidable:
		raise faults.unsupported(f"void for entity {entity}")
	existing = current(realm, entity, body)
	txns.check_books_open(realm, None, existing)
	if (entity, existing["Id"]) in realm.voided:
		raise faults.business("This transaction is already voided.")
	if existing.get("LinkedTxn") and entity == "Invoice":
		raise faults.business("This transaction has payments applied; unlink them before voiding it.")
	obj = copy.deepcopy(existing)
	if entity == "Payment":
		obj["Line"], obj["UnappliedAmt"] = [], 0.0
	else:
		zero_sale(obj)
	obj["TotalAmt"] = 0.0
	if "Balance" in obj:
		obj["Balance"] = 0.0
	obj.pop("HomeTotalAmt", None)
	obj["PrivateNote"] = "Voided" + (f" - {existing['PrivateNote']}" if existing.get("PrivateNote") else "")
	txns.bump(realm, entity, obj)
	realm.voided.add((entity, obj["Id"]))
	after_change(realm, entity, obj, existing)
	return copy.deepcopy(obj)


def zero_sale(obj: dict) -> None:
	for line in obj["Line"]:
		line["Amount"] = 0.0
		detail = line.get(txns.SALES)
		if detail:
			detail.pop("Qty", None)
			detail.pop("UnitPrice", None)
	code = obj.get("TxnTaxDetail", {}).get("TxnTaxCodeRef")
	obj["TxnTaxDetail"] = {**({"TxnTaxCodeRef": code} if code else {}), "TotalTax": 0.0}
	if "RemainingCredit" in obj:
		obj["RemainingCredit"] = 0.0


def run_query(realm: Realm, text: str) -> dict:
	parsed = query.parse(text)
	entity = CANONICAL.get(parsed.entity.lower())
	spec = SPECS.get(entity or "")
	query.check(parsed, CANONICAL, spec.queryable if spec else frozenset())
	rows = currency.rate_rows(realm) if parsed.entity == "ExchangeRate" else realm.all(parsed.entity)
	return query.run(parsed, rows, active_only=spec.name_list)


def changed_since(realm: Realm, entities: str, since: str, now: float) -> list[dict]:
	"""CDC: per entity, what changed after `since`; deleted and merged-away records last, as tombstones."""
	if not entities or not since:
		raise faults.required("entities" if not entities else "changedSince")
	try:
		start = parse_instant(since)
	except ValueError:
		raise faults.invalid_property(
			f"changedSince value '{since}' is not an ISO-8601 date-time", "changedSince"
		)
	if start < now - CDC_WINDOW:
		raise faults.invalid_query("changedSince must be within the last 30 days")
	out = []
	for name in [part.strip() for part in entities.split(",") if part.strip()]:
		spec = spec_for(name)
		if not spec.cdc:
			raise faults.invalid_query(f"CDC is not supported for entity {spec.name}")
		live = [
			copy.deepcopy(obj)
			for ident, obj in realm.rows[spec.name].items()
			if realm.changed.get((spec.name, ident), 0) >= start
			and (spec.name, ident) not in realm.tombstones
		]
		live.sort(key=lambda obj: realm.changed[(spec.name, obj["Id"])])
		gone = [
			{
				"domain": "QBO",
				"status": "Deleted",
				"Id": ident,
				"MetaData": {"LastUpdatedTime": realm.clock.stamp(when)},
			}
			for (entity, ident), when in sorted(realm.tombstones.items(), key=lambda item: item[1])
			if entity == spec.name and when >= start
		]
		rows = (live + gone)[:CDC_MAX]
		out.append({spec.name: rows, "startPosition": 1, "maxResults": len(rows)} if rows else {})
	return out


def merge_customers(realm: Realm, source_id: str, target_id: str) -> dict:
	"""What "merge contacts" in the QBO UI does: transactions move to the survivor, the other goes inactive."""
	source, target = realm.get("Customer", source_id), realm.get("Customer", target_id)
	if source is None or target is None or source_id == target_id:
		raise faults.invalid_reference("Customer", "Customer", source_id if source is None else target_id)
	source, target = copy.deepcopy(source), copy.deepcopy(target)
	for entity, txn in realm.transactions_of(source_id):
		txn = copy.deepcopy(txn)
		txn["CustomerRef"] = {"value": target_id, "name": target["DisplayName"]}
		txns.bump(realm, entity, txn)
	source["Active"] = False
	source["DisplayName"] = source["FullyQualifiedName"] = f"{source['DisplayName']} (deleted)"
	txns.bump(realm, "Customer", source)
	realm.tombstones[("Customer", source_id)] = realm.clock.now()
	txns.bump(realm, "Customer", target)
	txns.refresh_balances(realm, {source_id, target_id})
	return {"from": copy.deepcopy(source), "into": copy.deepcopy(target)}
