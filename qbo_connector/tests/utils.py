"""Shared set-up for the bench tests: an in-process offline sandbox over HTTP, QuickBooks Settings
pointed at it, a connection made through the real OAuth flow, and small ERPNext document factories."""

from __future__ import annotations

from contextlib import contextmanager
from urllib.parse import parse_qs, urlparse

import requests

import frappe
from frappe.tests.utils import FrappeTestCase

from qbo_connector import constants as c
from qbo_connector.sandbox import Sandbox

TEST_ITEM = "QBO Test Service"


def get_test_company() -> str:
	# the same company on every run (get_all's default order, last modified first, moved it whenever a test
	# touched a company), and not a child company (ERPNext wants accounts added at its root company)
	companies = frappe.get_all(
		"Company",
		filters={"default_currency": "USD", "country": "United States", "parent_company": ("is", "not set")},
		pluck="name",
		order_by="name asc",
		limit=1,
	)
	if companies:
		return companies[0]
	company = frappe.get_doc(
		{
			"doctype": "Company",
			"company_name": "QBO Test Company",
			"abbr": "QTC",
			"default_currency": "USD",
			"country": "United States",
			"chart_of_accounts": "Standard",
		}
	).insert(ignore_permissions=True)
	return company.name


def ensure_item() -> str:
	if not frappe.db.exists("Item", TEST_ITEM):
		frappe.get_doc(
			{
				"doctype": "Item",
				"item_code": TEST_ITEM,
				"item_name": TEST_ITEM,
				"item_group": frappe.get_all("Item Group", filters={"is_group": 0}, pluck="name", limit=1)[0],
				"stock_uom": "Nos",
				"is_stock_item": 0,
			}
		).insert(ignore_permissions=True)
	return TEST_ITEM


def forget_links() -> None:
	"""Each class starts a fresh sandbox, so customer links left by earlier runs point at nothing.
	(Invoices keep theirs: they only matter to a backfill, which must not pick up earlier runs' work.)"""
	table = frappe.qb.DocType(c.CUSTOMER)
	query = frappe.qb.update(table)
	for field in (c.CUSTOMER_QBO_ID, c.CUSTOMER_MATCH_STATUS, c.CUSTOMER_SYNC_STATUS):
		query = query.set(table[field], None)
	query.where(table[c.CUSTOMER_QBO_ID].isnotnull()).run()
	for doctype in (c.SYNC_QUEUE, c.SYNC_LOG, c.CUSTOMER_MATCH, c.LINK, c.QBO_COMPANY):
		frappe.db.delete(doctype)


def reset_all_companies() -> None:
	"""A clean slate for the browser test, which runs after the bench tests on the same site: no
	QuickBooks Company row (nor its tokens or mappings), link, queue row or review is left."""
	for doctype in (c.LINK, c.SYNC_QUEUE, c.CUSTOMER_MATCH, c.QBO_COMPANY):
		frappe.db.delete(doctype)
	frappe.db.delete("QuickBooks Match Candidate")
	for table in ("Item", "Tax", "Deposit Account", "Payment Method"):
		frappe.db.delete(f"QuickBooks {table} Mapping", {"parenttype": c.QBO_COMPANY})
	frappe.db.delete("__Auth", {"doctype": c.QBO_COMPANY})
	forget_links()
	frappe.db.commit()


def company_doc(company: str | None = None):
	"""The QuickBooks Company row holding the connection (the default company's when None)."""
	return frappe.get_doc(c.QBO_COMPANY, company or frappe.db.get_single_value(c.SETTINGS, "company"))


def expire_stored_access_token(company: str | None = None) -> None:
	company = company or frappe.db.get_single_value(c.SETTINGS, "company")
	frappe.db.set_value(c.QBO_COMPANY, company, "access_token_expires_on", "2000-01-01 00:00:00")


def approve_consent(authorization_url: str) -> dict:
	"""Play the user on the sandbox's consent page: submit Connect, return the redirect's parameters."""
	form = {k: v[0] for k, v in parse_qs(urlparse(authorization_url).query).items()}
	page = requests.get(authorization_url, timeout=10)
	assert page.status_code == 200 and 'id="connect"' in page.text
	response = requests.post(
		authorization_url.split("?")[0], data={**form, "action": "connect"}, allow_redirects=False, timeout=10
	)
	assert response.status_code in (302, 303), response.text
	return {k: v[0] for k, v in parse_qs(urlparse(response.headers["Location"]).query).items()}


