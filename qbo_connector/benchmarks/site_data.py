"""What `bench --site S qbo bench` makes and removes: customers and submitted Sales Invoices through ERPNext's
own API, SQL copies of those invoices for large runs, and the SQL clean-up (see benchmarks/site.py)."""

from __future__ import annotations

from qbo_connector import constants as c

# Frappe is imported inside the functions: qbo_connector.benchmarks imports without it (tests/engine/test_seam.py).
PREFIX = "QBO Bench"
TAX_RATE = 6.0
CHILDREN = ("Sales Invoice Item", "Sales Taxes and Charges", "Payment Schedule")


def bench_masters(company: str) -> tuple[str, str, str]:
	import frappe

	from qbo_connector.tests.utils import ensure_item

	abbr = frappe.db.get_value("Company", company, "abbr")
	tax_account = frappe.get_all(
		"Account",
		filters={"company": company, "account_type": "Tax", "is_group": 0},
		pluck="name",
		order_by="name",
		limit=1,
	)
	cost_center = frappe.db.get_value("Company", company, "cost_center") or f"Main - {abbr}"
	return ensure_item(), tax_account[0] if tax_account else "", cost_center


def make_customers(count: int, tag: str) -> list[str]:
	import frappe

	group = frappe.get_all("Customer Group", filters={"is_group": 0}, pluck="name", limit=1)[0]
	territory = frappe.get_all("Territory", filters={"is_group": 0}, pluck="name", limit=1)[0]
	names = []
	for i in range(count):
		doc = frappe.get_doc(
			{
				"doctype": "Customer",
				"customer_name": f"{PREFIX} {tag} Customer {i:05d}",
				"customer_type": "Company",
				"customer_group": group,
				"territory": territory,
			}
		).insert(ignore_permissions=True)
		names.append(doc.name)
	frappe.db.commit()
	return names


def make_invoice(rng, i: int, company, customer, item, tax_account, cost_center):
	import frappe

	lines = [
		{
			"item_code": item,
			"description": f"Service {n + 1}",
			"qty": rng.randint(1, 9),
			"rate": rng.randint(100, 99999) / 100,
			"cost_center": cost_center,
		}
		for n in range(rng.randint(1, 5))
	]
	values = {
		"doctype": "Sales Invoice",
		"customer": customer,
		"company": company,
		"currency": "USD",
		"posting_date": frappe.utils.today(),
		"due_date": frappe.utils.add_days(frappe.utils.today(), 30),
		"items": lines,
	}
	if tax_account and i % 4:
		values["taxes"] = [
			{
				"charge_type": "On Net Total",
				"account_head": tax_account,
				"description": "Sales Tax",
				"rate": TAX_RATE,
				"cost_center": cost_center,
			}
		]
	if i % 5 == 0:
		values.update({"apply_discount_on": "Net Total", "additional_discount_percentage": 5})
	doc = frappe.get_doc(values)
	doc.insert(ignore_permissions=True)
	doc.submit()
	return doc


def copy_invoices(templates: list[str], count: int, tag: str) -> list[str]:
	"""`count` SQL copies of submitted invoices made through the API, for runs of 10,000 and more (the API
	makes about 4 a second): the header and its lines, taxes and payment schedule under a new name, nothing
	about QuickBooks, 1,000 invoices per statement. No GL or payment-ledger entries: a sync reads neither."""
	import frappe

	heads = frappe.db.sql("select * from `tabSales Invoice` where name in %s", [templates], as_dict=True)
	children = {
		doctype: frappe.db.sql(f"select * from `tab{doctype}` where parent in %s", [templates], as_dict=True)
		for doctype in CHILDREN
	}
	blank = {
		c.INVOICE_QBO_ID: "",
		c.INVOICE_SYNC_STATUS: "",
		c.INVOICE_DOC_NUMBER: "",
		c.INVOICE_LAST_ERROR: "",
	}
	names = []
	for start in range(0, count, 1000):
		made = {"Sales Invoice": []} | {doctype: [] for doctype in CHILDREN}
		for i in range(start, min(count, start + 1000)):
			head = heads[i % len(heads)]
			name = f"{tag}-{i:06d}"
			names.append(name)
			made["Sales Invoice"].append({**head, **blank, "name": name})
			for doctype, rows in children.items():
				made[doctype] += [
					{**row, "name": f"{name}-{n}", "parent": name}
					for n, row in enumerate(r for r in rows if r.parent == head.name)
				]
		for doctype, rows in made.items():
			if rows:
				frappe.db.bulk_insert(doctype, list(rows[0]), [tuple(row.values()) for row in rows])
		frappe.db.commit()
	return names


def cleanup(created: dict) -> None:
	"""Delete what the bench created, with SQL (see the module's docstring)."""
	import frappe

	invoices, customers = created["Sales Invoice"], created["Customer"]
	for chunk in chunks(invoices):
		for doctype in ("Sales Invoice Item", "Sales Taxes and Charges", "Payment Schedule"):
			frappe.db.delete(doctype, {"parenttype": "Sales Invoice", "parent": ("in", chunk)})
		for doctype in ("GL Entry", "Payment Ledger Entry"):
			frappe.db.delete(doctype, {"voucher_type": "Sales Invoice", "voucher_no": ("in", chunk)})
		frappe.db.delete("Sales Invoice", {"name": ("in", chunk)})
	for doctype, names in ((c.SALES_INVOICE, invoices), (c.CUSTOMER, customers)):
		for chunk in chunks(names):
			for table in (c.SYNC_QUEUE, c.SYNC_LOG, c.LINK):
				frappe.db.delete(table, {"reference_doctype": doctype, "reference_name": ("in", chunk)})
	for chunk in chunks(customers):
		matches = frappe.get_all(
			c.CUSTOMER_MATCH, filters={"customer": ("in", chunk)}, pluck="name", limit=len(chunk) * 10
		)
		if matches:
			frappe.db.delete("QuickBooks Match Candidate", {"parent": ("in", matches)})
			frappe.db.delete(c.CUSTOMER_MATCH, {"name": ("in", matches)})
		frappe.db.delete("Customer", {"name": ("in", chunk)})


def chunks(names: list[str], size: int = 500):
	for start in range(0, len(names), size):
		yield names[start : start + size]
