"""Accounts, classes and locations (issue 11) on a real Sales Invoice: an income account mapping chooses the
QuickBooks item of a line without an Item Mapping, and cost centers set each line's class and the invoice's
location, where the QuickBooks company tracks them (the sandbox's default: classes per line, locations)."""

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.tests.utils import QBOTestCase


class TestAccountsAndClasses(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def cost_center(self, name: str) -> str:
		"""A leaf cost center of the test company beside its default one."""
		main = frappe.get_cached_value("Company", self.company, "cost_center")
		abbr = frappe.get_cached_value("Company", self.company, "abbr")
		full = f"{name} - {abbr}"
		if not frappe.db.exists("Cost Center", full):
			frappe.get_doc(
				{
					"doctype": "Cost Center",
					"cost_center_name": name,
					"company": self.company,
					"parent_cost_center": frappe.db.get_value("Cost Center", main, "parent_cost_center"),
				}
			).insert(ignore_permissions=True)
		return full

	def income_account(self, name: str) -> str:
		abbr = frappe.get_cached_value("Company", self.company, "abbr")
		full = f"{name} - {abbr}"
		if not frappe.db.exists("Account", full):
			parent = frappe.db.get_value(
				"Account", {"company": self.company, "root_type": "Income", "is_group": 1}, "name"
			)
			frappe.get_doc(
				{
					"doctype": "Account",
					"account_name": name,
					"company": self.company,
					"parent_account": parent,
					"root_type": "Income",
					"report_type": "Profit and Loss",
				}
			).insert(ignore_permissions=True)
		return full

	def test_cost_centers_set_classes_and_location_and_an_income_account_chooses_the_item(self):
		client = get_client()
		ids = {
			name: client.create(entity, {"Name": name}, request_id=f"seed-{entity}-{name}")["Id"]
			for entity, name in (("Class", "Residential"), ("Class", "Commercial"), ("Department", "North"))
		}
		design = next(i["Id"] for i in self.qbo_rows("Item") if i["Name"] == "Design")
		main = frappe.get_cached_value("Company", self.company, "cost_center")
		field = self.cost_center("QBO Field Work")
		design_income = self.income_account("QBO Design Income")
		settings = frappe.get_single(c.SETTINGS)
		settings.set("cost_center_mappings", [])
		settings.append(
			"cost_center_mappings", {"cost_center": main, "qbo_class": "Residential", "qbo_location": "North"}
		)
		settings.append("cost_center_mappings", {"cost_center": field, "qbo_class": ids["Commercial"]})
		settings.set("income_account_mappings", [{"income_account": design_income, "qbo_item": "Design"}])
		settings.save(ignore_permissions=True)

		customer = self.make_customer("Classful Contractors")
		invoice = self.make_invoice(
			customer,
			cost_center=main,
			items=[
				{"item_code": self.item, "qty": 1, "rate": 100, "cost_center": main},
				{
					"item_code": self.item,
					"qty": 2,
					"rate": 40,
					"cost_center": field,
					"income_account": design_income,
				},
			],
		)
		self.sync()

		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		qbo_id = frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		sent = next(i for i in self.qbo_rows("Invoice") if i["Id"] == qbo_id)
		lines = [line for line in sent["Line"] if line.get("DetailType") == "SalesItemLineDetail"]
		details = [line["SalesItemLineDetail"] for line in lines]
		self.assertEqual([d["ClassRef"]["value"] for d in details], [ids["Residential"], ids["Commercial"]])
		self.assertEqual(sent["DepartmentRef"]["value"], ids["North"])
		services = next(i["Id"] for i in self.qbo_rows("Item") if i["Name"] == "Services")
		self.assertEqual([d["ItemRef"]["value"] for d in details], [services, design])
