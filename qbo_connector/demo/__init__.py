"""`qbo-connector demo`: the main job on the embedded default. Starts an in-process sandbox seeded with a
QuickBooks company whose customers include near-duplicates of the bundled ERPNext-shaped sample data,
connects through the real OAuth flow, runs the real engine (customers, then invoices, then payments both ways:
demo/payments.py), and prints a report. Exits non-zero if anything fails, if QuickBooks ends with a duplicate
or a lost invoice, or if an exported invoice's QuickBooks balance differs from its ERPNext outstanding."""

from __future__ import annotations

import json
import sys
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import requests

from qbo_connector.engine import client as qbo
from qbo_connector.engine.customers import CustomerSettings, CustomerSync
from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.records import ERPCustomer, ERPInvoice, InvoiceLine, InvoiceTax, Outcome
from qbo_connector.engine.tokens import MemoryTokenStore
from qbo_connector.sandbox import Sandbox

from . import payments as demo_payments

HERE = Path(__file__).parent
SAMPLE = HERE / "erpnext_sample.json"
SEED = HERE / "seed.json"
REDIRECT_URI = "http://localhost:8000/api/method/qbo_connector.connection.callback"


def load_sample(path: Path = SAMPLE) -> tuple[list[ERPCustomer], list[ERPInvoice]]:
	data = json.loads(path.read_text(encoding="utf-8"))
	customers = [to_customer(row) for row in data["customers"]]
	invoices = [to_invoice(row, data.get("company_currency", "USD")) for row in data["invoices"]]
	return customers, invoices


def to_customer(row: dict) -> ERPCustomer:
	address = row.get("address") or {}
	return ERPCustomer(
		id=row["name"],
		customer_name=row["customer_name"],
		customer_type=row.get("customer_type", ""),
		email=row.get("email_id", ""),
		phone=row.get("mobile_no", ""),
		tax_id=row.get("tax_id", ""),
		address_line1=address.get("address_line1", ""),
		city=address.get("city", ""),
		state=address.get("state", ""),
		pincode=address.get("pincode", ""),
		country=address.get("country", ""),
		currency=row.get("default_currency", ""),
	)


def _dec(value) -> Decimal:
	return Decimal(str(value or 0))


def to_invoice(row: dict, company_currency: str) -> ERPInvoice:
	return ERPInvoice(
		name=row["name"],
		customer=row["customer"],
		posting_date=row["posting_date"],
		due_date=row.get("due_date", ""),
		grand_total=_dec(row["grand_total"]),
		currency=row.get("currency", ""),
		conversion_rate=_dec(row.get("conversion_rate", 1)),
		company_currency=company_currency,
		lines=[
			InvoiceLine(
				item_code=i["item_code"],
				item_name=i.get("item_name", ""),
				description=i.get("description", ""),
				qty=_dec(i["qty"]),
				rate=_dec(i["rate"]),
				amount=_dec(i["amount"]),
				price_list_rate=_dec(i.get("price_list_rate")),
				discount_percentage=_dec(i.get("discount_percentage")),
			)
			for i in row.get("items", [])
		],
		taxes=[
			InvoiceTax(
				charge_type=t["charge_type"],
				account_head=t["account_head"],
				rate=_dec(t.get("rate")),
				tax_amount=_dec(t.get("tax_amount")),
				included_in_print_rate=bool(t.get("included_in_print_rate")),
				description=t.get("description", ""),
			)
			for t in row.get("taxes", [])
		],
		taxes_and_charges=row.get("taxes_and_charges", ""),
		discount_amount=_dec(row.get("discount_amount")),
		rounding_adjustment=_dec(row.get("rounding_adjustment")),
		rounded_total=_dec(row.get("rounded_total")),
		disable_rounded_total=bool(row.get("disable_rounded_total", 1)),
		is_return=bool(row.get("is_return")),
		return_against=row.get("return_against", ""),
		remarks=row.get("remarks", ""),
	)


def connect(sb: Sandbox) -> qbo.QBOClient:
	"""The real OAuth code flow against the sandbox: authorize, approve the consent page, exchange."""
	client_id, secret = sb.default_client
	config = qbo.ClientConfig(client_id, secret, REDIRECT_URI, environment="custom", base_url=sb.url)
	url = qbo.authorization_url(config, state="demo-state")
	form = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
	approved = requests.post(
		url.split("?")[0], data={**form, "action": "connect"}, allow_redirects=False, timeout=10
	)
	redirect = {k: v[0] for k, v in parse_qs(urlparse(approved.headers["Location"]).query).items()}
	if redirect.get("state") != "demo-state":
		raise RuntimeError("OAuth state mismatch")
	config = qbo.ClientConfig(
		client_id, secret, REDIRECT_URI, realm_id=redirect["realmId"], environment="custom", base_url=sb.url
	)
	tokens = qbo.exchange_code(config, redirect["code"], redirect["realmId"])
	return qbo.QBOClient(config, MemoryTokenStore(tokens))


