"""TaxService: create a sales tax code with new or existing tax rates in one call.

Intuit's TaxService reference (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/
taxservice): `POST /v3/company/<realmId>/taxservice/taxcode` with `TaxCode` (the new code's name, required) and
`TaxRateDetails`; each detail names an existing rate by `TaxRateId`, or makes a new one from `TaxRateName`,
`RateValue` and `TaxAgencyId` (an existing TaxAgency: agencies can't be created here), with `TaxApplicableOn`
Sales (default) or Purchase. The answer is the request echoed back, unwrapped, with `TaxCodeId` and each new
rate's `TaxRateId` filled in (python-quickbooks' TaxService reads it so)."""

from __future__ import annotations

from qbo_connector.sandbox import faults
from qbo_connector.sandbox.rules import check_strings, money
from qbo_connector.sandbox.state import Realm, name_key


def create_tax_code(realm: Realm, body) -> dict:
	if not isinstance(body, dict) or not str(body.get("TaxCode") or "").strip():
		raise faults.required("TaxCode")
	name = str(body["TaxCode"]).strip()
	taken = [row for row in realm.all("TaxCode") if name_key(row.get("Name")) == name_key(name)]
	if taken:
		raise faults.duplicate_name(taken[0]["Id"])
	details = body.get("TaxRateDetails")
	if not isinstance(details, list) or not details:
		raise faults.required("TaxRateDetails")
	lists, answers = {"Sales": [], "Purchase": []}, []
	for detail in details:
		applicable = detail.get("TaxApplicableOn") or "Sales"
		if applicable not in lists:
			raise faults.invalid_property(
				f"TaxApplicableOn value '{applicable}' is not valid", "TaxRateDetails.TaxApplicableOn"
			)
		rate = (
			existing_rate(realm, detail) if detail.get("TaxRateId") else new_rate(realm, detail, applicable)
		)
		lists[applicable].append({"TaxRateRef": {"value": rate["Id"], "name": rate["Name"]}})
		answers.append(
			{
				"TaxRateName": rate["Name"],
				"TaxRateId": rate["Id"],
				"RateValue": rate.get("RateValue"),
				"TaxAgencyId": (rate.get("AgencyRef") or {}).get("value"),
				"TaxApplicableOn": applicable,
			}
		)
	code = {"Id": realm.next_id("TaxCode"), "Name": name, "Description": name, "Active": True}
	code.update({"Taxable": True, "TaxGroup": len(details) > 1, "Hidden": False})
	for applicable, entries in lists.items():
		if entries:
			code[f"{applicable}TaxRateList"] = {"TaxRateDetail": entries}
	store(realm, "TaxCode", code)
	return {"TaxCode": name, "TaxCodeId": code["Id"], "TaxRateDetails": answers}


def existing_rate(realm: Realm, detail: dict) -> dict:
	rate = realm.get("TaxRate", str(detail["TaxRateId"]))
	if rate is None:
		raise faults.invalid_reference("TaxRateDetails.TaxRateId", "TaxRate", str(detail["TaxRateId"]))
	return rate


def new_rate(realm: Realm, detail: dict, applicable: str) -> dict:
	for key in ("TaxRateName", "RateValue", "TaxAgencyId"):
		if detail.get(key) in (None, ""):
			raise faults.required(f"TaxRateDetails.{key}")
	check_strings({"Name": str(detail["TaxRateName"])}, ("Name",))
	agency = realm.get("TaxAgency", str(detail["TaxAgencyId"]))
	if agency is None:
		raise faults.invalid_reference("TaxRateDetails.TaxAgencyId", "TaxAgency", str(detail["TaxAgencyId"]))
	value = money(detail["RateValue"], "TaxRateDetails.RateValue")
	if value < 0 or value > 100:
		raise faults.invalid_property(
			f"RateValue value '{value}' is out of range", "TaxRateDetails.RateValue"
		)
	rate = {
		"Id": realm.next_id("TaxRate"),
		"Name": str(detail["TaxRateName"]),
		"Description": str(detail["TaxRateName"]),
		"Active": True,
		"RateValue": float(value),
		"AgencyRef": {"value": agency["Id"], "name": agency["DisplayName"]},
		"SpecialTaxType": "NONE",
		"DisplayType": "ReadOnly",
	}
	store(realm, "TaxRate", rate)
	return rate


def store(realm: Realm, entity: str, obj: dict) -> None:
	obj.update({"domain": "QBO", "sparse": False, "SyncToken": "0", "MetaData": realm.metadata()})
	realm.store(entity, obj)
