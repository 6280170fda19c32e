"""Edits of linked customers reach QuickBooks: only the fields that changed in ERPNext, as sparse updates;
QuickBooks' own fields and a matched record's name are never rewritten; a rename that clashes is a clear
per-record error; the fields sent follow the settings; links made before the upgrade are recorded first."""

import frappe

from qbo_connector import constants as c
from qbo_connector.connection import get_client
from qbo_connector.customer_edits import record_sent_fields
from qbo_connector.tests.utils import QBOTestCase


class TestCustomerEdits(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def qbo_customer(self, customer: str) -> dict:
		qbo_id = frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)
		self.assertTrue(qbo_id)
		return get_client().read("Customer", qbo_id)

	def linked(self, name: str, **values) -> str:
		customer = self.make_customer(name, **values)
		self.make_invoice(customer, rate=10)
		self.sync()
		return customer

	def edit(self, customer: str, **values) -> None:
		doc = frappe.get_doc("Customer", customer)
		doc.update(values)
		doc.save(ignore_permissions=True)
		self.sync()

	def edit_contact(self, customer: str, email: str = "", phone: str = "") -> None:
		"""As the desk does it: the customer's primary contact is edited (the Customer is not saved)."""
		contact = frappe.get_doc(
			"Contact", frappe.db.get_value("Customer", customer, "customer_primary_contact")
		)
		if email:
			contact.set("email_ids", [])
			contact.add_email(email, is_primary=True)
		if phone:
			contact.set("phone_nos", [])
			contact.add_phone(phone, is_primary_mobile_no=True)
		contact.save(ignore_permissions=True)
		self.sync()

	def test_an_edited_email_reaches_quickbooks_and_nothing_else_is_touched(self):
		customer = self.linked("Edit Reach Outfitters", email_id="old@outfitters.example")
		record = self.qbo_customer(customer)
		client = get_client()
		client.update(  # an accountant's note in QuickBooks itself
			"Customer", {"Id": record["Id"], "SyncToken": record["SyncToken"], "Notes": "Pays by cheque"}
		)
		self.edit_contact(customer, email="accounts@outfitters.example")
		record = self.qbo_customer(customer)
		self.assertEqual(record["PrimaryEmailAddr"]["Address"], "accounts@outfitters.example")
		self.assertEqual(record.get("Notes"), "Pays by cheque")  # QuickBooks' own field kept (5010 retried)
		self.assertEqual(record["DisplayName"], "Edit Reach Outfitters")
		# a save that changes nothing sends nothing
		before = record["SyncToken"]
		self.edit(customer, customer_details="not a field QuickBooks has")
		self.assertEqual(self.qbo_customer(customer)["SyncToken"], before)

	def test_a_rename_goes_out_and_a_clashing_one_is_a_clear_error(self):
		customer = self.linked("Rename Roadworks")
		self.edit(customer, customer_name="Rename Roadworks Group")
		self.assertEqual(self.qbo_customer(customer)["DisplayName"], "Rename Roadworks Group")
		get_client().create(
			"Vendor", {"DisplayName": "Taken By A Vendor"}, request_id=frappe.generate_hash(length=12)
		)
		self.edit(customer, customer_name="Taken By A Vendor")
		self.assertEqual(self.qbo_customer(customer)["DisplayName"], "Rename Roadworks Group")
		error = frappe.db.get_value(
			c.LINK, {"reference_name": customer, "reference_doctype": "Customer"}, "last_error"
		)
		self.assertIn("refused the new name", error or "")

	def test_a_matched_record_keeps_its_name_when_another_field_changes(self):
		get_client().create(
			"Customer",
			{"DisplayName": "Harbour Lights Trading Company", "PrimaryPhone": {"FreeFormNumber": "555-0100"}},
			request_id=frappe.generate_hash(length=12),
		)
		customer = self.linked("Harbour Lights Trading Co", mobile_no="555-0100")
		self.assertEqual(self.qbo_customer(customer)["DisplayName"], "Harbour Lights Trading Company")
		self.edit_contact(customer, phone="555-0199")
		record = self.qbo_customer(customer)
		self.assertEqual(record["PrimaryPhone"]["FreeFormNumber"], "555-0199")
		self.assertEqual(record["DisplayName"], "Harbour Lights Trading Company")

	def test_fields_not_kept_by_erpnext_are_not_sent(self):
		frappe.db.set_single_value(c.SETTINGS, "push_email", 0)
		self.addCleanup(frappe.db.set_single_value, c.SETTINGS, "push_email", 1)
		customer = self.linked("Quiet Mail Mercantile", email_id="one@mercantile.example")
		self.edit_contact(customer, email="two@mercantile.example")
		self.assertEqual(self.qbo_customer(customer)["PrimaryEmailAddr"]["Address"], "one@mercantile.example")

	def test_links_made_before_the_upgrade_send_their_first_edit(self):
		customer = self.linked("Upgrade Path Provisions", email_id="a@provisions.example")
		realm = frappe.db.get_value(c.QBO_COMPANY, self.company, "realm_id")
		frappe.db.set_value(
			c.LINK, {"reference_name": customer, "reference_doctype": "Customer"}, "pushed_fields", ""
		)
		self.assertGreaterEqual(record_sent_fields(realm, frappe.get_single(c.SETTINGS)), 1)
		self.edit_contact(customer, email="b@provisions.example")
		self.assertEqual(self.qbo_customer(customer)["PrimaryEmailAddr"]["Address"], "b@provisions.example")