def check_invariants(sb: Sandbox, realm: str, invoice_outcomes: dict[str, Outcome]) -> list[str]:
	"""No duplicate DisplayName or DocNumber in QuickBooks; every synced invoice (or credit memo) is there
	exactly once."""
	state = sb.dump(realm)
	problems = []
	names = Counter(c["DisplayName"].lower() for c in state["Customer"])
	problems += [f"duplicate customer {n!r}" for n, k in names.items() if k > 1]
	numbers = {e: Counter(i.get("DocNumber") for i in state[e]) for e in ("Invoice", "CreditMemo")}
	problems += [f"duplicate {e} {n}" for e, c in numbers.items() for n, k in c.items() if n and k > 1]
	for name, outcome in invoice_outcomes.items():
		entity = outcome.extra.get("entity", "Invoice")
		if outcome.status == "Synced" and numbers[entity].get(outcome.doc_number) != 1:
			problems.append(f"invoice {name} is not in QuickBooks exactly once")
		if outcome.extra.get("flag") == "total_mismatch":
			problems.append(f"invoice {name}: {outcome.message}")
	return problems


def run(args) -> int:
	started = time.monotonic()
	customers, invoices = load_sample()
	payments = demo_payments.load_payments(SAMPLE)
	sb = Sandbox(seed=SEED, limits="intuit", time_scale=60).start()
	try:
		client = connect(sb)
		realm = client.config.realm_id
		calls_before = len(sb.request_log)
		customer_outcomes: dict[str, Outcome] = {}
		CustomerSync(client, CustomerSettings(), lambda o: customer_outcomes.__setitem__(o.name, o)).run(
			customers
		)
		linked = {name: o.qbo_id for name, o in customer_outcomes.items() if o.qbo_id}
		for inv in invoices:
			inv.customer_qbo_id = linked.get(inv.customer, "")
		settings, facts = discover_export_settings(
			client, ExportChoices(default_item="Services", tax_map={"US Sales Tax - DC": "California"})
		)
		invoice_outcomes: dict[str, Outcome] = {}
		Exporter(
			client, settings, on_outcome=lambda o: invoice_outcomes.__setitem__(o.name, o), facts=facts
		).export(invoices)
		problems = check_invariants(sb, realm, invoice_outcomes)
		problems += [
			f"invoice {i.name} has no outcome (lost)" for i in invoices if i.name not in invoice_outcomes
		]
		paid = demo_payments.run_payments(sb, client, invoices, invoice_outcomes, payments)
		problems += paid.problems
		calls = len(sb.request_log) - calls_before
	finally:
		sb.stop()
	report = build_report(customer_outcomes, invoice_outcomes, calls, time.monotonic() - started, problems)
	report.update(demo_payments.summary(paid))
	report["problems"] = report.pop("problems")  # last
	if args.json:
		print(json.dumps(report, indent=1))
	else:
		print(render(report, customer_outcomes, invoice_outcomes, demo_payments.render(paid, payments)))
	return 1 if problems else 0


def build_report(customers: dict, invoices: dict, calls: int, seconds: float, problems: list[str]) -> dict:
	matches = Counter(o.extra.get("match_status", o.status) for o in customers.values())
	statuses = Counter(o.status for o in invoices.values())
	return {
		"customers_matched": matches.get("Linked", 0),
		"customers_created": matches.get("Created", 0),
		"customers_needing_review": matches.get("Needs Review", 0),
		"invoices_exported": statuses.get("Synced", 0),
		"invoices_waiting_or_review": statuses.get("Waiting for Customer", 0)
		+ statuses.get("Needs Review", 0),
		"invoices_held": statuses.get("Held", 0),
		"invoices_failed": statuses.get("Failed", 0),
		"qbo_calls": calls,
		"seconds": round(seconds, 2),
		"problems": problems,
	}


def render(report: dict, customers: dict, invoices: dict, payment_lines: list[str] = ()) -> str:
	lines = ["QuickBooks Online demo (offline sandbox, Intuit's limits on, time x60)", ""]
	lines.append("Customers")
	for name, o in sorted(customers.items()):
		reason = o.extra.get("reason") or o.message or o.extra.get("display_name", "")
		lines.append(
			f"  {name:<11} {o.extra.get('match_status', o.status):<13} qbo={o.qbo_id or '-':<5} {reason}"
		)
	lines.append("")
	lines.append("Invoices not exported (each with its reason)")
	for name, o in sorted(invoices.items()):
		if o.status != "Synced":
			lines.append(f"  {name}  {o.status:<20} {o.message}")
	lines.append("")
	lines += [*payment_lines, ""] if payment_lines else []
	lines.append("Report")
	for key, value in report.items():
		if key != "problems":
			lines.append(f"  {key.replace('_', ' '):<28} {value}")
	lines.append(f"  {'problems':<28} {'; '.join(report['problems']) or 'none'}")
	return "\n".join(lines)


if __name__ == "__main__":
	sys.exit(run(type("Args", (), {"json": False})()))
