# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt
"""QuickBooks Reconciliation: every invoice, credit note and payment of a company that went to QuickBooks,
with ERPNext's total and open amount beside QuickBooks' (read when the report runs, in `Id IN` queries of up
to 1,000 ids through the run's limiter), and a Drift column saying what differs. Totals per customer."""

from __future__ import annotations

from decimal import Decimal

import frappe
from frappe import _
from frappe.utils import flt, now_datetime

from qbo_connector import constants as c
from qbo_connector import links
from qbo_connector.connection import default_company, get_client
from qbo_connector.engine.errors import QBOError
from qbo_connector.engine.payment_import import read_amounts
from qbo_connector.engine.records import VOIDED

CENT = Decimal("0.005")
AMOUNTS = ("erp_total", "qbo_total", "erp_open", "qbo_open")
INVOICE_FIELDS = ["name", "customer", "posting_date", "docstatus", "is_return", "currency", "grand_total"]
INVOICE_FIELDS += ["rounded_total", "outstanding_amount"]


def execute(filters=None):
	filters = frappe._dict(filters or {})
	company = filters.company or default_company()
	realm_id = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") or ""
	if not realm_id:
		frappe.throw(_("{0} is not connected to QuickBooks").format(company))
	documents = load_documents(company, filters) if company else []
	found = {}
	for doctype in (c.SALES_INVOICE, c.PAYMENT_ENTRY):
		names = [d.name for d in documents if d.doctype == doctype]
		for name, link in links.get_links(doctype, names, realm_id).items():
			found[(doctype, name)] = link
	documents = [d for d in documents if (d.doctype, d.name) in found and found[(d.doctype, d.name)].qbo_id]
	for d in documents:
		d.link = found[(d.doctype, d.name)]
	try:
		amounts = read_quickbooks(get_client(company), documents)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	rows = [compare(d, amounts.get((d.link.qbo_entity, d.link.qbo_id))) for d in documents]
	if filters.drift_only:
		rows = [r for r in rows if r["drift"]]
	message = _("Read from QuickBooks at {0}: {1} records, {2} differ.").format(
		now_datetime().strftime("%Y-%m-%d %H:%M:%S"), len(documents), sum(1 for r in rows if r["drift"])
	)
	return columns(), with_customer_totals(rows), message


def load_documents(company: str, filters) -> list[frappe._dict]:
	dates = {"posting_date": ("between", [filters.from_date, filters.to_date])} if filters.from_date else {}
	party = {"customer": filters.customer} if filters.customer else {}
	invoices = frappe.get_all(
		c.SALES_INVOICE,
		filters={"company": company, "docstatus": ("in", [1, 2]), **dates, **party},
		fields=INVOICE_FIELDS,
		order_by="customer asc, posting_date asc, name asc",
		limit=0,
	)
	for d in invoices:
		d.doctype = c.SALES_INVOICE
	party = {"party": filters.customer} if filters.customer else {}
	payments = frappe.get_all(
		c.PAYMENT_ENTRY,
		filters={"company": company, "docstatus": ("in", [1, 2]), "party_type": c.CUSTOMER, **dates, **party},
		fields=[
			"name",
			"party as customer",
			"posting_date",
			"docstatus",
			"paid_amount",
			"unallocated_amount",
		],
		limit=0,
	)
	for d in payments:
		d.doctype = c.PAYMENT_ENTRY
	return sorted(invoices + payments, key=lambda d: (d.customer or "", str(d.posting_date), d.name))


def read_quickbooks(client, documents) -> dict[tuple[str, str], dict]:
	by_entity: dict[str, list[str]] = {}
	for d in documents:
		by_entity.setdefault(d.link.qbo_entity or "Invoice", []).append(d.link.qbo_id)
	found = {}
	for entity, ids in by_entity.items():
		for qbo_id, values in read_amounts(client, entity, ids).items():
			found[(entity, qbo_id)] = values
	return found


