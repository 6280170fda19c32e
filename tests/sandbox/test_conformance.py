"""Conformance: the sample companies as they come, driven only through unmodified python-quickbooks 0.9.12
and intuit-oauth objects, the way client code written against Intuit's sandbox uses them."""

from __future__ import annotations

from decimal import Decimal

import pytest
from quickbooks.batch import batch_create
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.account import Account
from quickbooks.objects.base import Ref
from quickbooks.objects.companycurrency import CompanyCurrency
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.department import Department
from quickbooks.objects.deposit import Deposit
from quickbooks.objects.detailline import SalesItemLine, SalesItemLineDetail
from quickbooks.objects.employee import Employee
from quickbooks.objects.estimate import Estimate
from quickbooks.objects.exchangerate import ExchangeRate
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.item import Item
from quickbooks.objects.payment import Payment, PaymentLine
from quickbooks.objects.paymentmethod import PaymentMethod
from quickbooks.objects.preferences import Preferences
from quickbooks.objects.refundreceipt import RefundReceipt
from quickbooks.objects.salesreceipt import SalesReceipt
from quickbooks.objects.taxagency import TaxAgency
from quickbooks.objects.taxcode import TaxCode
from quickbooks.objects.taxrate import TaxRate
from quickbooks.objects.taxservice import TaxRateDetails, TaxService
from quickbooks.objects.term import Term
from quickbooks.objects.trackingclass import Class
from quickbooks.objects.vendor import Vendor

from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.samples import sample_seed

from .test_library_clients import client, connect


@pytest.fixture(autouse=True)
def insecure_transport(monkeypatch):
	monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")


@pytest.fixture(scope="module", params=["us", "intl"])
def company(request):
	sandbox = Sandbox(seed=sample_seed(request.param), port=0).start()
	sandbox.kind = request.param
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


@pytest.fixture
def qb(company, monkeypatch):
	monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
	ac, realm = connect(company)
	return client(company, ac, realm)


def sale_line(item: Item, qty: int, tax_code: str) -> SalesItemLine:
	line = SalesItemLine()
	line.SalesItemLineDetail = SalesItemLineDetail()
	line.SalesItemLineDetail.ItemRef = item.to_ref()
	line.SalesItemLineDetail.Qty = qty
	line.SalesItemLineDetail.UnitPrice = item.UnitPrice
	line.SalesItemLineDetail.TaxCodeRef = Ref()
	line.SalesItemLineDetail.TaxCodeRef.value = tax_code
	line.Amount = round(qty * item.UnitPrice, 2)
	return line


def first_tax_code(company, qb) -> str:
	if company.kind == "us":
		return "NON"
	return next(code.Id for code in TaxCode.all(qb=qb) if code.Name == "20.0% S")


def home_customer(qb) -> Customer:
	return next(c for c in Customer.all(max_results=1000, qb=qb) if c.CurrencyRef.value in ("USD", "GBP"))


def test_the_sample_company_lists_come_back_whole(company, qb):
	customers = Customer.all(max_results=1000, qb=qb)
	assert len(customers) >= 25 and any(c.Job and c.ParentRef for c in customers)
	inactive = Customer.where("Active = false", qb=qb)
	assert [c.DisplayName for c in inactive] == ["Old Mill Bakery"]
	items = Item.all(qb=qb)  # SELECT *, Sku FROM Item
	assert {i.Type for i in items} >= {"Service", "NonInventory", "Inventory", "Group"}
	assert all(i.QtyOnHand is not None and i.Sku for i in items if i.Type == "Inventory")
	accounts = Account.all(max_results=1000, qb=qb)
	assert all(a.AccountType and a.AccountSubType and a.Classification for a in accounts)
	assert any(a.AccountSubType == "SalesOfProductIncome" for a in accounts)
	assert any(
		a.AccountType == "Cost of Goods Sold" and a.AccountSubType == "SuppliesMaterialsCogs"
		for a in accounts
	)
	assert any(a.SubAccount and ":" in a.FullyQualifiedName for a in accounts)
	assert len(PaymentMethod.all(qb=qb)) >= 6 and len(Term.all(qb=qb)) >= 5
	assert any(c.SubClass for c in Class.all(qb=qb)) and Department.all(qb=qb)
	assert Vendor.all(qb=qb) and Employee.all(qb=qb)
	assert TaxAgency.all(qb=qb) and TaxRate.all(qb=qb) and len(TaxCode.all(qb=qb)) >= 3
	for cls in (Invoice, Payment, CreditMemo, SalesReceipt, Estimate, RefundReceipt, Deposit):
		assert cls.all(qb=qb), cls.qbo_object_name
	assert Invoice.count("Balance > '0'", qb=qb) > 0 and Invoice.count("Balance = '0'", qb=qb) > 0
	if company.kind == "intl":
		assert {c.Code for c in CompanyCurrency.all(qb=qb)} == {"EUR", "USD"}
		assert any(c.CurrencyRef.value == "EUR" for c in customers)
		rates = ExchangeRate.where("SourceCurrencyCode = 'EUR'", qb=qb)
		assert len(rates) == 1 and rates[0].TargetCurrencyCode == "GBP"


