"""Intuit's rules for the simple lists: Account (types, subtypes, classification), Class and Department
(hierarchies), Term, PaymentMethod, TaxAgency and CompanyCurrency. Each cites the entity's page in Intuit's
API reference, https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/<entity>."""

from __future__ import annotations

from qbo_connector.sandbox import faults, rules
from qbo_connector.sandbox.state import Realm, name_key

# AccountTypeEnum -> (Classification, AccountSubType values). The first subtype is what an account created
# with only an AccountType gets (Intuit does not document that default: a guess). Source: Account reference,
# AccountType / AccountSubType / Classification, and its "Account types" appendix.
ACCOUNT_TYPES = {
	"Bank": ("Asset", "Checking CashOnHand MoneyMarket RentsHeldInTrust Savings TrustAccounts"),
	"Other Current Asset": (
		"Asset",
		"OtherCurrentAssets AllowanceForBadDebts DevelopmentCosts EmployeeCashAdvances Inventory "
		"Investment_MortgageRealEstateLoans Investment_Other Investment_TaxExemptSecurities "
		"Investment_USGovernmentObligations LoansToOfficers LoansToOthers LoansToStockholders PrepaidExpenses "
		"Retainage UndepositedFunds",
	),
	"Fixed Asset": (
		"Asset",
		"OtherFixedAssets AccumulatedDepletion AccumulatedDepreciation DepletableAssets FixedAssetComputers "
		"FixedAssetCopiers FixedAssetFurniture FixedAssetPhone FixedAssetPhotoVideo FixedAssetSoftware "
		"FixedAssetOtherToolsEquipment FurnitureAndFixtures Land LeaseholdImprovements AccumulatedAmortization "
		"Buildings IntangibleAssets MachineryAndEquipment Vehicles",
	),
	"Other Asset": (
		"Asset",
		"OtherLongTermAssets LeaseBuyout SecurityDeposits AccumulatedAmortizationOfOtherAssets Goodwill "
		"Licenses OrganizationalCosts",
	),
	"Accounts Receivable": ("Asset", "AccountsReceivable"),
	"Equity": (
		"Equity",
		"OwnersEquity OpeningBalanceEquity PartnersEquity RetainedEarnings AccumulatedAdjustment "
		"PaidInCapitalOrSurplus PartnerContributions PartnerDistributions PreferredStock CommonStock "
		"TreasuryStock EstimatedTaxes Healthcare PersonalIncome PersonalExpense",
	),
	"Income": (
		"Revenue",
		"ServiceFeeIncome SalesOfProductIncome NonProfitIncome OtherPrimaryIncome DiscountsRefundsGiven "
		"UnappliedCashPaymentIncome CashReceiptIncome OperatingGrants OtherCurrentOperatingIncome "
		"OwnWorkCapitalized RevenueGeneral SalesRetail SalesWholesale SavingsByTaxScheme",
	),
	"Other Income": (
		"Revenue",
		"OtherMiscellaneousIncome DividendIncome InterestEarned OtherInvestmentIncome TaxExemptInterest "
		"GainLossOnSaleOfFixedAssets GainLossOnSaleOfInvestments LossOnDisposalOfAssets OtherOperatingIncome "
		"UnrealisedLossOnSecurities",
	),
	"Expense": (
		"Expense",
		"OtherBusinessExpenses AdvertisingPromotional BadDebts BankCharges CharitableContributions "
		"CommissionsAndFees Entertainment EntertainmentMeals EquipmentRental FinanceCosts GlobalTaxExpense "
		"Insurance InterestPaid LegalProfessionalFees OfficeExpenses OfficeGeneralAdministrativeExpenses "
		"OtherMiscellaneousServiceCost PromotionalMeals RentOrLeaseOfBuildings RepairMaintenance "
		"ShippingFreightDelivery SuppliesMaterials Travel TravelMeals Utilities Auto CostOfLabor "
		"DuesSubscriptions PayrollExpenses TaxesPaid UnappliedCashBillPaymentExpense",
	),
	"Other Expense": (
		"Expense",
		"OtherMiscellaneousExpense Depreciation ExchangeGainOrLoss PenaltiesSettlements Amortization "
		"GasAndFuel HomeOffice HomeOwnerRentalInsurance OtherHomeOfficeExpenses MortgageInterest RentAndLease "
		"RepairsAndMaintenance ParkingAndTolls Vehicle VehicleInsurance VehicleLease VehicleLoanInterest "
		"VehicleLoan VehicleRegistration VehicleRepairs OtherVehicleExpenses WashAndRoadServices",
	),
	"Cost of Goods Sold": (
		"Expense",
		"SuppliesMaterialsCogs EquipmentRentalCos OtherCostsOfServiceCos ShippingFreightDeliveryCos "
		"CostOfLaborCos",
	),
	"Accounts Payable": (
		"Liability",
		"AccountsPayable OutstandingDuesMicroSmallEnterprise OutstandingDuesOtherThanMicroSmallEnterprise",
	),
	"Credit Card": ("Liability", "CreditCard"),
	"Long Term Liability": (
		"Liability",
		"OtherLongTermLiabilities NotesPayable ShareholderNotesPayable AccruedHolidayPayable "
		"AccruedLongLiabilities AccruedNonCurrentLiabilities LongTermBorrowings",
	),
	"Other Current Liability": (
		"Liability",
		"OtherCurrentLiabilities DirectDepositPayable LineOfCredit LoanPayable GlobalTaxPayable "
		"GlobalTaxSuspense PayrollClearing PayrollTaxPayable PrepaidExpensesPayable RentsInTrustLiability "
		"TrustAccountsLiabilities FederalIncomeTaxPayable InsurancePayable SalesTaxPayable "
		"StateLocalIncomeTaxPayable",
	),
}
SUBTYPES = {kind: subtypes.split() for kind, (_, subtypes) in ACCOUNT_TYPES.items()}
TYPE_OF_SUBTYPE = {subtype: kind for kind, subtypes in SUBTYPES.items() for subtype in subtypes}
PAYMENT_METHOD_TYPES = ("CREDIT_CARD", "NON_CREDIT_CARD")
# CompanyCurrency.Name when a create leaves it out (ISO 4217 names; the list is ours, not Intuit's).
CURRENCY_NAMES = {
	"USD": "United States Dollar",
	"EUR": "Euro",
	"GBP": "British Pound Sterling",
	"CAD": "Canadian Dollar",
	"AUD": "Australian Dollar",
	"JPY": "Japanese Yen",
	"CHF": "Swiss Franc",
	"INR": "Indian Rupee",
	"MXN": "Mexican Peso",
	"NZD": "New Zealand Dollar",
}