def compare(d, qbo: dict | None) -> dict:
	"""One row: ERPNext's amounts (a return's as positive credit), QuickBooks', and what differs."""
	if d.doctype == c.PAYMENT_ENTRY:
		erp_total, erp_open = Decimal(str(d.paid_amount)), Decimal(str(d.unallocated_amount or 0))
		totals = {erp_total}
	else:
		grand, rounded = abs(Decimal(str(d.grand_total))), abs(Decimal(str(d.rounded_total or 0)))
		erp_total, erp_open = rounded or grand, abs(Decimal(str(d.outstanding_amount)))
		totals = {grand, rounded or grand}
	if d.docstatus == 2:
		erp_total = erp_open = Decimal(0)
		totals = {Decimal(0)}
	drift = []
	if qbo is None:
		drift.append(_("not in QuickBooks (deleted there?)"))
	else:
		if all(abs(qbo["TotalAmt"] - total) > CENT for total in totals):
			drift.append(
				_("totals differ") if d.docstatus == 1 else _("cancelled in ERPNext, live in QuickBooks")
			)
		if d.docstatus == 1 and abs(qbo["Balance"] - erp_open) > CENT:
			drift.append(_("open amounts differ"))
	if d.docstatus == 2 and d.link.status != VOIDED and not drift:
		drift.append(_("cancel not yet in QuickBooks"))
	return {
		"document_type": d.doctype,
		"document": d.name,
		"customer": d.customer,
		"posting_date": d.posting_date,
		"qbo_record": f"{d.link.qbo_entity} {d.link.qbo_id}",
		"status": d.link.status,
		"erp_total": flt(erp_total),
		"qbo_total": flt(qbo["TotalAmt"]) if qbo else None,
		"erp_open": flt(erp_open),
		"qbo_open": flt(qbo["Balance"]) if qbo else None,
		"drift": "; ".join(drift),
		"last_synced_on": d.link.last_synced_on,
	}


def with_customer_totals(rows: list[dict]) -> list[dict]:
	out, current = [], None
	for row in [*rows, None]:
		customer = row["customer"] if row else None
		if current is not None and customer != current[0]:
			total = {"customer": _("Total {0}").format(current[0]), "is_total": 1}
			total.update({key: sum(flt(r[key]) for r in current[1]) for key in AMOUNTS})
			total["drift"] = (
				_("{0} differ").format(sum(1 for r in current[1] if r["drift"]))
				if any(r["drift"] for r in current[1])
				else ""
			)
			out.append(total)
			current = None
		if row is None:
			break
		if current is None:
			current = (customer, [])
		current[1].append(row)
		out.append(row)
	return out


def columns() -> list[dict]:
	return [
		{
			"fieldname": "document_type",
			"label": _("Type"),
			"fieldtype": "Link",
			"options": "DocType",
			"width": 110,
		},
		{
			"fieldname": "document",
			"label": _("Document"),
			"fieldtype": "Dynamic Link",
			"options": "document_type",
			"width": 170,
		},
		{
			"fieldname": "customer",
			"label": _("Customer"),
			"fieldtype": "Link",
			"options": "Customer",
			"width": 170,
		},
		{"fieldname": "posting_date", "label": _("Date"), "fieldtype": "Date", "width": 95},
		{"fieldname": "qbo_record", "label": _("QuickBooks Record"), "fieldtype": "Data", "width": 130},
		{"fieldname": "status", "label": _("Status"), "fieldtype": "Data", "width": 90},
		{
			"fieldname": "erp_total",
			"label": _("ERPNext Total"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 110,
		},
		{
			"fieldname": "qbo_total",
			"label": _("QuickBooks Total"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 120,
		},
		{
			"fieldname": "erp_open",
			"label": _("ERPNext Outstanding"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 130,
		},
		{
			"fieldname": "qbo_open",
			"label": _("QuickBooks Balance"),
			"fieldtype": "Float",
			"precision": 2,
			"width": 130,
		},
		{"fieldname": "drift", "label": _("Drift"), "fieldtype": "Data", "width": 220},
		{"fieldname": "last_synced_on", "label": _("Last Synced"), "fieldtype": "Datetime", "width": 150},
	]
