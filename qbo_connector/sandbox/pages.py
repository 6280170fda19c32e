"""Read-only HTML pages for the links users follow ("View in QuickBooks"): the offline stand-in for the QBO
web app's record pages. `QBOClient.entity_url` builds, for a Custom environment pointing at the sandbox,
`/app/invoice?txnId=N`, `/app/creditmemo?txnId=N`, `/app/payment?txnId=N` and `/app/customerdetail?nameId=N`
(the paths of the QBO web app). Which company: `realm=<realm id>` when given; else the record is looked up
in every realm: one holder is shown, several get a page to choose from. Nothing here writes state."""

from __future__ import annotations

import copy
from html import escape
from urllib.parse import urlencode

from qbo_connector.sandbox.wire import Request, Response

PREFIX = "/app/"
PAGES = {  # path -> (entity, id parameter)
	"invoice": ("Invoice", "txnId"),
	"creditmemo": ("CreditMemo", "txnId"),
	"payment": ("Payment", "txnId"),
	"customerdetail": ("Customer", "nameId"),
}
PATH_OF = {entity: (path, key) for path, (entity, key) in PAGES.items()}
TITLES = {"Invoice": "Invoice", "CreditMemo": "Credit memo", "Payment": "Payment", "Customer": "Customer"}
STYLE = (
	"body{font-family:sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0}"
	"th,td{border:1px solid #ccc;padding:4px 8px;text-align:left}td.n{text-align:right}"
	".badge{background:#eee;padding:2px 8px;border-radius:8px}.voided{background:#fdd}"
)


def route(sandbox, request: Request) -> Response:
	request.kind = "page"
	name = request.path[len(PREFIX) :].strip("/").lower()
	if name not in PAGES or request.method not in ("GET", "HEAD"):
		return page(404, "Not found", f"<p>The sandbox has no page {escape(request.path)}.</p>")
	entity, key = PAGES[name]
	ident = request.param(key).strip()
	wanted = request.param("realm").strip()
	with sandbox.lock:
		if wanted:
			realm = sandbox.realms.get(wanted)
			if realm is None:
				return page(404, "Not found", f"<p>The sandbox has no company (realm) {escape(wanted)}.</p>")
			holders = [realm] if realm.get(entity, ident) else []
		else:
			holders = [realm for realm in sandbox.realms.values() if realm.get(entity, ident)]
		if not holders:
			where = f" in company {escape(wanted)}" if wanted else ""
			return page(
				404, "Not found", f"<p>No {TITLES[entity].lower()} with id {escape(ident)}{where}.</p>"
			)
		if len(holders) > 1:
			return choose(entity, ident, holders)
		realm = holders[0]
		obj = copy.deepcopy(realm.get(entity, ident))
		request.realm = realm.realm_id
		if entity == "Customer":
			return customer_page(realm, obj, bool(wanted))
		if entity == "Payment":
			return payment_page(realm, obj, bool(wanted))
		return sale_page(realm, entity, obj, bool(wanted))


def page(status: int, title: str, body: str) -> Response:
	text = (
		f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)} - QBO sandbox</title>'
		f"<style>{STYLE}</style></head><body><h1>{escape(title)}</h1>{body}"
		"<p><small>Offline QuickBooks sandbox: a read-only view.</small></p></body></html>"
	)
	return Response.html(status, text)


def link(realm, entity: str, ident, text: str, with_realm: bool) -> str:
	path, key = PATH_OF[entity]
	params = {key: ident, **({"realm": realm.realm_id} if with_realm else {})}
	return f'<a href="{PREFIX}{path}?{escape(urlencode(params))}">{escape(str(text))}</a>'


def choose(entity: str, ident: str, realms) -> Response:
	items = "".join(
		f"<li>{link(realm, entity, ident, realm.company.get('CompanyName') or realm.realm_id, True)} "
		f"(realm {escape(realm.realm_id)})</li>"
		for realm in realms
	)
	return page(
		200,
		f"{TITLES[entity]} {ident}",
		f"<p>Several sandbox companies have this id; choose one:</p><ul>{items}</ul>",
	)


def fields_table(rows: list[tuple[str, str]]) -> str:
	cells = "".join(f"<tr><th>{escape(k)}</th><td>{v}</td></tr>" for k, v in rows if v not in ("", None))
	return f"<table>{cells}</table>"


def text(value) -> str:
	return escape(str(value)) if value not in (None, "") else ""


def money(value) -> str:
	return text(f"{float(value):,.2f}") if value not in (None, "") else ""


def ref_name(realm, entity: str, ref: dict | None, field: str = "Name") -> str:
	ref = ref or {}
	if ref.get("name"):
		return str(ref["name"])
	obj = realm.get(entity, ref.get("value")) or {}
	return str(obj.get(field) or ref.get("value") or "")


def address(addr: dict | None) -> str:
	addr = addr or {}
	parts = [addr.get(f"Line{i}") for i in range(1, 6)]
	parts += [" ".join(str(p) for p in (addr.get("City"), addr.get("CountrySubDivisionCode")) if p)]
	parts += [addr.get("PostalCode"), addr.get("Country")]
	return "<br>".join(escape(str(p)) for p in parts if p)


def customer_cell(realm, obj: dict, with_realm: bool) -> str:
	ref = obj.get("CustomerRef") or {}
	if not ref.get("value"):
		return ""
	return link(realm, "Customer", ref["value"], ref_name(realm, "Customer", ref, "DisplayName"), with_realm)