def bad_value(element: str, value) -> faults.Fault:
	return faults.invalid_property(f"{element} value '{value}' is not valid", element)


def shape_account(realm: Realm, obj: dict) -> None:
	"""Account reference, "Create an Account": Name (max 100, no double quote or colon) plus AccountType or
	AccountSubType ("Required if AccountSubType is not specified" and vice versa); Classification, SubAccount and
	FullyQualifiedName are read only and derived."""
	if '"' in obj["Name"]:
		raise faults.invalid_characters("Name")
	kind, subtype = obj.get("AccountType"), obj.get("AccountSubType")
	if not kind and not subtype:
		raise faults.required("AccountType", "Required parameter AccountType or AccountSubType is missing")
	if kind and kind not in ACCOUNT_TYPES:
		raise bad_value("AccountType", kind)
	if subtype and subtype not in TYPE_OF_SUBTYPE:
		raise bad_value("AccountSubType", subtype)
	kind = kind or TYPE_OF_SUBTYPE[subtype]
	if subtype and subtype not in SUBTYPES[kind]:
		raise faults.business(
			f"AccountSubType {subtype} does not belong to AccountType {kind}.", "AccountSubType"
		)
	obj["AccountType"], obj["AccountSubType"] = kind, subtype or SUBTYPES[kind][0]
	obj["Classification"] = ACCOUNT_TYPES[kind][0]
	obj.setdefault("CurrencyRef", {"value": realm.home_currency, "name": realm.home_currency})
	obj.setdefault("CurrentBalance", 0)
	obj.setdefault("CurrentBalanceWithSubAccounts", obj["CurrentBalance"])
	nest(realm, "Account", obj, "SubAccount")


