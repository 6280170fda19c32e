"""The fictional content of the sample companies (samples.py builds them): names, accounts, items, locales."""

from __future__ import annotations

from datetime import date

ANCHOR = date(2026, 1, 15)  # the samples' "today": invoices fall in the 120 days before it
SAMPLES = ("us", "intl")
US_REALM, INTL_REALM = "9341453050000001", "9341453050000002"

ACCOUNTS = [  # Name, AccountType, AccountSubType, parent name
	("Business Checking", "Bank", "Checking", None),
	("Savings", "Bank", "Savings", None),
	("Accounts Receivable (A/R)", "Accounts Receivable", "AccountsReceivable", None),
	("Undeposited Funds", "Other Current Asset", "UndepositedFunds", None),
	("Inventory Asset", "Other Current Asset", "Inventory", None),
	("Prepaid Expenses", "Other Current Asset", "PrepaidExpenses", None),
	("Truck", "Fixed Asset", "Vehicles", None),
	("Tools and Equipment", "Fixed Asset", "MachineryAndEquipment", None),
	("Accounts Payable (A/P)", "Accounts Payable", "AccountsPayable", None),
	("Company Card", "Credit Card", "CreditCard", None),
	("{tax} Payable", "Other Current Liability", "GlobalTaxPayable", None),
	("Equipment Loan", "Long Term Liability", "NotesPayable", None),
	("Opening Balance Equity", "Equity", "OpeningBalanceEquity", None),
	("Retained Earnings", "Equity", "RetainedEarnings", None),
	("Owner's Investment", "Equity", "OwnersEquity", None),
	("Services", "Income", "ServiceFeeIncome", None),
	("Installation", "Income", "ServiceFeeIncome", "Services"),
	("Maintenance", "Income", "ServiceFeeIncome", "Services"),
	("Sales of Product Income", "Income", "SalesOfProductIncome", None),
	("Discounts given", "Income", "DiscountsRefundsGiven", None),
	("Interest Earned", "Other Income", "InterestEarned", None),
	("Cost of Goods Sold", "Cost of Goods Sold", "SuppliesMaterialsCogs", None),
	("Subcontractors", "Cost of Goods Sold", "CostOfLaborCos", None),
	("Advertising", "Expense", "AdvertisingPromotional", None),
	("Bank Charges", "Expense", "BankCharges", None),
	("Fuel", "Expense", "Auto", None),
	("Insurance", "Expense", "Insurance", None),
	("Rent or Lease", "Expense", "RentOrLeaseOfBuildings", None),
	("Utilities", "Expense", "Utilities", None),
	("Depreciation", "Other Expense", "Depreciation", None),
]
TERMS = [("Due on receipt", 0), ("Net 10", 10), ("Net 15", 15), ("Net 30", 30), ("Net 60", 60)]
PAYMENT_METHODS = {
	"us": ["Cash", "Check", "Visa*", "MasterCard*", "American Express*", "Discover*", "Direct Deposit"],
	"intl": ["Cash", "Cheque", "Visa*", "MasterCard*", "BACS", "Direct Debit"],
}
CLASSES = [("Residential", None), ("Commercial", None), ("Municipal", "Commercial")]
DEPARTMENTS = [("North", None), ("South", None), ("Online", None)]
# Name, Type, UnitPrice, income account, extra
ITEMS = [
	("Services", "Service", 0, "Services"),
	("Design", "Service", 75, "Services"),
	("Installation", "Service", 50, "Installation"),
	("Lawn Care", "Service", 35, "Maintenance"),
	("Pest Control", "Service", 70, "Maintenance"),
	("Trimming", "Service", 45, "Maintenance"),
	("Consulting Hours", "Service", 95, "Services"),
	("Fertilizer Bag", "NonInventory", 22.5, "Sales of Product Income"),
	("Mulch (cubic yard)", "NonInventory", 38, "Sales of Product Income"),
	("Sprinkler Head", "Inventory", 2.75, "Sales of Product Income"),
	("Garden Pump", "Inventory", 15, "Sales of Product Income"),
	("Stone Fountain", "Inventory", 275, "Sales of Product Income"),
	("Flood Light", "Inventory", 42, "Sales of Product Income"),
]
BUNDLE = ("Garden Starter Kit", [("Fertilizer Bag", 2), ("Sprinkler Head", 10), ("Garden Pump", 1)])
PEOPLE = [  # GivenName, FamilyName, CompanyName (None: a person), city
	("Amelia", "Hart", "Amelia's Bird Sanctuary", "Bayshore"),
	("Bill", "Lucchini", "Bill's Windsurf Shop", "Half Moon Bay"),
	("Grace", "Pariente", "Cool Cars", "Halfway"),
	("Diego", "Rodriguez", None, "Ruby"),
	("Dylan", "Sollfrank", None, "Middlefield"),
	("Kirby", "Freeman", "Freeman Sporting Goods", "Tucson"),
	("Sasha", "Tillou", "Geeta's Garden Bistro", "Sunnyvale"),
	("Jeff", "Chin", "Jeff's Jalopies", "Middlefield"),
	("John", "Melton", None, "Bayshore"),
	("Kate", "Whelan", None, "Palo Alto"),
	("Kookies", "Hallam", "Kookies by Kathy", "Middlefield"),
	("Mark", "Cho", None, "Bayshore"),
	("Nick", "Paulsen", "Paulsen Medical Supplies", "Middlefield"),
	("Peter", "Dukes", "Pye's Cakes", "South Orange"),
	("Rago", "Tran", "Rago Travel Agency", "Bayshore"),
	("Red", "Rock", "Red Rock Diner", "Bayshore"),
	("Rondonuwu", "Fruit", "Rondonuwu Fruit and Vegi", "Bayshore"),
	("Shara", "Barnett", "Barnett Design", "Sunnyvale"),
	("Stephanie", "Martini", "Sonnenschein Family Store", "Middlefield"),
	("Sushi", "Ito", "Sushi by Katsuyuki", "Palo Alto"),
	("Travis", "Waldron", None, "Sunnyvale"),
	("Video", "Games", "Video Games by Dan", "Middlefield"),
	("Wedding", "Planner", "Wedding Planning by Whitney", "Palo Alto"),
	("Weiskopf", "Consulting", "Weiskopf Consulting", "Bayshore"),
	("Aoife", "O'Neill", "O'Neill & Sons Roofing", "Halfway"),
	("Old", "Mill", "Old Mill Bakery", "Ruby"),
]
JOBS = {"Freeman Sporting Goods": ["0969 Ocean View Road", "55 Twin Lane"], "Weiskopf Consulting": ["Atrium"]}
INACTIVE = "Old Mill Bakery"
VENDORS = [
	"Brosnahan Insurance Agency",
	"Cal Telephone",
	"Hicks Hardware",
	"Lee Advertising",
	"Norton Lumber",
]
VENDORS += ["PG&E", "Tania's Nursery"]
EMPLOYEES = [("Emily", "Platt"), ("John", "Johnson"), ("Priya", "Shah"), ("Tom", "Okafor")]
LOCALE = {
	"us": {
		"realm": US_REALM,
		"company": "Larkspur Landscaping & Supply",
		"country": "US",
		"currency": "USD",
		"state": "CA",
		"tax": "Sales Tax",
		"agency": "California Department of Tax and Fee Administration",
		"rates": [("California", 7.25), ("Larkspur County", 1.0), ("Bayshore City", 0.5)],
		"domain": "example.com",
	},
	"intl": {
		"realm": INTL_REALM,
		"company": "Fenwick & Daughters Joinery Ltd",
		"country": "GB",
		"currency": "GBP",
		"state": None,
		"tax": "VAT",
		"agency": "HM Revenue & Customs",
		"rates": [("20.0% S", 20), ("5.0% R", 5), ("0.0% Z", 0), ("Exempt", 0)],
		"domain": "example.co.uk",
	},
}
FOREIGN = {"EUR": 0.85, "USD": 0.79}  # GBP per unit, for the multicurrency UK company
