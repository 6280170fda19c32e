"""Every Preferences section Intuit returns, with the values of a new company, under the sandbox's own
defaults (state.DEFAULT_PREFERENCES) and a seed's preferences.

Sections and fields: Intuit's Preferences reference
(https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/preferences): AccountingInfoPrefs,
ProductAndServicesPrefs, SalesFormsPrefs, EmailMessagesPrefs, VendorAndPurchasesPrefs, TimeTrackingPrefs,
TaxPrefs, CurrencyPrefs, ReportPrefs, OtherPrefs. The values are those of Intuit's sample response where it shows
one; the rest (e.g. TaxYearMonth "January", ReportBasis "Accrual") are a new company's usual settings: guesses."""

from __future__ import annotations


def message(subject: str, text: str) -> dict:
	return {"Subject": subject, "Message": text}


INTUIT_PREFERENCES = {
	"AccountingInfoPrefs": {
		"FirstMonthOfFiscalYear": "January",
		"UseAccountNumbers": False,
		"TaxYearMonth": "January",
		"ClassTrackingPerTxn": False,
		"ClassTrackingPerTxnLine": True,
		"TrackDepartments": True,
		"DepartmentTerminology": "Department",
		"CustomerTerminology": "Customers",
		"BookCloseDate": None,
	},
	"ProductAndServicesPrefs": {
		"ForSales": True,
		"ForPurchase": True,
		"QuantityWithPriceAndRate": True,
		"QuantityOnHand": True,
		"RevenueRecognitionEnabled": False,
	},
	"SalesFormsPrefs": {
		"CustomField": [
			{
				"CustomField": [
					{
						"Name": f"SalesFormsPrefs.UseSalesCustom{n}",
						"Type": "BooleanType",
						"BooleanValue": False,
					}
					for n in (1, 2, 3)
				]
			}
		],
		"CustomTxnNumbers": False,
		"AllowDeposit": True,
		"AllowDiscount": True,
		"AllowEstimates": True,
		"AllowServiceDate": False,
		"AllowShipping": False,
		"AutoApplyCredit": True,
		"AutoApplyPayments": True,
		"DefaultDiscountAccount": None,
		"DefaultShippingAccount": False,
		"DefaultCustomerMessage": "Thank you for your business and have a great day!",
		"EmailCopyToCompany": False,
		"EstimateMessage": "Please review the estimate below. Feel free to contact us if you have any questions.\n"
		"We look forward to working with you.",
		"ETransactionEnabledStatus": "NotApplicable",
		"ETransactionAttachPDF": False,
		"ETransactionPaymentEnabled": False,
		"IPNSupportEnabled": False,
		"PrintItemWithZeroAmount": True,
		"UsingPriceLevels": False,
		"UsingProgressInvoicing": False,
	},
	"EmailMessagesPrefs": {
		"InvoiceMessage": message(
			"Invoice {invoice_num} from {company_name}",
			"Your invoice is attached. Please remit payment at your earliest convenience.",
		),
		"EstimateMessage": message(
			"Estimate {estimate_num} from {company_name}",
			"Please review the estimate below. Feel free to contact us if you have any questions.",
		),
		"SalesReceiptMessage": message(
			"Sales Receipt {sales_receipt_num} from {company_name}", "Your sales receipt is attached."
		),
		"StatementMessage": message("Statement from {company_name}", "Your statement is attached."),
	},
	"VendorAndPurchasesPrefs": {
		"TrackingByCustomer": True,
		"BillableExpenseTracking": True,
		"TPAREnabled": False,
		"POCustomField": [{"CustomField": []}],
	},
	"TimeTrackingPrefs": {
		"UseServices": True,
		"BillCustomers": True,
		"ShowBillRateToAll": False,
		"WorkWeekStartDate": "Monday",
		"MarkTimeEntriesBillable": True,
	},
	"TaxPrefs": {"UsingSalesTax": True, "PartnerTaxEnabled": False},
	"CurrencyPrefs": {"MultiCurrencyEnabled": False, "HomeCurrency": {"value": "USD"}},
	"ReportPrefs": {"ReportBasis": "Accrual", "CalcAgingReportFromTxnDate": False},
	"OtherPrefs": {"NameValue": []},
}


def without_nulls(section: dict) -> dict:
	"""QBO leaves out what has no value (e.g. BookCloseDate of a company that never closed its books)."""
	return {key: value for key, value in section.items() if value is not None}


INTUIT_PREFERENCES = {name: without_nulls(section) for name, section in INTUIT_PREFERENCES.items()}