def nest(realm: Realm, entity: str, obj: dict, flag: str) -> None:
	"""ParentRef makes a sub-list entry: FullyQualifiedName "Parent:Child" (Account, Class and Department
	references, FullyQualifiedName and ParentRef)."""
	parent = realm.get(entity, (obj.get("ParentRef") or {}).get("value"))
	if parent is not None and parent["Id"] == obj["Id"]:
		raise faults.invalid_reference("ParentRef", entity, parent["Id"])
	obj[flag] = parent is not None
	if parent is not None:
		obj["FullyQualifiedName"] = f"{parent['FullyQualifiedName']}:{obj['Name']}"


def shape_term(realm: Realm, obj: dict) -> None:
	"""Term reference: Name (max 31); DueDays makes a STANDARD term, DayOfMonthDue a DATE_DRIVEN one; Type
	is read only."""
	rules.check_strings(obj, ("Name",))
	if len(obj["Name"]) > 31:
		raise faults.too_long("Name", 31, len(obj["Name"]))
	date_driven = obj.get("DayOfMonthDue") is not None
	if date_driven and obj.get("DueDays") is not None:
		raise faults.business("A term has either DueDays or DayOfMonthDue, not both.", "DueDays")
	obj["Type"] = "DATE_DRIVEN" if date_driven else "STANDARD"
	if not date_driven:
		obj.setdefault("DueDays", 0)


def shape_payment_method(realm: Realm, obj: dict) -> None:
	"""PaymentMethod reference: Name required (max 31, unique); Type CREDIT_CARD or NON_CREDIT_CARD. The
	default for a create without Type is a guess (NON_CREDIT_CARD)."""
	if len(obj["Name"]) > 31:
		raise faults.too_long("Name", 31, len(obj["Name"]))
	kind = obj.setdefault("Type", "NON_CREDIT_CARD")
	if kind not in PAYMENT_METHOD_TYPES:
		raise bad_value("Type", kind)


SHAPERS = {
	"Account": shape_account,
	"Term": shape_term,
	"PaymentMethod": shape_payment_method,
	"Class": lambda realm, obj: nest(realm, "Class", obj, "SubClass"),
	"Department": lambda realm, obj: nest(realm, "Department", obj, "SubDepartment"),
}


def prepare_tax_agency(realm: Realm, obj: dict, existing: dict | None) -> dict:
	"""TaxAgency reference: DisplayName required and unique; TaxTrackedOnSales defaults true."""
	if not obj.get("DisplayName"):
		raise faults.required("DisplayName")
	rules.check_strings(obj, ("DisplayName",))
	key = name_key(obj["DisplayName"])
	for row in realm.all("TaxAgency"):
		if row["Id"] != obj["Id"] and name_key(row.get("DisplayName")) == key:
			raise faults.duplicate_name(row["Id"])
	obj.setdefault("TaxTrackedOnSales", True)
	obj.setdefault("TaxTrackedOnPurchases", False)
	return obj


def prepare_company_currency(realm: Realm, obj: dict, existing: dict | None) -> dict:
	"""CompanyCurrency reference: only for multicurrency companies; Code (ISO 4217) required, never changed,
	and not already in the list; an update only (de)activates it."""
	if not realm.multicurrency:
		raise faults.business("Multicurrency is not enabled for this company.", "Code")
	code = str(obj.get("Code") or "").upper()
	if len(code) != 3 or not code.isalpha():
		raise faults.required("Code") if not code else bad_value("Code", code)
	if existing and code != existing["Code"]:
		raise faults.business("The currency code of a CompanyCurrency can't be changed.", "Code")
	if code == realm.home_currency:
		raise faults.business(f"{code} is the home currency.", "Code")
	for row in realm.all("CompanyCurrency"):
		if row["Id"] != obj["Id"] and row["Code"] == code:
			raise faults.duplicate_name(row["Id"])
	obj["Code"] = code
	obj["Name"] = obj.get("Name") or CURRENCY_NAMES.get(code, code)
	obj.setdefault("Active", True)
	return obj


OWN_PREPARE = {"TaxAgency": prepare_tax_agency, "CompanyCurrency": prepare_company_currency}


def prepare(realm: Realm, entity: str, obj: dict, existing: dict | None) -> dict:
	if entity in OWN_PREPARE:
		return OWN_PREPARE[entity](realm, obj, existing)
	return rules.prepare_named(realm, entity, obj, existing, SHAPERS.get(entity))
