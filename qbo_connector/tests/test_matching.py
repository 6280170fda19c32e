"""Review queue (Link / Create New / Ignore), invoices waiting for a decision, and relinking after a merge
in QuickBooks, end to end in the bench against the sandbox."""

import frappe

from qbo_connector import constants as c
from qbo_connector.jobs import run_sync
from qbo_connector.tests.utils import QBOTestCase


class TestMatching(QBOTestCase):
	def setUp(self):
		self.connect_and_enable()

	def review_for(self, qbo_name: str, erp_name: str):
		from qbo_connector.connection import get_client

		get_client().create(
			"Customer", {"DisplayName": qbo_name}, request_id=f"seed-{frappe.generate_hash(length=8)}"
		)
		customer = self.make_customer(erp_name)
		invoice = self.make_invoice(customer)
		frappe.db.commit()
		run_sync()
		match = frappe.get_doc(c.CUSTOMER_MATCH, {"customer": customer, "status": c.REVIEW_OPEN})
		return customer, invoice, match

	def test_uncertain_match_waits_then_link_releases_the_invoice(self):
		customer, invoice, match = self.review_for("Hoolix Systems", "Hoolyx Systems")
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_MATCH_STATUS), c.MATCH_REVIEW)
		self.assertEqual(
			frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Needs Review"
		)
		self.assertTrue(match.candidates and match.candidates[0].display_name == "Hoolix Systems")
		self.assertTrue(match.reason)
		match.link(match.candidates[0].qbo_customer_id)
		self.assertEqual(
			frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID), match.candidates[0].qbo_customer_id
		)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Queued")
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")
		qbo_invoice = next(
			i
			for i in self.qbo_rows("Invoice")
			if i["Id"] == frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_QBO_ID)
		)
		self.assertEqual(qbo_invoice["CustomerRef"]["value"], match.candidates[0].qbo_customer_id)

	def test_a_review_shows_both_sides_email_phone_and_address(self):
		# issue 14, #13: the candidates showed no email, phone or address to decide with
		from qbo_connector.connection import get_client

		token = frappe.generate_hash(length=6).upper()
		mail = token.lower()
		get_client().create(
			"Customer",
			{
				"DisplayName": f"Quillon {token} Marine",
				"PrimaryEmailAddr": {"Address": f"desk@{mail}.example"},
				"PrimaryPhone": {"FreeFormNumber": "555 0142"},
				"BillAddr": {"Line1": "9 Quay St", "City": "Hobart", "PostalCode": "7000"},
			},
			request_id=f"seed-{token}",
		)
		customer = self.make_customer(f"Quilon {token} Marine", email_id=f"ops@{mail}.example")
		self.make_invoice(customer)
		frappe.db.commit()
		run_sync()
		match = frappe.get_doc(c.CUSTOMER_MATCH, {"customer": customer, "status": c.REVIEW_OPEN})
		self.assertEqual(match.erpnext_details, f"ops@{mail}.example")
		self.assertEqual(
			match.candidates[0].details, f"desk@{mail}.example · 555 0142 · 9 Quay St, Hobart 7000"
		)

	def test_create_new_creates_one_customer(self):
		customer, invoice, match = self.review_for("Vandelay Imports", "Vandelay Importz")
		before = len(self.qbo_rows("Customer"))
		match.create_new()
		frappe.db.commit()
		run_sync()
		self.assertEqual(len(self.qbo_rows("Customer")), before + 1)
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_MATCH_STATUS), c.MATCH_CREATED)
		self.assertEqual(frappe.db.get_value("Sales Invoice", invoice.name, c.INVOICE_SYNC_STATUS), "Synced")

	def test_ignore_holds_the_invoices_with_the_reason(self):
		_customer, invoice, match = self.review_for("Kramerica Industries", "Kramerica Industriez")
		match.ignore()
		frappe.db.commit()
		run_sync()
		status, error = frappe.db.get_value(
			"Sales Invoice", invoice.name, [c.INVOICE_SYNC_STATUS, c.INVOICE_LAST_ERROR]
		)
		self.assertEqual(status, "Held")
		self.assertIn("ignored", error)

	def test_merge_in_quickbooks_relinks_and_logs(self):
		from qbo_connector.connection import get_client

		customer = self.make_customer("Merge Source Company", email_id="ar@merge-source.example")
		first = self.make_invoice(customer)
		frappe.db.commit()
		run_sync()
		old_id = frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID)
		keeper = get_client().create(
			"Customer",
			{"DisplayName": "Merge Source Company LLC"},
			request_id=frappe.generate_hash(length=12),
		)
		self.sandbox.merge(self.sandbox.realm_ids[0], old_id, keeper["Id"])
		second = self.make_invoice(customer)
		frappe.db.commit()
		run_sync()
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID), keeper["Id"])
		self.assertTrue(
			frappe.db.exists(c.SYNC_LOG, {"reference_name": customer, "message": ("like", "%merged into%")})
		)
		row = next(
			i
			for i in self.qbo_rows("Invoice")
			if i["Id"] == frappe.db.get_value("Sales Invoice", second.name, c.INVOICE_QBO_ID)
		)
		self.assertEqual(row["CustomerRef"]["value"], keeper["Id"])
		self.assertEqual(frappe.db.get_value("Sales Invoice", first.name, c.INVOICE_SYNC_STATUS), "Synced")

	def test_inactive_candidate_is_linked_only_with_reactivation(self):
		from qbo_connector.api import link_customer
		from qbo_connector.connection import get_client

		client = get_client()
		dormant = client.create(
			"Customer", {"DisplayName": "Dormant Widgets"}, request_id=frappe.generate_hash(length=12)
		)
		client.update("Customer", {"Id": dormant["Id"], "SyncToken": dormant["SyncToken"], "Active": False})
		customer = self.make_customer("Dormant Widgets")
		with self.assertRaisesRegex(frappe.ValidationError, "inactive"):
			link_customer(customer, dormant["Id"])
		link_customer(customer, dormant["Id"], reactivate=True)
		self.assertTrue(client.read("Customer", dormant["Id"])["Active"])
		self.assertEqual(frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID), dormant["Id"])

	def test_preview_matches_decides_without_writing(self):
		from qbo_connector.api import preview_matches
		from qbo_connector.connection import get_client

		# unique per run: earlier runs' customers stay unlinked on the site and would compete for it
		token = frappe.generate_hash(length=10)
		# earlier runs of this test left unlinked "... Aviaries" customers on the site: clear them, so that the
		# matcher sees one ERPNext customer of that kind, as a real site would
		frappe.db.delete("Customer", {"customer_name": ("like", "% Aviaries")})
		name, email = f"{token.upper()} Aviaries", f"birds@{token}.example"
		get_client().create(
			"Customer",
			{"DisplayName": name, "PrimaryEmailAddr": {"Address": email}},
			request_id=frappe.generate_hash(length=12),
		)
		customer = self.make_customer(name, email_id=email)
		frappe.db.delete(c.SYNC_QUEUE)
		qbo_before = len(self.qbo_rows("Customer"))
		rows = {r["customer"]: r for r in preview_matches()}
		self.assertEqual(rows[customer]["decision"], "link", rows[customer])
		self.assertEqual(rows[customer]["qbo_name"], name)  # issue 14, #6: the name next to the id
		self.assertTrue(rows[customer]["reason"])
		self.assertFalse(frappe.db.get_value("Customer", customer, c.CUSTOMER_QBO_ID))
		self.assertEqual(len(self.qbo_rows("Customer")), qbo_before)
		self.assertFalse(frappe.db.exists(c.CUSTOMER_MATCH, {"customer": customer}))