def sale_page(realm, entity: str, obj: dict, with_realm: bool) -> Response:
	voided = (entity, obj["Id"]) in realm.voided
	number = obj.get("DocNumber") or obj["Id"]
	status = '<span class="badge voided">Voided</span>' if voided else ""
	head = fields_table(
		[
			("Company", text(realm.company.get("CompanyName") or realm.realm_id)),
			("Status", status),
			("Customer", customer_cell(realm, obj, with_realm)),
			("Date", text(obj.get("TxnDate"))),
			("Due date", text(obj.get("DueDate"))),
			("Currency", text((obj.get("CurrencyRef") or {}).get("value"))),
			("Tax", money((obj.get("TxnTaxDetail") or {}).get("TotalTax"))),
			("Total", money(obj.get("TotalAmt"))),
			("Balance", money(obj.get("Balance"))),
			("Private note", text(obj.get("PrivateNote"))),
			("Id / SyncToken", text(f"{obj['Id']} / {obj.get('SyncToken', '0')}")),
		]
	)
	rows = []
	for line in obj.get("Line") or []:
		kind = line.get("DetailType")
		if kind == "SalesItemLineDetail":
			detail = line.get(kind) or {}
			item = ref_name(realm, "Item", detail.get("ItemRef"))
			rows.append(
				(
					text(item),
					text(line.get("Description")),
					text(detail.get("Qty")),
					money(detail.get("UnitPrice")),
					money(line.get("Amount")),
					text((detail.get("TaxCodeRef") or {}).get("value")),
				)
			)
		elif kind == "DiscountLineDetail":
			rows.append(
				("Discount", text(line.get("Description")), "", "", money(-float(line["Amount"])), "")
			)
		elif kind == "SubTotalLineDetail":
			rows.append(("Subtotal", "", "", "", money(line.get("Amount")), ""))
		elif line.get("Description"):
			rows.append(("", text(line.get("Description")), "", "", money(line.get("Amount")), ""))
	heads = ("Product/Service", "Description", "Qty", "Rate", "Amount", "Tax")
	body = "".join(
		"<tr>"
		+ "".join(f'<td class="{"n" if i in (2, 3, 4) else ""}">{c}</td>' for i, c in enumerate(r))
		+ "</tr>"
		for r in rows
	)
	table = "<table><tr>" + "".join(f"<th>{h}</th>" for h in heads) + f"</tr>{body}</table>"
	return page(200, f"{TITLES[entity]} {number}", head + table)


def payment_page(realm, obj: dict, with_realm: bool) -> Response:
	head = fields_table(
		[
			("Company", text(realm.company.get("CompanyName") or realm.realm_id)),
			("Customer", customer_cell(realm, obj, with_realm)),
			("Date", text(obj.get("TxnDate"))),
			("Reference no.", text(obj.get("PaymentRefNum"))),
			("Payment method", text(ref_name(realm, "PaymentMethod", obj.get("PaymentMethodRef")))),
			("Deposit to", text(ref_name(realm, "Account", obj.get("DepositToAccountRef")))),
			("Amount received", money(obj.get("TotalAmt"))),
			("Unapplied", money(obj.get("UnappliedAmt"))),
			("Id / SyncToken", text(f"{obj['Id']} / {obj.get('SyncToken', '0')}")),
		]
	)
	rows = []
	for line in obj.get("Line") or []:
		for linked in line.get("LinkedTxn") or []:
			kind, ident = linked.get("TxnType", ""), linked.get("TxnId", "")
			target = realm.get(kind, ident) if kind in PATH_OF else None
			label = f"{TITLES.get(kind, kind)} {(target or {}).get('DocNumber') or ident}"
			cell = link(realm, kind, ident, label, with_realm) if target else text(label)
			rows.append(f'<tr><td>{cell}</td><td class="n">{money(line.get("Amount"))}</td></tr>')
	table = "<table><tr><th>Applied to</th><th>Amount</th></tr>" + "".join(rows) + "</table>"
	return page(200, f"Payment {obj['Id']}", head + table)


def customer_page(realm, obj: dict, with_realm: bool) -> Response:
	name = " ".join(str(obj.get(k) or "") for k in ("GivenName", "FamilyName")).strip()
	head = fields_table(
		[
			("Company", text(realm.company.get("CompanyName") or realm.realm_id)),
			("Status", "" if obj.get("Active", True) else '<span class="badge">Inactive</span>'),
			("Company name", text(obj.get("CompanyName"))),
			("Name", text(name)),
			("Email", text((obj.get("PrimaryEmailAddr") or {}).get("Address"))),
			("Phone", text((obj.get("PrimaryPhone") or {}).get("FreeFormNumber"))),
			("Billing address", address(obj.get("BillAddr"))),
			("Currency", text((obj.get("CurrencyRef") or {}).get("value"))),
			("Open balance", money(obj.get("Balance"))),
			("Notes", text(obj.get("Notes"))),
			("Id / SyncToken", text(f"{obj['Id']} / {obj.get('SyncToken', '0')}")),
		]
	)
	rows = []
	for entity, txn in realm.transactions_of(obj["Id"]):
		label = f"{TITLES.get(entity, entity)} {txn.get('DocNumber') or txn['Id']}"
		cell = link(realm, entity, txn["Id"], label, with_realm) if entity in PATH_OF else text(label)
		state = "Voided" if (entity, txn["Id"]) in realm.voided else ""
		rows.append(
			f"<tr><td>{cell}</td><td>{text(txn.get('TxnDate'))}</td>"
			f'<td class="n">{money(txn.get("TotalAmt"))}</td><td class="n">{money(txn.get("Balance"))}</td>'
			f"<td>{state}</td></tr>"
		)
	table = (
		"<h2>Transactions</h2><table><tr><th>Transaction</th><th>Date</th><th>Total</th><th>Balance</th>"
		"<th></th></tr>" + "".join(rows) + "</table>"
	)
	return page(200, f"Customer {obj.get('DisplayName') or obj['Id']}", head + table)