def test_preferences_have_every_section(company, qb):
	prefs = Preferences.get(qb=qb)
	assert prefs.AccountingInfoPrefs.TaxYearMonth and prefs.SalesFormsPrefs.EstimateMessage
	assert prefs.EmailMessagesPrefs and prefs.ProductAndServicesPrefs and prefs.VendorAndPurchasesPrefs
	assert prefs.TimeTrackingPrefs and prefs.ReportPrefs and prefs.OtherPrefs
	assert prefs.TaxPrefs.PartnerTaxEnabled == (company.kind == "us")
	assert prefs.CurrencyPrefs.MultiCurrencyEnabled == (company.kind == "intl")


def test_queries_as_client_code_writes_them(company, qb):
	ordered = Customer.where("Active = true", order_by="DisplayName DESC", max_results=5, qb=qb)
	assert [c.DisplayName for c in ordered] == sorted((c.DisplayName for c in ordered), reverse=True)
	page = Customer.all(order_by="Id", start_position=3, max_results=4, qb=qb)
	assert len(page) == 4
	assert [c.DisplayName for c in Customer.filter(DisplayName="O'Neill & Sons Roofing", qb=qb)]
	assert Customer.where("DisplayName LIKE 'Free%'", qb=qb)
	assert Item.choose(["Design", "Lawn Care"], field="Name", qb=qb)
	stamp = Invoice.all(qb=qb)[0].MetaData.LastUpdatedTime
	assert Invoice.where(f"MetaData.LastUpdatedTime >= '{stamp}'", qb=qb)
	assert Invoice.where("TxnDate >= '2025-09-01' AND TxnDate <= '2026-01-15'", qb=qb)
	assert Customer.count(qb=qb) >= 25


def test_read_modify_write_of_every_list_entity(company, qb):
	"""An object read and saved back as it came (read-only fields included) is accepted."""
	for cls in (Customer, Vendor, Employee, Item, Account, PaymentMethod, Term, Class, Department):
		found = cls.all(max_results=1, qb=qb)[0]
		again = cls.get(found.Id, qb=qb)
		saved = again.save(qb=qb)
		assert int(saved.SyncToken) == int(found.SyncToken) + 1, cls.qbo_object_name
	invoice = Invoice.all(max_results=1, qb=qb)[0]
	assert Invoice.get(invoice.Id, qb=qb).save(qb=qb).TotalAmt == invoice.TotalAmt


def test_new_list_entities(company, qb):
	method = PaymentMethod()
	method.Name, method.Type = "Gift Card", "NON_CREDIT_CARD"
	assert method.save(qb=qb).Type == "NON_CREDIT_CARD"
	account = Account()
	account.Name, account.AccountSubType = "Tips Received", "OtherPrimaryIncome"
	saved = account.save(qb=qb)
	assert (saved.AccountType, saved.Classification) == ("Income", "Revenue")
	term = Term()
	term.Name, term.DueDays = "Net 45", 45
	assert term.save(qb=qb).Type == "STANDARD"
	parent = Class.all(qb=qb)[0]
	child = Class()
	child.Name, child.ParentRef = "Evening Jobs", parent.to_ref()
	assert child.save(qb=qb).FullyQualifiedName == f"{parent.FullyQualifiedName}:Evening Jobs"
	duplicate = PaymentMethod()
	duplicate.Name = "gift card"
	with pytest.raises(QuickbooksException) as err:
		duplicate.save(qb=qb)
	assert err.value.error_code == 6240


