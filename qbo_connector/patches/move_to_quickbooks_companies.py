"""Move a single-company installation into the multi-company shape, losing nothing and re-sending
nothing:

- the connection on QuickBooks Settings (realm, tokens, expiries, cursor, last run) -> a QuickBooks
  Company row for the settings' company; the tokens leave Settings;
- every link held in the custom fields of Customer and Sales Invoice -> a QuickBooks Link row with the
  realm (the fields stay, as the view of the link);
- queue rows and match reviews get their company (customer rows take their per-company name).

Idempotent: a second run finds everything moved and changes nothing."""

import frappe
from frappe.utils import now_datetime
from frappe.utils.password import get_decrypted_password

from qbo_connector import constants as c
from qbo_connector.links import link_name
from qbo_connector.queue import queue_name

TOKEN_FIELDS = ("access_token", "refresh_token")
CUSTOMER_COLUMNS = {
	"qbo_id": c.CUSTOMER_QBO_ID,
	"status": c.CUSTOMER_SYNC_STATUS,
	"match_status": c.CUSTOMER_MATCH_STATUS,
	"last_error": c.CUSTOMER_LAST_ERROR,
}
INVOICE_COLUMNS = {
	"qbo_id": c.INVOICE_QBO_ID,
	"status": c.INVOICE_SYNC_STATUS,
	"doc_number": c.INVOICE_DOC_NUMBER,
	"sync_token": c.INVOICE_SYNC_TOKEN,
	"last_synced_on": c.INVOICE_LAST_SYNCED,
	"last_error": c.INVOICE_LAST_ERROR,
}


def execute():
	company = frappe.db.get_single_value(c.SETTINGS, "company")
	if not company:
		return  # never configured: nothing was linked or queued
	single = singles()
	realm = single.get("linked_realm_id") or single.get("realm_id") or ""
	move_connection(company, single)
	if realm:
		move_links(c.CUSTOMER, CUSTOMER_COLUMNS, company, realm)
		move_links(c.SALES_INVOICE, INVOICE_COLUMNS, company, realm)
	move_queue(company)
	frappe.db.sql(
		f"update `tab{c.CUSTOMER_MATCH}` set company=%s where ifnull(company, '')=''",
		(company,),
	)


def singles() -> dict:
	rows = frappe.db.sql(
		"select field, value from `tabSingles` where doctype=%s", (c.SETTINGS,), as_dict=True
	)
	return {r.field: r.value for r in rows}


def move_connection(company: str, single: dict) -> None:
	tokens = {
		field: get_decrypted_password(c.SETTINGS, c.SETTINGS, field, raise_exception=False) or ""
		for field in TOKEN_FIELDS
	}
	if not frappe.db.exists(c.QBO_COMPANY, company):
		doc = frappe.get_doc(
			{
				"doctype": c.QBO_COMPANY,
				"company": company,
				**{f: single.get(f) or None for f in c.MIRRORED_FIELDS},
				**tokens,
			}
		)
		doc.connection_status = single.get("connection_status") or c.NOT_CONNECTED
		doc.flags.ignore_permissions = True
		doc.flags.ignore_links = True
		doc.insert()
	# the tokens now live on the company only
	frappe.db.delete("__Auth", {"doctype": c.SETTINGS, "fieldname": ("in", TOKEN_FIELDS)})
	frappe.db.delete("Singles", {"doctype": c.SETTINGS, "field": ("in", TOKEN_FIELDS)})


def move_links(doctype: str, columns: dict, company: str, realm: str) -> None:
	"""One link row per document that carries a QBO id or a sync state (bulk insert; existing rows are
	left alone). Invoices of other companies were never exported: their fields stay, without a link."""
	table = frappe.qb.DocType(doctype)
	fields = ["name", *columns.values()] + (["company", "is_return"] if doctype == c.SALES_INVOICE else [])
	query = frappe.qb.from_(table).select(*[table[f] for f in fields])
	query = query.where(table[columns["qbo_id"]].isnotnull() | table[columns["status"]].isnotnull())
	if doctype == c.SALES_INVOICE:
		query = query.where(table.company == company)
	rows = [r for r in query.run(as_dict=True) if r[columns["qbo_id"]] or r[columns["status"]]]
	existing = set(
		frappe.get_all(
			c.LINK, filters={"reference_doctype": doctype, "realm_id": realm}, pluck="reference_name"
		)
	)
	now, user = now_datetime(), frappe.session.user
	link_fields = ["name", "creation", "modified", "owner", "modified_by", "reference_doctype"]
	link_fields += ["reference_name", "company", "realm_id", "qbo_entity", *columns.keys()]
	values = []
	for row in rows:
		if row.name in existing:
			continue
		entity = (
			"Customer" if doctype == c.CUSTOMER else ("CreditMemo" if row.get("is_return") else "Invoice")
		)
		values.append(
			(
				link_name(doctype, row.name, realm),
				now,
				now,
				user,
				user,
				doctype,
				row.name,
				company,
				realm,
				entity,
				*tuple(row[column] for column in columns.values()),
			)
		)
	for start in range(0, len(values), 1000):
		frappe.db.bulk_insert(c.LINK, link_fields, values[start : start + 1000])


def move_queue(company: str) -> None:
	"""Invoice rows take their invoice's company; customer rows the settings' company and its name."""
	frappe.db.sql(
		f"""update `tab{c.SYNC_QUEUE}` q join `tabSales Invoice` si on si.name = q.reference_name
		set q.company = si.company
		where q.reference_doctype = 'Sales Invoice' and ifnull(q.company, '') = ''"""
	)
	rows = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": c.CUSTOMER, "company": ("is", "not set")},
		fields=["name", "reference_name"],
		limit=0,
	)
	for row in rows:
		new_name = queue_name(c.CUSTOMER, row.reference_name, company)
		if frappe.db.exists(c.SYNC_QUEUE, new_name):
			frappe.db.delete(c.SYNC_QUEUE, {"name": row.name})
			continue
		frappe.db.sql(
			f"update `tab{c.SYNC_QUEUE}` set name=%s, company=%s where name=%s",
			(new_name, company, row.name),
		)
