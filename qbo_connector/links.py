"""QuickBooks Link: one row per document and QuickBooks company (realm), the single truth about what is
linked where. The custom fields on Customer and Sales Invoice are a read-only view of the link for the
document's company (a Sales Invoice has one company; a Customer shows the default company's link, or
its only link when it has no link there). Every reader of QBO ids, SyncTokens and link states goes
through the helpers here; every writer goes through `set_link`, which keeps the view in step."""

from __future__ import annotations

import hashlib

import frappe
from frappe.utils import now_datetime

from qbo_connector import constants as c
from qbo_connector.bulk import insert_rows, update_rows

LINK_FIELDS = [
	"name",
	"reference_doctype",
	"reference_name",
	"company",
	"realm_id",
	"qbo_entity",
	"qbo_id",
	"sync_token",
	"doc_number",
	"qbo_name",
	"origin",
	"qbo_balance",
	"pushed_fields",
	"applied_payment_id",
	"status",
	"last_error",
	"last_synced_on",
	"match_status",
	"match_score",
]
VALUE_FIELDS = set(LINK_FIELDS) - {"name", "reference_doctype", "reference_name", "company", "realm_id"}
VIEWS = c.VIEWS_BY_DOCTYPE
ENTITIES = {c.CUSTOMER: "Customer", c.PAYMENT_ENTRY: "Payment"}  # else Invoice
# a new link without one of these (a return's credit memo has no invoice balance) inserts the column's
# default: Frappe makes number columns NOT NULL
NUMBER_DEFAULTS = {"qbo_balance": 0, "match_score": 0}


def link_name(doctype: str, name: str, realm_id: str) -> str:
	key = f"{realm_id}::{doctype}::{name}"
	return key if len(key) <= 140 else f"{realm_id}::{doctype}::{hashlib.sha1(name.encode()).hexdigest()}"


def get_links(doctype: str, names: list[str], realm_id: str) -> dict[str, frappe._dict]:
	"""Document name -> its link in the realm (one query)."""
	if not names or not realm_id:
		return {}
	rows = frappe.get_all(
		c.LINK,
		filters={"reference_doctype": doctype, "reference_name": ("in", list(names)), "realm_id": realm_id},
		fields=LINK_FIELDS,
		limit=len(names),
	)
	return {r.reference_name: r for r in rows}


def get_link(doctype: str, name: str, realm_id: str) -> frappe._dict | None:
	return get_links(doctype, [name], realm_id).get(name)


def qbo_ids(doctype: str, names: list[str], realm_id: str) -> dict[str, str]:
	"""Document name -> QBO id in the realm, for the linked ones."""
	return {n: r.qbo_id for n, r in get_links(doctype, names, realm_id).items() if r.qbo_id}


def linked_by_qbo_id(doctype: str, realm_id: str, exclude: list[str] | None = None) -> dict[str, str]:
	"""QBO id -> document name, for every linked document of the realm (but `exclude`)."""
	filters = {"reference_doctype": doctype, "realm_id": realm_id, "qbo_id": ("is", "set")}
	if exclude:
		filters["reference_name"] = ("not in", list(exclude))
	rows = frappe.get_all(c.LINK, filters=filters, fields=["reference_name", "qbo_id"], limit=0)
	return {r.qbo_id: r.reference_name for r in rows}


def names_linked_to(doctype: str, realm_id: str, ids: list[str] | None = None) -> list[str]:
	"""Documents linked in the realm (to one of `ids` when given)."""
	filters = {"reference_doctype": doctype, "realm_id": realm_id, "qbo_id": ("is", "set")}
	if ids is not None:
		if not ids:
			return []
		filters["qbo_id"] = ("in", list(ids))
	return frappe.get_all(c.LINK, filters=filters, pluck="reference_name", limit=0)


def set_link(doctype: str, name: str, realm_id: str, company: str, values: dict) -> None:
	"""Insert or update the document's link in the realm, then its view on the document. `values` holds
	link fields (qbo_id, sync_token, status, ...); empty strings clear."""
	values = {k: v for k, v in values.items() if k in VALUE_FIELDS}
	row = link_name(doctype, name, realm_id)
	if frappe.db.exists(c.LINK, row):
		if values:
			frappe.db.set_value(c.LINK, row, values, update_modified=True)
	else:
		frappe.get_doc(
			{
				"doctype": c.LINK,
				"name": row,
				"reference_doctype": doctype,
				"reference_name": name,
				"company": company,
				"realm_id": realm_id,
				"qbo_entity": ENTITIES.get(doctype, "Invoice"),
				**values,  # an invoice's outcome names its entity (CreditMemo for a return)
			}
		).db_insert()
	update_view(doctype, name, company, values)