def test_customer_balance_follows_invoices_voids_credits_and_payments(company, qb):
	customer = home_customer(qb)
	start = Decimal(str(Customer.get(customer.Id, qb=qb).Balance))
	code = first_tax_code(company, qb)
	item = next(i for i in Item.all(qb=qb) if i.Name == "Design")

	def invoice(qty: int) -> Invoice:
		made = Invoice()
		made.CustomerRef = customer.to_ref()
		made.Line.append(sale_line(item, qty, code))
		return made.save(qb=qb)

	first, second = invoice(2), invoice(3)
	memo = CreditMemo()
	memo.CustomerRef = customer.to_ref()
	memo.Line.append(sale_line(item, 1, code))
	memo = memo.save(qb=qb)
	Invoice.get(second.Id, qb=qb).void(qb=qb)
	payment = Payment()
	payment.CustomerRef = customer.to_ref()
	payment.TotalAmt = first.TotalAmt - memo.TotalAmt
	for txn, amount in ((first, first.TotalAmt), (memo, memo.TotalAmt)):
		line = PaymentLine()
		line.Amount = amount
		line.LinkedTxn.append(txn.to_linked_txn())
		payment.Line.append(line)
	payment = payment.save(qb=qb)
	assert Invoice.get(first.Id, qb=qb).Balance == 0
	assert CreditMemo.get(memo.Id, qb=qb).RemainingCredit == 0
	assert Decimal(str(Customer.get(customer.Id, qb=qb).Balance)) == start
	Payment.get(payment.Id, qb=qb).void(qb=qb)  # ?operation=update&include=void
	assert Invoice.get(first.Id, qb=qb).Balance == first.TotalAmt
	expected = start + Decimal(str(first.TotalAmt)) - Decimal(str(memo.TotalAmt))
	assert Decimal(str(Customer.get(customer.Id, qb=qb).Balance)) == expected
	Invoice.get(first.Id, qb=qb).delete(qb=qb)
	expected -= Decimal(str(first.TotalAmt))
	assert Decimal(str(Customer.get(customer.Id, qb=qb).Balance)) == expected


def test_sales_receipt_estimate_refund_and_deposit(company, qb):
	code = first_tax_code(company, qb)
	item = next(i for i in Item.all(qb=qb) if i.Name == "Lawn Care")
	customer = home_customer(qb)
	receipt = SalesReceipt()
	receipt.CustomerRef = customer.to_ref()
	receipt.PaymentMethodRef = PaymentMethod.all(qb=qb)[0].to_ref()
	receipt.Line.append(sale_line(item, 4, code))
	receipt = receipt.save(qb=qb)
	assert receipt.Balance == 0 and receipt.DepositToAccountRef.name == "Undeposited Funds"
	estimate = Estimate()
	estimate.CustomerRef = customer.to_ref()
	estimate.Line.append(sale_line(item, 2, code))
	estimate = estimate.save(qb=qb)
	assert estimate.TxnStatus == "Pending"
	checking = next(a for a in Account.all(qb=qb) if a.AccountSubType == "Checking")
	refund = RefundReceipt()
	refund.CustomerRef = customer.to_ref()
	refund.DepositToAccountRef = checking.to_ref()
	refund.Line.append(sale_line(item, 1, code))
	assert refund.save(qb=qb).TotalAmt == receipt.TotalAmt / 4
	deposit = Deposit.all(qb=qb)[0]
	assert deposit.TotalAmt > 0
	SalesReceipt.get(receipt.Id, qb=qb).void(qb=qb)
	assert SalesReceipt.get(receipt.Id, qb=qb).TotalAmt == 0
	Estimate.get(estimate.Id, qb=qb).delete(qb=qb)
	assert not Estimate.filter(Id=estimate.Id, qb=qb)


def test_batch_create_and_tax_service(company, qb):
	methods = []
	for number in range(3):
		method = PaymentMethod()
		method.Name = f"Voucher {number}"
		methods.append(method)
	result = batch_create(methods, qb=qb)
	assert len(result.successes) == 3 and not result.faults
	service = TaxService()
	service.TaxCode = "Resort Levy"
	detail = TaxRateDetails()
	detail.TaxRateName, detail.RateValue, detail.TaxAgencyId = "Resort Levy", 2, TaxAgency.all(qb=qb)[0].Id
	service.TaxRateDetails.append(detail)
	created = service.save(qb=qb)
	code = TaxCode.get(created.TaxCodeId, qb=qb)
	assert code.Name == "Resort Levy" and len(code.SalesTaxRateList.TaxRateDetail) == 1
	rate_id = created.TaxRateDetails[0].TaxRateId
	assert TaxRate.get(rate_id, qb=qb).RateValue == 2
