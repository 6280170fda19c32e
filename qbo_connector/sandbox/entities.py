"""Which entities the sandbox serves and what each allows: the Id sequence it draws from, whether it is a
name list (Active filtering, DisplayName rules), which operations exist and which fields are queryable."""

from __future__ import annotations

from dataclasses import dataclass

META = ("Id", "MetaData.CreateTime", "MetaData.LastUpdatedTime")
PERSON = (
	"DisplayName",
	"GivenName",
	"MiddleName",
	"FamilyName",
	"CompanyName",
	"Title",
	"Suffix",
	"FullyQualifiedName",
	"PrintOnCheckName",
	"PrimaryEmailAddr",
	"PrimaryPhone",
	"Active",
	"Balance",
)
TXN = ("DocNumber", "TxnDate", "DueDate", "CustomerRef", "TotalAmt", "Balance", "CurrencyRef", "PrivateNote")
NAMED = ("Name", "Active", "FullyQualifiedName")
SALE = (*TXN, "DepositToAccountRef", "PaymentMethodRef", "ClassRef", "DepartmentRef")

# Fields the server computes; a client may send them (python-quickbooks does) but they are never stored as sent.
READ_ONLY = frozenset(
	{
		"Id",
		"SyncToken",
		"MetaData",
		"domain",
		"sparse",
		"status",
		"FullyQualifiedName",
		"Balance",
		"BalanceWithJobs",
		"TotalAmt",
		"HomeTotalAmt",
		"HomeBalance",
		"Level",
		"RemainingCredit",
		"UnappliedAmt",
		"time",
		# Account: "read only, system defined" in Intuit's Account reference
		# (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/account).
		"Classification",
		"SubAccount",
		"CurrentBalance",
		"CurrentBalanceWithSubAccounts",
		# Class / Department: SubClass and SubDepartment follow ParentRef (Class and Department references).
		"SubClass",
		"SubDepartment",
	}
)

# Top-level properties of the Customer and Invoice objects in Intuit's API reference (minor version 75), plus
# `domain` and `sparse`, which every response carries and python-quickbooks sends back, and Invoice
# `EInvoiceStatus`, an attribute of python-quickbooks' Invoice. Any other property in a create or update body
# is refused with 2010, as QBO does.
ENVELOPE = "Id SyncToken MetaData domain sparse"
PROPERTIES = {
	"Customer": frozenset(
		f"""{ENVELOPE} DisplayName Title GivenName MiddleName Suffix FamilyName FullyQualifiedName CompanyName
		PrintOnCheckName Notes Active Job Level ParentRef IsProject BillWithParent PrimaryEmailAddr PrimaryPhone
		AlternatePhone Mobile Fax WebAddr BillAddr ShipAddr CurrencyRef Balance BalanceWithJobs OpenBalanceDate
		ARAccountRef SalesTermRef PaymentMethodRef PreferredDeliveryMethod CustomerTypeRef Taxable
		DefaultTaxCodeRef TaxExemptionReasonId ResaleNum PrimaryTaxIdentifier SecondaryTaxIdentifier
		BusinessNumber GSTIN GSTRegistrationType Source""".split()
	),
	"Invoice": frozenset(
		f"""{ENVELOPE} Line CustomerRef CurrencyRef ExchangeRate DocNumber TxnDate DueDate PrivateNote
		CustomerMemo CustomField LinkedTxn TxnTaxDetail GlobalTaxCalculation ApplyTaxAfterDiscount SalesTermRef
		ClassRef DepartmentRef ProjectRef TxnSource TransactionLocationType BillAddr ShipAddr ShipFromAddr
		FreeFormAddress ShipMethodRef ShipDate TrackingNum BillEmail BillEmailCc BillEmailBcc PrintStatus
		EmailStatus DeliveryInfo InvoiceLink DepositToAccountRef Deposit AllowIPNPayment AllowOnlinePayment
		AllowOnlineACHPayment AllowOnlineCreditCardPayment TotalAmt Balance HomeTotalAmt HomeBalance
		RecurDataRef TaxExemptionRef EInvoiceStatus""".split()
	),
}


@dataclass(frozen=True)
class Spec:
	name: str
	sequence: str  # Ids are drawn per sequence; Customer, Vendor and Employee share one, as in QBO
	queryable: frozenset
	writable: bool = True
	name_list: bool = False  # Active filtering in queries
	deletable: bool = False  # ?operation=delete
	voidable: bool = False  # ?operation=void
	cdc: bool = True

	@property
	def path(self) -> str:
		return self.name.lower()