def set_links(doctype: str, realm_id: str, company: str, values_by_name: dict[str, dict]) -> None:
	"""`set_link` for many documents of one doctype with a fixed number of statements: one read, one
	insert of the new links, one update of the others, one update of the view (an invoice's or a
	payment's: they have one company, so the view always shows it)."""
	if not values_by_name:
		return
	assert doctype != c.CUSTOMER, "a customer's view depends on its companies: use set_link"
	rows = {link_name(doctype, name, realm_id): name for name in values_by_name}
	existing = set(frappe.get_all(c.LINK, filters={"name": ("in", list(rows))}, pluck="name", limit=0))
	updates = {row: _link_fields(values_by_name[name]) for row, name in rows.items() if row in existing}
	new = {row: _link_fields(values_by_name[name]) for row, name in rows.items() if row not in existing}
	fields = sorted({k for values in new.values() for k in values} - {"qbo_entity"})
	entity = ENTITIES.get(doctype, "Invoice")
	insert_rows(
		c.LINK,
		["reference_doctype", "reference_name", "company", "realm_id", "qbo_entity", *fields],
		{
			row: (
				doctype,
				rows[row],
				company,
				realm_id,
				v.get("qbo_entity") or entity,
				*(v.get(f, NUMBER_DEFAULTS.get(f)) for f in fields),
			)
			for row, v in new.items()
		},
	)
	update_rows(c.LINK, updates, touch_modified=True)
	view = VIEWS.get(doctype, {})
	update_rows(
		doctype,
		{
			name: {view[k]: v for k, v in values.items() if k in view}
			for name, values in values_by_name.items()
		},
	)


def _link_fields(values: dict) -> dict:
	return {k: v for k, v in values.items() if k in VALUE_FIELDS}


def set_status(doctype: str, names: list[str], company: str, status: str) -> None:
	"""A state change made in ERPNext (queued again): the links of the company, and the view. The last
	error goes with the old state (one status, one sentence; the Sync Log keeps the history)."""
	if not names:
		return
	table = frappe.qb.DocType(c.LINK)
	(
		frappe.qb.update(table)
		.set(table.status, status)
		.set(table.last_error, "")
		.set(table.modified, now_datetime())
		.where(
			(table.reference_doctype == doctype)
			& (table.reference_name.isin(list(names)))
			& (table.company == company)
		)
	).run()
	shown = list(names)
	default = default_company() if doctype == c.CUSTOMER else ""
	if default and default != company:  # shows_company, for all at once
		hidden = set(
			frappe.get_all(
				c.LINK,
				filters={"reference_doctype": doctype, "reference_name": ("in", shown), "company": default},
				pluck="reference_name",
				limit=0,
			)
		)
		shown = [name for name in shown if name not in hidden]
	if shown:
		view, document = VIEWS[doctype], frappe.qb.DocType(doctype)
		update = frappe.qb.update(document).set(document[view["status"]], status)
		update.set(document[view["last_error"]], "").where(document.name.isin(shown)).run()


def shows_company(doctype: str, name: str, company: str) -> bool:
	"""Whether the document's view shows this company's link."""
	if doctype != c.CUSTOMER:  # an invoice or a payment has one company
		return True
	default = default_company()
	if not default or company == default:
		return True
	# another company's link shows only while the customer has no link of the default company
	return not frappe.db.exists(
		c.LINK, {"reference_doctype": doctype, "reference_name": name, "company": default}
	)


def update_view(doctype: str, name: str, company: str, values: dict) -> None:
	view = VIEWS.get(doctype, {})
	columns = {view[k]: v for k, v in values.items() if k in view}
	if columns and shows_company(doctype, name, company):
		frappe.db.set_value(doctype, name, columns, update_modified=False)


def default_company() -> str:
	return frappe.db.get_single_value(c.SETTINGS, "company") or ""


def delete_links(company: str) -> dict[str, int]:
	"""Forget every link of the company (and its view on the documents); returns counts per doctype."""
	counts = {}
	for doctype, view in VIEWS.items():
		names = frappe.get_all(
			c.LINK,
			filters={"reference_doctype": doctype, "company": company},
			pluck="reference_name",
			limit=0,
		)
		counts[doctype] = len(names)
		shown = [n for n in names if shows_company(doctype, n, company)]
		frappe.db.delete(c.LINK, {"reference_doctype": doctype, "company": company})
		for chunk in range(0, len(shown), 500):
			table = frappe.qb.DocType(doctype)
			query = frappe.qb.update(table)
			for column in view.values():
				query = query.set(table[column], None)
			query.where(table.name.isin(shown[chunk : chunk + 500])).run()
	return counts


def count_links(company: str) -> dict[str, int]:
	return {
		"customers": frappe.db.count(
			c.LINK, {"reference_doctype": c.CUSTOMER, "company": company, "qbo_id": ("is", "set")}
		),
		"invoices": frappe.db.count(
			c.LINK, {"reference_doctype": c.SALES_INVOICE, "company": company, "qbo_id": ("is", "set")}
		),
		"payments": frappe.db.count(
			c.LINK, {"reference_doctype": c.PAYMENT_ENTRY, "company": company, "qbo_id": ("is", "set")}
		),
	}