class QBOTestCase(FrappeTestCase):
	"""Each class gets a fresh sandbox and a connected, enabled QuickBooks Settings; the app's own
	commits (tokens, in-flight marks) are undone by deleting what the class created."""

	@classmethod
	def setUpClass(cls):
		super().setUpClass()
		cls.sandbox = Sandbox(limits="off").start()
		cls.company = get_test_company()
		cls.item = ensure_item()
		client_id, secret = cls.sandbox.default_client
		settings = frappe.get_single(c.SETTINGS)
		settings.update(
			{
				"enabled": 0,
				"environment": "Custom",
				"base_url": cls.sandbox.url,
				"client_id": client_id,
				"client_secret": secret,
				"company": cls.company,
				"connection_status": c.NOT_CONNECTED,
				"realm_id": "",
				"default_item": "Services",
				# committed by test_random_lifecycle; a later run of the suite on the same site reads it
				"amend_policy": "Update the same QuickBooks invoice",
			}
		)
		settings.save(ignore_permissions=True)
		forget_links()
		frappe.db.commit()

	@classmethod
	def tearDownClass(cls):
		frappe.db.rollback()
		frappe.db.set_single_value(c.SETTINGS, {"enabled": 0, "connection_status": c.NOT_CONNECTED})
		forget_links()
		frappe.db.commit()
		cls.sandbox.stop()
		super().tearDownClass()

	def connect(self) -> dict:
		"""Connect through the real flow: authorization URL -> consent page -> callback."""
		from qbo_connector.connection import callback, get_authorization_url

		redirect = approve_consent(get_authorization_url())
		callback(code=redirect["code"], state=redirect["state"], realmId=redirect["realmId"])
		return redirect

	def sync(self) -> dict:
		"""A run of the default company, after committing what the test made; it must finish."""
		from qbo_connector.jobs import run_sync

		frappe.db.commit()
		report = run_sync()
		self.assertEqual(report["status"], "done", report)
		return report

	def connect_and_enable(self) -> None:
		self.connect()
		settings = frappe.get_single(c.SETTINGS)
		settings.enabled = 1
		settings.save(ignore_permissions=True)

	def make_customer(self, name: str, **values) -> str:
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": name,
				"customer_type": values.pop("customer_type", "Company"),
				"customer_group": frappe.get_all(
					"Customer Group", filters={"is_group": 0}, pluck="name", limit=1
				)[0],
				"territory": frappe.get_all("Territory", filters={"is_group": 0}, pluck="name", limit=1)[0],
				**values,
			}
		).insert(ignore_permissions=True)
		return doc.name

	def make_invoice(
		self,
		customer: str,
		rate: float = 100,
		qty: float = 2,
		company: str | None = None,
		submit=True,
		**values,
	):
		"""A Sales Invoice of one line of the test item; `values` set other fields (items, currency, ...)."""
		doc = frappe.get_doc(
			{
				"doctype": "Sales Invoice",
				"customer": customer,
				"company": company or self.company,
				"currency": "USD",
				"posting_date": frappe.utils.today(),
				"due_date": frappe.utils.add_days(frappe.utils.today(), 30),
				"items": [{"item_code": self.item, "qty": qty, "rate": rate}],
				**values,
			}
		)
		doc.insert(ignore_permissions=True)
		if submit:
			doc.submit()
		return doc

	def qbo_rows(self, entity: str) -> list[dict]:
		return self.sandbox.dump(self.sandbox.realm_ids[0])[entity]


@contextmanager
def refused(test, pattern: str = ""):
	"""The OAuth callback inside answers a refusal with a page (400) whose message matches `pattern`,
	and connects nothing."""
	frappe.local.response = frappe._dict({"docs": []})
	yield
	test.assertEqual(frappe.local.response.get("type"), "page", "the callback answers a refusal with a page")
	test.assertEqual(frappe.local.response.get("http_status_code"), 400)
	test.assertRegex(str(frappe.local.message), pattern)
	frappe.local.response = frappe._dict({"docs": []})


def make_drift(invoice: str) -> str:
	"""For the browser test: a payment of 1.00 entered in QuickBooks itself against an exported invoice, which
	ERPNext (payments recorded In ERPNext) does not know: the reconciliation report must show it."""
	from qbo_connector.connection import get_client

	company, customer = frappe.db.get_value("Sales Invoice", invoice, ["company", "customer"])
	link = frappe.db.get_value(
		c.LINK, {"reference_doctype": "Customer", "reference_name": customer, "company": company}, "qbo_id"
	)
	qbo_invoice = frappe.db.get_value(
		c.LINK, {"reference_doctype": "Sales Invoice", "reference_name": invoice}, "qbo_id"
	)
	body = {
		"CustomerRef": {"value": link},
		"TotalAmt": 1,
		"Line": [{"Amount": 1, "LinkedTxn": [{"TxnId": qbo_invoice, "TxnType": "Invoice"}]}],
	}
	return get_client(company).create("Payment", body, request_id=frappe.generate_hash(length=12))["Id"]


def seed_qbo_customer(display_name: str, email: str, phone: str, line1: str, city: str) -> str:
	"""For the browser test: a customer entered in the default company's QuickBooks (the sandbox)."""
	from qbo_connector.connection import get_client

	body = {
		"DisplayName": display_name,
		"PrimaryEmailAddr": {"Address": email},
		"PrimaryPhone": {"FreeFormNumber": phone},
		"BillAddr": {"Line1": line1, "City": city},
	}
	return get_client().create("Customer", body, request_id=frappe.generate_hash(length=12))["Id"]
