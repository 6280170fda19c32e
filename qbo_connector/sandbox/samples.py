"""Two sample companies, written by us with fictional data, shaped like the sample company Intuit creates in a
new sandbox: a chart of accounts with types and subtypes, about 30 customers (jobs, an inactive one), vendors,
employees, items of every type, open and paid invoices, payments, credit memos, sales receipts, estimates, a
refund, a deposit, terms, payment methods, classes and departments.

`sample_seed("us")`: Larkspur Landscaping & Supply, a US company with Automated Sales Tax on, USD only.
`sample_seed("intl")`: Fenwick & Daughters Joinery Ltd, a UK company with VAT (standard 20%, reduced 5%,
zero-rated, exempt) and multicurrency on (GBP home; EUR and USD customers).

Everything is generated here (no large JSON file) and loaded through the same rules as the API, so a sample
company that breaks a rule fails to load. Dates are fixed so that every run sees the same company."""

from __future__ import annotations

import random
from datetime import timedelta

from qbo_connector.sandbox.sample_data import (
	ACCOUNTS,
	ANCHOR,
	BUNDLE,
	CLASSES,
	DEPARTMENTS,
	EMPLOYEES,
	FOREIGN,
	INACTIVE,
	ITEMS,
	JOBS,
	LOCALE,
	PAYMENT_METHODS,
	PEOPLE,
	SAMPLES,
	TERMS,
	US_REALM,
	VENDORS,
)


def ref(value) -> dict:
	return {"value": str(value)}


