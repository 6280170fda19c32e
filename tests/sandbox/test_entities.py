"""Intuit's required fields and refusals for the lists and sales forms beyond Customer and Invoice (raw HTTP)."""

from __future__ import annotations

import pytest

from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.sample_data import INTL_REALM
from qbo_connector.sandbox.samples import sample_seed
from tests.sandbox.conftest import Raw, fault_of


@pytest.mark.parametrize(
	("entity", "body", "code", "element"),
	[
		("Account", {"Name": "No Type"}, "2020", "AccountType"),
		("Account", {"Name": 'Say "hi"', "AccountType": "Income"}, "2040", "Name"),
		(
			"Account",
			{"Name": "Odd", "AccountType": "Income", "AccountSubType": "Checking"},
			"6000",
			"AccountSubType",
		),
		("Account", {"Name": "Odd", "AccountType": "Treasure"}, "2010", "AccountType"),
		("Term", {"Name": "Both", "DueDays": 5, "DayOfMonthDue": 1}, "6000", "DueDays"),
		("PaymentMethod", {"Name": "Barter", "Type": "SHELLS"}, "2010", "Type"),
		("PaymentMethod", {"Name": "x" * 32}, "2050", "Name"),
		(
			"RefundReceipt",
			{"Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail"}]},
			"2020",
			"DepositToAccountRef",
		),
		("Deposit", {"Line": [{"Amount": 5}]}, "2020", "DepositToAccountRef"),
		(
			"Deposit",
			{"DepositToAccountRef": {"value": "4"}, "Line": [{"Amount": 5}]},
			"2020",
			"Line.DepositLineDetail.AccountRef",
		),
		("Estimate", {"Line": [{"Amount": 5, "DetailType": "SalesItemLineDetail"}]}, "2020", "CustomerRef"),
		("CompanyCurrency", {"Code": "EUR"}, "6000", "Code"),
		("TaxAgency", {"TaxRegistrationNumber": "1"}, "2020", "DisplayName"),
	],
)
def test_refusals(raw, entity, body, code, element):
	error = fault_of(raw.post(entity.lower(), body))
	assert (error["code"], error.get("element")) == (code, element)


def test_account_from_subtype_and_hierarchy(raw):
	parent = raw.create("Account", {"Name": "Landscaping", "AccountSubType": "ServiceFeeIncome"})
	assert (parent["AccountType"], parent["Classification"], parent["SubAccount"]) == (
		"Income",
		"Revenue",
		False,
	)
	child = raw.create(
		"Account", {"Name": "Hedges", "AccountType": "Income", "ParentRef": {"value": parent["Id"]}}
	)
	assert child["FullyQualifiedName"] == "Landscaping:Hedges" and child["SubAccount"]
	assert child["AccountSubType"] == "ServiceFeeIncome"  # the first subtype of Income (a guess)


def test_sales_receipt_needs_no_customer_and_deposits_to_undeposited_funds(raw):
	line = {"Amount": 12, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": {}}
	receipt = raw.create("SalesReceipt", {"Line": [line]})
	assert receipt["Balance"] == 0 and receipt["DepositToAccountRef"]["value"] == "4"
	voided = raw.post(
		"salesreceipt",
		{"Id": receipt["Id"], "SyncToken": "0", "sparse": True},
		operation="update",
		include="void",
	)
	assert voided.json()["SalesReceipt"]["TotalAmt"] == 0


def test_exchange_rate_and_company_currency_on_the_multicurrency_sample():
	sandbox = Sandbox(seed=sample_seed("intl")).start()
	try:
		raw = Raw(sandbox, INTL_REALM)
		rate = raw.get("exchangerate", sourcecurrencycode="EUR").json()["ExchangeRate"]
		assert (rate["SourceCurrencyCode"], rate["TargetCurrencyCode"], rate["Rate"]) == ("EUR", "GBP", 0.85)
		body = {"SourceCurrencyCode": "EUR", "Rate": 0.86, "AsOfDate": "2026-01-10", "SyncToken": "0"}
		assert raw.create("ExchangeRate", body)["SyncToken"] == "1"
		assert raw.rows("SELECT * FROM ExchangeRate WHERE SourceCurrencyCode = 'EUR'")[0]["Rate"] == 0.86
		assert fault_of(raw.post("exchangerate", {**body, "SyncToken": "0"}))["code"] == "5010"
		assert (
			fault_of(raw.post("exchangerate", {"SourceCurrencyCode": "JPY", "Rate": 180}))["code"] == "2500"
		)
		yen = raw.create("CompanyCurrency", {"Code": "jpy"})
		assert (yen["Code"], yen["Name"], yen["Active"]) == ("JPY", "Japanese Yen", True)
		assert fault_of(raw.post("companycurrency", {"Code": "EUR"}))["code"] == "6240"
		assert fault_of(raw.post("companycurrency", {"Code": "GBP"}))["code"] == "6000"
	finally:
		sandbox.stop()


def test_tax_service_refusals(raw):
	sb = raw.sb
	sb.load_seed(sample_seed("us"))
	raw = Raw(sb)
	new = {"TaxRateName": "Levy", "RateValue": 1, "TaxAgencyId": "99"}
	assert (
		fault_of(raw.post("taxservice/taxcode", {"TaxCode": "L", "TaxRateDetails": [new]}))["code"] == "2500"
	)
	assert fault_of(raw.post("taxservice/taxcode", {"TaxRateDetails": [new]}))["code"] == "2020"
	assert (
		fault_of(raw.post("taxservice/taxcode", {"TaxCode": "Larkspur", "TaxRateDetails": [new]}))["code"]
		== "6240"
	)
	reuse = raw.post(
		"taxservice/taxcode", {"TaxCode": "Reuse", "TaxRateDetails": [{"TaxRateId": "1"}]}
	).json()
	assert reuse["TaxRateDetails"][0]["TaxRateName"] == "California" and reuse["TaxCodeId"]