def _spec(name, sequence, fields, **flags) -> Spec:
	return Spec(name, sequence, frozenset(META + tuple(fields)), **flags)


SPECS = {
	spec.name: spec
	for spec in (
		_spec("Customer", "name", (*PERSON, "Job", "ParentRef", "CurrencyRef", "ResaleNum"), name_list=True),
		_spec("Vendor", "name", (*PERSON, "CurrencyRef"), name_list=True),
		_spec("Employee", "name", (*PERSON, "EmployeeNumber"), name_list=True),
		_spec("Item", "item", (*NAMED, "Type", "Sku", "ParentRef", "QtyOnHand", "UnitPrice"), name_list=True),
		_spec(
			"Account",
			"account",
			(
				*NAMED,
				"AccountType",
				"AccountSubType",
				"Classification",
				"CurrencyRef",
				"AcctNum",
				"ParentRef",
			),
		),
		_spec("Class", "class", (*NAMED, "ParentRef", "SubClass"), name_list=True),
		_spec("Department", "department", (*NAMED, "ParentRef", "SubDepartment"), name_list=True),
		_spec("Term", "term", (*NAMED, "DueDays", "Type"), name_list=True),
		_spec("PaymentMethod", "paymentmethod", (*NAMED, "Type"), name_list=True),
		_spec("TaxAgency", "taxagency", ("DisplayName", "Active"), name_list=True, cdc=False),
		_spec(
			"TaxCode", "taxcode", (*NAMED, "Taxable", "TaxGroup"), writable=False, name_list=True, cdc=False
		),
		_spec("TaxRate", "taxrate", (*NAMED, "RateValue"), writable=False, name_list=True, cdc=False),
		_spec("Invoice", "txn", TXN, deletable=True, voidable=True),
		_spec("CreditMemo", "txn", TXN, deletable=True, voidable=True),
		_spec("SalesReceipt", "txn", SALE, deletable=True, voidable=True),
		_spec("RefundReceipt", "txn", SALE, deletable=True),
		_spec("Estimate", "txn", (*SALE, "TxnStatus", "ExpirationDate"), deletable=True),
		_spec(
			"Deposit", "txn", ("TxnDate", "TotalAmt", "DepositToAccountRef", "CurrencyRef"), deletable=True
		),
		_spec(
			"Payment",
			"txn",
			("TxnDate", "CustomerRef", "TotalAmt", "UnappliedAmt", "CurrencyRef"),
			deletable=True,
			voidable=True,
		),
		_spec("CompanyCurrency", "currency", ("Code", "Name", "Active"), cdc=False),
		_spec(
			"ExchangeRate",
			"exchangerate",
			("SourceCurrencyCode", "TargetCurrencyCode", "AsOfDate"),
			cdc=False,
		),
		_spec("CompanyInfo", "company", ("CompanyName", "Country"), writable=False, cdc=False),
		_spec("Preferences", "preferences", (), writable=False, cdc=False),
	)
}
BY_PATH = {spec.path: spec for spec in SPECS.values()}
CANONICAL = {name.lower(): name for name in SPECS}
NAME_LISTS = ("Customer", "Vendor", "Employee")
TRANSACTIONS = ("Invoice", "CreditMemo", "Payment", "SalesReceipt", "RefundReceipt", "Estimate", "Deposit")
# The transactions that move a customer's open balance (accounts receivable).
RECEIVABLES = ("Invoice", "CreditMemo", "Payment")
SALES_FORMS = ("Invoice", "CreditMemo", "SalesReceipt", "RefundReceipt", "Estimate")

# Where a reference points, by the key that holds it.
REFERENCE_TARGETS = {
	"CustomerRef": "Customer",
	"ParentRef": None,  # same entity as the holder
	"ItemRef": "Item",
	"TaxCodeRef": "TaxCode",
	"TxnTaxCodeRef": "TaxCode",
	"TaxRateRef": "TaxRate",
	"ClassRef": "Class",
	"DepartmentRef": "Department",
	"SalesTermRef": "Term",
	"VendorRef": "Vendor",
	"EmployeeRef": "Employee",
	"IncomeAccountRef": "Account",
	"ExpenseAccountRef": "Account",
	"AssetAccountRef": "Account",
	"DepositToAccountRef": "Account",
	"ARAccountRef": "Account",
	"DiscountAccountRef": "Account",
	"AccountRef": "Account",
	"ItemAccountRef": "Account",
	"PaymentMethodRef": "PaymentMethod",
	"AgencyRef": "TaxAgency",
}