class Builder:
	def __init__(self, kind: str):
		if kind not in SAMPLES:
			raise ValueError(f"sample must be one of {', '.join(SAMPLES)}, got {kind!r}")
		self.kind, self.loc, self.rng = kind, LOCALE[kind], random.Random(f"sample-{kind}")
		self.ids: dict[str, dict[str, str]] = {}
		self.txn = 0
		self.realm: dict = {"realm_id": self.loc["realm"]}

	def add(self, key: str, entity: str, name: str, body: dict) -> str:
		"""Append to a seed list with an explicit Id (per Id sequence), remembering it by name."""
		ident = str(len(self.realm.setdefault(key, [])) + 1)
		if entity in ("Customer", "Vendor", "Employee"):
			ident = str(sum(len(self.realm.get(k, [])) for k in ("customers", "vendors", "employees")) + 1)
		self.realm[key].append({"Id": ident, **body})
		self.ids.setdefault(entity, {})[name] = ident
		return ident

	def add_txn(self, key: str, body: dict) -> str:
		self.txn += 1
		self.realm.setdefault(key, []).append({"Id": str(self.txn), **body})
		return str(self.txn)

	def id(self, entity: str, name: str) -> str:
		return self.ids[entity][name]

	def build(self) -> dict:
		self.company()
		self.lists()
		self.tax()
		self.items()
		self.names()
		self.sales()
		return {
			"comment": f"qbo_connector sample company ({self.kind}), fictional data",
			"realms": [self.realm],
		}

	def company(self) -> None:
		loc, multi = self.loc, self.kind == "intl"
		addr = {
			"Line1": "1 Orchard Way",
			"City": "Larkspur" if not multi else "York",
			"Country": loc["country"],
		}
		addr.update({"CountrySubDivisionCode": loc["state"]} if loc["state"] else {"PostalCode": "YO1 7HH"})
		self.realm["company"] = {
			"CompanyName": loc["company"],
			"LegalName": loc["company"],
			"Country": loc["country"],
			"CompanyAddr": addr,
			"Email": {"Address": f"office@{loc['domain']}"},
			"FiscalYearStartMonth": "January" if not multi else "April",
		}
		self.realm["preferences"] = {
			"AccountingInfoPrefs": {"FirstMonthOfFiscalYear": self.realm["company"]["FiscalYearStartMonth"]},
			"CurrencyPrefs": {"MultiCurrencyEnabled": multi, "HomeCurrency": ref(loc["currency"])},
			# Intuit: US companies created since November 2017 use Automated Sales Tax (PartnerTaxEnabled).
			"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": not multi},
		}
		if multi:
			self.realm["exchange_rates"] = dict(FOREIGN)
			for code in FOREIGN:
				self.add("company_currencies", "CompanyCurrency", code, {"Code": code})

	def lists(self) -> None:
		for name, kind, subtype, parent in ACCOUNTS:
			name = name.format(tax=self.loc["tax"])
			body = {"Name": name, "AccountType": kind, "AccountSubType": subtype}
			if parent:
				body["ParentRef"] = ref(self.id("Account", parent))
			self.add("accounts", "Account", name, body)
		for name, days in TERMS:
			self.add("terms", "Term", name, {"Name": name, "DueDays": days})
		self.add("terms", "Term", "1st of month", {"Name": "1st of month", "DayOfMonthDue": 1})
		for name in PAYMENT_METHODS[self.kind]:
			card = name.endswith("*")
			body = {"Name": name.rstrip("*"), "Type": "CREDIT_CARD" if card else "NON_CREDIT_CARD"}
			self.add("payment_methods", "PaymentMethod", name.rstrip("*"), body)
		for key, entity, entries in (
			("classes", "Class", CLASSES),
			("departments", "Department", DEPARTMENTS),
		):
			for name, parent in entries:
				body = {"Name": name, **({"ParentRef": ref(self.id(entity, parent))} if parent else {})}
				self.add(key, entity, name, body)

	def tax(self) -> None:
		agency = self.add("tax_agencies", "TaxAgency", "agency", {"DisplayName": self.loc["agency"]})
		rates = []
		for name, value in self.loc["rates"]:
			body = {"Name": name, "Description": name, "RateValue": value, "AgencyRef": ref(agency)}
			rates.append(self.add("tax_rates", "TaxRate", name, body))
		if self.kind == "us":  # the pseudo codes of US line items, and the combined local code
			for code, taxable in (("TAX", True), ("NON", False)):
				self.add("tax_codes", "TaxCode", code, {"Id": code, "Name": code, "Taxable": taxable})
			detail = {"TaxRateDetail": [{"TaxRateRef": ref(rate)} for rate in rates]}
			body = {
				"Id": "3",
				"Name": "Larkspur",
				"Taxable": True,
				"TaxGroup": True,
				"SalesTaxRateList": detail,
			}
			self.add("tax_codes", "TaxCode", "local", body)
			self.ids["TaxCode"].update(TAX="TAX", NON="NON", local="3")
			return
		for (name, _), rate in zip(self.loc["rates"], rates, strict=True):
			body = {"Name": name, "Taxable": name != "Exempt", "TaxGroup": False}
			body["SalesTaxRateList"] = {"TaxRateDetail": [{"TaxRateRef": ref(rate)}]}
			self.add("tax_codes", "TaxCode", name, body)
		self.add("tax_codes", "TaxCode", "No VAT", {"Name": "No VAT", "Taxable": False, "TaxGroup": False})

	def items(self) -> None:
		for name, kind, price, income in ITEMS:
			body = {
				"Name": name,
				"Type": kind,
				"UnitPrice": price,
				"IncomeAccountRef": ref(self.id("Account", income)),
			}
			body["Description"] = f"{name} ({kind.lower()})"
			if kind == "Inventory":
				body.update(
					TrackQtyOnHand=True,
					QtyOnHand=self.rng.randrange(10, 200),
					InvStartDate=(ANCHOR - timedelta(days=365)).isoformat(),
					PurchaseCost=round(price * 0.6, 2),
					AssetAccountRef=ref(self.id("Account", "Inventory Asset")),
					ExpenseAccountRef=ref(self.id("Account", "Cost of Goods Sold")),
					Sku=f"SKU-{len(self.realm.get('items', [])) + 1:04d}",
				)
			self.add("items", "Item", name, body)
		name, parts = BUNDLE
		group = [{"ItemRef": ref(self.id("Item", part)), "Qty": qty} for part, qty in parts]
		self.add(
			"items",
			"Item",
			name,
			{"Name": name, "Type": "Group", "ItemGroupDetail": {"ItemGroupLine": group}},
		)

	def names(self) -> None:
		domain = self.loc["domain"]
		for given, family, company, city in PEOPLE:
			display = company or f"{given} {family}"
			handle = "".join(ch for ch in display.lower() if ch.isalnum())[:16]
			body = {"DisplayName": display, "GivenName": given, "FamilyName": family, "Active": True}
			body.update(PrimaryEmailAddr={"Address": f"{handle}@{domain}"}, BillAddr={"City": city})
			body["PrimaryPhone"] = {
				"FreeFormNumber": f"(555) 01{self.rng.randrange(10, 99)}-{self.rng.randrange(1000, 9999)}"
			}
			if company:
				body["CompanyName"] = company
			if (
				display == INACTIVE
			):  # closed, nothing owed: QBO refuses to inactivate a customer with a balance
				body["Active"] = False
			body["SalesTermRef"] = ref(
				self.id("Term", self.rng.choice(["Net 30", "Net 15", "Due on receipt"]))
			)
			self.add("customers", "Customer", display, body)
			for job in JOBS.get(display, []):
				job_body = {"DisplayName": job, "CompanyName": display, "Job": True, "BillWithParent": True}
				self.add(
					"customers", "Customer", job, {**job_body, "ParentRef": ref(self.id("Customer", display))}
				)
		if self.kind == "intl":
			for code, (name, city) in {
				"EUR": ("Brasserie Lumière", "Lyon"),
				"USD": ("Cedar Point Cabins", "Boise"),
			}.items():
				body = {"DisplayName": f"{name} ({code})", "CompanyName": name, "CurrencyRef": ref(code)}
				self.add("customers", "Customer", body["DisplayName"], {**body, "BillAddr": {"City": city}})
		for name in VENDORS:
			self.add("vendors", "Vendor", name, {"DisplayName": name, "CompanyName": name})
		for given, family in EMPLOYEES:
			body = {"GivenName": given, "FamilyName": family, "DisplayName": f"{given} {family}"}
			self.add("employees", "Employee", body["DisplayName"], body)

	def lines(self, count: int) -> list[dict]:
		sellable = [entry for entry in ITEMS if entry[2]]
		out = []
		for name, kind, price, _ in self.rng.sample(sellable, count):
			qty = self.rng.randrange(1, 12)
			detail = {"ItemRef": ref(self.id("Item", name)), "Qty": qty, "UnitPrice": price}
			if self.kind == "us":
				detail["TaxCodeRef"] = ref("NON" if kind == "Service" else "TAX")
			else:
				code = (
					"20.0% S" if kind != "NonInventory" else self.rng.choice(["5.0% R", "0.0% Z", "Exempt"])
				)
				detail["TaxCodeRef"] = ref(self.id("TaxCode", code))
			amount = round(qty * price, 2)
			out.append({"DetailType": "SalesItemLineDetail", "Amount": amount, "SalesItemLineDetail": detail})
		return out

	def sale(self, customer: str, days_ago: int, lines: int = 0) -> dict:
		body = {
			"CustomerRef": ref(self.id("Customer", customer)),
			"TxnDate": (ANCHOR - timedelta(days=days_ago)).isoformat(),
		}
		body["Line"] = self.lines(lines or self.rng.randrange(1, 4))
		if self.kind == "us" and any(
			line["SalesItemLineDetail"]["TaxCodeRef"]["value"] == "TAX" for line in body["Line"]
		):
			body["TxnTaxDetail"] = {"TxnTaxCodeRef": ref(self.ids["TaxCode"]["local"])}
		elif self.kind == "intl":
			body["GlobalTaxCalculation"] = "TaxExcluded"
		body["ClassRef"] = ref(self.id("Class", self.rng.choice([name for name, _ in CLASSES])))
		body["DepartmentRef"] = ref(self.id("Department", self.rng.choice([name for name, _ in DEPARTMENTS])))
		return body

	def sales(self) -> None:
		"""Open, part-paid and paid invoices, credit memos (one applied by a payment), sales receipts, estimates,
		a refund and a deposit. Payments need the invoices' totals as the live rules compute them (tax
		included), so the company is first loaded without them."""
		billable = [name for name in self.ids["Customer"] if name != INACTIVE]
		invoices = []
		for number, customer in enumerate(billable * 2):
			if number % 3 != 2:
				invoices.append(
					(customer, self.add_txn("invoices", self.sale(customer, 5 + (number * 7) % 115)))
				)
		memos = [
			(customer, self.add_txn("credit_memos", self.sale(customer, 10, 1))) for customer in billable[3:6]
		]
		for customer in billable[6:11]:
			receipt = self.sale(customer, self.rng.randrange(1, 60))
			self.add_txn(
				"sales_receipts", {**receipt, "PaymentMethodRef": ref(self.id("PaymentMethod", "Cash"))}
			)
		statuses = ["Pending", "Accepted", "Pending", "Rejected", "Closed"]
		for status, customer in zip(statuses, billable[11:16], strict=True):
			self.add_txn("estimates", {**self.sale(customer, self.rng.randrange(1, 30)), "TxnStatus": status})
		checking = ref(self.id("Account", "Business Checking"))
		self.add_txn("refund_receipts", {**self.sale(billable[7], 3, 1), "DepositToAccountRef": checking})
		self.payments(invoices, memos, checking)

	def payments(self, invoices: list, memos: list, checking: dict) -> None:
		from qbo_connector.sandbox import seed
		from qbo_connector.sandbox.clock import Clock

		probe = next(iter(seed.build({"realms": [self.realm]}, Clock())[0].values()))
		total = {
			ident: probe.get(entity, ident)["TotalAmt"]
			for entity in ("Invoice", "CreditMemo")
			for ident in probe.rows[entity]
		}
		methods = list(self.ids["PaymentMethod"])
		for index, (customer, ident) in enumerate(invoices):
			share = 1 if index % 3 == 0 else (0.5 if index % 5 == 1 else 0)
			if share:
				amount = round(total[ident] * share, 2)
				line = {"Amount": amount, "LinkedTxn": [{"TxnId": ident, "TxnType": "Invoice"}]}
				body = {"CustomerRef": ref(self.id("Customer", customer)), "TotalAmt": amount, "Line": [line]}
				body["PaymentMethodRef"] = ref(self.id("PaymentMethod", methods[index % len(methods)]))
				self.add_txn("payments", body)
		paid = {line["LinkedTxn"][0]["TxnId"] for body in self.realm["payments"] for line in body["Line"]}
		customer, memo = memos[0]
		credit = total[memo]
		target = next(i for c, i in invoices if c == customer and i not in paid and total[i] > credit)
		lines = [
			{"Amount": credit, "LinkedTxn": [{"TxnId": target, "TxnType": "Invoice"}]},
			{"Amount": credit, "LinkedTxn": [{"TxnId": memo, "TxnType": "CreditMemo"}]},
		]
		self.add_txn(
			"payments", {"CustomerRef": ref(self.id("Customer", customer)), "TotalAmt": 0, "Line": lines}
		)
		first = self.realm["payments"][0]
		line = {"Amount": first["TotalAmt"], "LinkedTxn": [{"TxnId": first["Id"], "TxnType": "Payment"}]}
		self.add_txn(
			"deposits", {"DepositToAccountRef": checking, "TxnDate": ANCHOR.isoformat(), "Line": [line]}
		)


def sample_seed(kind: str = "us") -> dict:
	"""One sample company, or "both": the US and the UK company as two realms of one sandbox."""
	if kind == "both":
		realms = [Builder(one).build()["realms"][0] for one in SAMPLES]
		return {"comment": "qbo_connector sample companies (us, intl), fictional data", "realms": realms}
	return Builder(kind).build()
