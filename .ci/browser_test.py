"""Drive the real desk in headless Chromium: log in, fill QuickBooks Settings, Connect, approve on the
sandbox's consent page, see Connected, enable, then open a synced Sales Invoice and read its status; then
connect a second ERPNext company to the sandbox's second realm on its QuickBooks Company form, sync an
invoice of it for the same customer, and see the customer's two links; then the reconciliation report's
drift, the workspace, Retry from the list, a review (side by side, Ignore, Reopen, Link), Sync Now's
progress and the failure digest. Each page's screenshot is kept in the bench's logs folder.
Run by .ci/browser_test.sh with the bench's Python (frappe + playwright installed there)."""

import json
import os
import re
import subprocess
import sys
import time

from playwright.sync_api import expect, sync_playwright

SITE = os.environ["QBO_SITE"]
BASE = os.environ["QBO_BASE"]
SANDBOX = os.environ["QBO_SANDBOX"]
LOGS = os.environ.get("QBO_LOGS", ".")
SECOND_REALM = "9341453050000002"  # the second realm of the seed browser_test.sh serves
CHROMIUM_ARGS = [
	"--headless",
	"--no-sandbox",
	"--disable-gpu",
	"--disable-quic",
	"--no-first-run",
	"--disable-background-networking",
	"--disable-component-update",
	"--disable-sync",
]


def bench(*args: str) -> str:
	result = subprocess.run(["bench", "--site", SITE, *args], capture_output=True, text=True, check=False)
	if result.returncode:
		print(result.stdout, result.stderr, file=sys.stderr)
		raise SystemExit(f"bench {' '.join(args)} failed")
	return result.stdout


def step(message: str) -> None:
	print(f"[browser] {message}", flush=True)


def api(page, method: str, path: str, data: dict | None = None):
	"""REST call in the logged-in browser session; fails loudly with the server's answer."""
	headers = {"X-Frappe-CSRF-Token": page.evaluate("frappe.csrf_token")}
	response = page.request.fetch(f"{BASE}{path}", method=method, data=data, headers=headers)
	body = response.json() if response.ok else None
	if not body or "data" not in body:
		raise SystemExit(f"{method} {path} -> {response.status}: {response.text()[:2000]}")
	return body["data"]


def submit_invoice(page, customer: str, company: str, item: str, qty: int, rate: float, **fields) -> str:
	"""A submitted Sales Invoice of one line, made through the REST API of this session; its name."""
	body = {"customer": customer, "company": company, "docstatus": 1, **fields}
	body["items"] = [{"item_code": item, "qty": qty, "rate": rate}]
	return api(page, "POST", "/api/resource/Sales Invoice", body)["name"]


def field(page, fieldname: str, tag: str = "input"):
	"""The visible control of a field on the current form (the desk keeps other pages' DOM around)."""
	return page.locator(f'.frappe-control[data-fieldname="{fieldname}"] {tag}:visible').first


def fill_settings(page, company: str) -> None:
	page.goto(f"{BASE}/app/quickbooks-settings")
	field(page, "environment", "select").select_option("Custom")
	field(page, "base_url").fill(SANDBOX)
	field(page, "client_id").fill("sandbox-client-id")
	field(page, "client_secret").fill("sandbox-client-secret")
	choose_company_and_save(page, company)


def choose_company_and_save(page, company: str) -> None:
	"""Pick the company in the form's `company` Link field (cleared first: the desk fills in the user's
	default company) and save."""
	company_input = field(page, "company")
	company_input.fill("")
	company_input.type(company, delay=20)
	option = page.locator(f'.awesomplete [role="option"]:has-text("{company}")').first
	option.wait_for(state="visible")
	option.click()
	page.keyboard.press("Control+s")
	expect(page.locator(".indicator-pill:has-text('Not Saved')")).to_have_count(0, timeout=15000)


def second_company(company: str) -> str:
	"""The ERPNext company the bench tests use as the second one (created there when the site has none)."""
	return json.loads(
		bench(
			"execute",
			"qbo_connector.tests.test_integrity.other_test_company",
			"--args",
			json.dumps([company]),
		)
	)


def connect_second_company(page, other: str) -> None:
	"""QuickBooks Company for `other` (new, or the row the bench tests left), Connect, choose the second
	realm on the sandbox's consent page, back on the row: Connected."""
	if api(page, "GET", f'/api/resource/QuickBooks Company?filters=[["name","=","{other}"]]'):
		page.goto(f"{BASE}/app/quickbooks-company/{other}")
	else:
		page.goto(f"{BASE}/app/quickbooks-company/new")
		choose_company_and_save(page, other)
	page.locator(
		".page-actions button:visible", has_text=re.compile(r"^\s*(Connect to QuickBooks|Reconnect)\s*$")
	).first.click()
	page.wait_for_url(f"{SANDBOX}/**")
	page.select_option("#realm_id", SECOND_REALM)
	page.click("#connect")
	page.wait_for_url("**/app/quickbooks-company/**")
	expect(page.locator(".indicator-pill:has-text('Connected')").first).to_be_visible(timeout=15000)
	page.screenshot(path=f"{LOGS}/qbo-second-company-connected.png", full_page=True)


def open_review(page, company: str, item: str, token: str) -> str:
	"""A QuickBooks customer and an ERPNext customer whose names differ by a letter, with an invoice; after
	a sync, the name of the customer's open review."""
	bench(
		"execute",
		"qbo_connector.tests.utils.seed_qbo_customer",
		"--args",
		json.dumps([f"Quillon {token} Marine", f"desk@q{token}.example", "555 0142", "9 Quay St", "Hobart"]),
	)
	customer = api(page, "POST", "/api/resource/Customer", {"customer_name": f"Quilon {token} Marine"})[
		"name"
	]
	submit_invoice(page, customer, company, item, qty=1, rate=40)
	print(bench("qbo", "sync"))
	matches = api(
		page,
		"GET",
		f'/api/resource/QuickBooks Customer Match?filters=[["customer","=","{customer}"],["status","=","Open"]]',
	)
	if len(matches) != 1:
		raise SystemExit(f"expected one open review for {customer}, got {matches}")
	return matches[0]["name"]


def review_ignore_reopen_link(page, company: str, item: str) -> None:
	"""A customer the matcher is unsure of: the review shows both sides' details; Ignore, Reopen, Link."""
	token = f"{int(time.time()) % 100000:05d}"
	step("a QuickBooks customer and an ERPNext customer whose names differ by a letter")
	page.goto(f"{BASE}/app/quickbooks-customer-match/{open_review(page, company, item, token)}")
	side = page.locator(".qbo-side-by-side:visible")
	expect(side.locator(f'tr:has-text("Quillon {token} Marine"):has-text("555 0142")')).to_have_count(
		1, timeout=15000
	)
	page.screenshot(path=f"{LOGS}/qbo-review-side-by-side.png", full_page=True)
	step("the review shows the candidate's email, phone and address beside the customer's")
	status = page.locator('.frappe-control[data-fieldname="status"]:visible .control-value')
	page.locator('.page-actions button:visible:has-text("Ignore")').click()
	expect(status).to_have_text("Ignored", timeout=15000)
	page.locator('.page-actions button:visible:has-text("Reopen")').click()
	expect(status).to_have_text("Open", timeout=15000)
	step("Ignore, then Reopen: the review is open again")
	page.locator('.page-actions button:visible:text-is("Link")').click()
	page.locator('.modal:visible .btn-primary:has-text("Submit")').click()
	expect(status).to_have_text("Linked", timeout=15000)
	page.screenshot(path=f"{LOGS}/qbo-review-linked.png", full_page=True)
	step("the reopened review was linked")


def sync_now_shows_progress(page) -> None:
	"""Sync Now on the settings: the worker's run reports 'N of M' to this user, then its counts."""
	step("Sync Now: progress arrives in the desk")
	page.goto(f"{BASE}/app/quickbooks-settings")
	expect(page.locator(".indicator-pill:has-text('Connected')").first).to_be_visible(timeout=15000)
	page.evaluate(
		"""() => { window.qbo_events = [];
		frappe.realtime.on("qbo_sync_progress", (data) => window.qbo_events.push(data)); }"""
	)
	api(page, "POST", "/api/resource/Customer", {"customer_name": f"Progress Test {int(time.time())}"})
	worker = subprocess.Popen(
		["bench", "worker", "--queue", "long"], stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT
	)
	try:
		page.locator('.page-actions button:visible:has-text("Sync Now")').first.click()
		expect(page.locator('.alert-message:has-text("QuickBooks sync:")').first).to_be_visible(timeout=90000)
	finally:
		worker.terminate()
		worker.wait(timeout=30)
	events = page.evaluate("window.qbo_events")
	updates = [e for e in events if not e.get("finished") and " of " in e.get("message", "")]
	if not updates or not events[-1].get("finished"):
		raise SystemExit(f"Sync Now: no progress updates before the counts: {events}")
	page.screenshot(path=f"{LOGS}/qbo-sync-now-done.png", full_page=True)
	step(f"{len(updates)} progress update(s), then: {events[-1]['message']}")


def digest_counts(page, company: str, item: str) -> None:
	"""The daily digest, run now with a review left open (its invoice waits for the customer): its in-app
	notification carries the counts the lists show."""
	step("the failure digest: a review left open, then the digest's counts equal the lists'")
	open_review(page, company, item, f"{int(time.time()) % 100000:05d}")
	reviews = len(
		api(
			page,
			"GET",
			'/api/resource/QuickBooks Customer Match?filters=[["status","=","Open"]]&limit_page_length=0',
		)
	)
	bench(
		"execute",
		"frappe.db.set_single_value",
		"--args",
		json.dumps(["QuickBooks Settings", "digest_recipients", "Administrator"]),
	)
	sent = json.loads(bench("execute", "qbo_connector.digest.send_digest") or "{}")
	expected = {**({"Needs Review": reviews} if reviews else {})}
	for status in ("Failed", "Held", "Waiting for Customer", "Waiting for Invoice"):
		rows = api(
			page,
			"GET",
			f'/api/resource/QuickBooks Link?filters=[["status","=","{status}"]]&limit_page_length=0',
		)
		if rows:
			expected[status] = len(rows)
	if not sent or sent.get("counts") != expected:
		raise SystemExit(f"digest counts {sent.get('counts')} != the lists' {expected}")
	page.goto(f"{BASE}/app/notification-log")
	expect(page.locator(f'.list-row:has-text("{sent["subject"][:40]}")').first).to_be_visible(timeout=15000)
	page.screenshot(path=f"{LOGS}/qbo-digest-notification.png", full_page=True)
	step(f"digest sent: {sent['subject']}")


def main() -> None:
	company = json.loads(
		bench(
			"execute",
			"frappe.db.get_value",
			"--args",
			json.dumps(["Company", {"default_currency": "USD"}, "name"]),
		)
	)
	# Start clean: disconnected and disabled, nothing left by the bench tests (companies, links, queue).
	bench("execute", "qbo_connector.tests.utils.reset_all_companies")
	bench(
		"execute", "frappe.db.set_single_value", "--args", json.dumps(["QuickBooks Settings", "enabled", 0])
	)
	bench(
		"execute",
		"frappe.db.set_single_value",
		"--args",
		json.dumps(["QuickBooks Settings", "connection_status", "Not Connected"]),
	)
	with sync_playwright() as p:
		browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
		context = browser.new_context()  # a clean session: no cookies, no storage
		page = context.new_page()
		try:
			step("log in")
			page.goto(f"{BASE}/login")
			page.fill("#login_email", "Administrator")
			page.fill("#login_password", "admin")
			page.click(".btn-login")
			page.wait_for_url("**/app**")

			step("fill QuickBooks Settings")
			fill_settings(page, company)

			step("Connect to QuickBooks")
			page.get_by_role("button", name="Connect to QuickBooks").click()
			page.wait_for_url(f"{SANDBOX}/**")
			step("approve on the sandbox consent page")
			page.click("#connect")
			page.wait_for_url("**/app/quickbooks-settings**")
			expect(page.locator(".indicator-pill:has-text('Connected')").first).to_be_visible(timeout=15000)
			step("sees Connected")

			field(page, "enabled").check()
			page.keyboard.press("Control+s")
			expect(page.locator(".indicator-pill:has-text('Not Saved')")).to_have_count(0, timeout=15000)

			step("create a customer and submit an invoice through the REST API of this session")
			customer = api(
				page, "POST", "/api/resource/Customer", {"customer_name": f"Browser Test {int(time.time())}"}
			)["name"]
			items = api(
				page, "GET", '/api/resource/Item?limit_page_length=1&filters=[["is_stock_item","=",0]]'
			)
			item = (
				items[0]["name"]
				if items
				else api(
					page,
					"POST",
					"/api/resource/Item",
					{
						"item_code": "QBO Browser Service",
						"item_group": "All Item Groups",
						"stock_uom": "Nos",
						"is_stock_item": 0,
					},
				)["name"]
			)
			invoice = submit_invoice(page, customer, company, item, qty=2, rate=50)
			step(f"queued {customer} and {invoice}; run bench qbo sync")
			print(bench("qbo", "sync"))

			step("open the synced Sales Invoice")
			page.goto(f"{BASE}/app/sales-invoice/{invoice}")
			expect(page.locator(".indicator-pill:has-text('QuickBooks: Synced')").first).to_be_visible(
				timeout=15000
			)
			expect(page.locator(".form-message:has(.qbo-headline):visible")).to_have_count(1)  # one headline
			page.screenshot(path=f"{LOGS}/qbo-invoice-synced.png", full_page=True)
			step("the invoice form shows QuickBooks: Synced")

			other = second_company(company)
			step(f"connect a second ERPNext company ({other}) to the second QuickBooks company")
			connect_second_company(page, other)
			second = submit_invoice(
				page, customer, other, item, qty=1, rate=30, currency="USD", conversion_rate=1
			)
			step(f"submitted {second} of {other} for the same customer; run bench qbo sync (every company)")
			print(bench("qbo", "sync"))
			page.goto(f"{BASE}/app/sales-invoice/{second}")
			expect(page.locator(".indicator-pill:has-text('QuickBooks: Synced')").first).to_be_visible(
				timeout=15000
			)
			step("open the customer: one link per company")
			page.goto(f"{BASE}/app/customer/{customer}")
			links = page.locator(".qbo-links .qbo-link-row")
			expect(links).to_have_count(2, timeout=15000)
			for name in (company, other):
				expect(
					page.locator(f'.qbo-link-row[data-company="{name}"]:has-text("Synced")')
				).to_have_count(1)
			expect(page.locator(".form-message:has(.qbo-headline):visible")).to_have_count(1)
			page.screenshot(path=f"{LOGS}/qbo-customer-two-companies.png", full_page=True)
			step("the customer form lists its QuickBooks link in both companies")

			step("a payment entered in QuickBooks only: the reconciliation report shows the drift")
			bench("execute", "qbo_connector.tests.utils.make_drift", "--args", json.dumps([invoice]))
			page.goto(f"{BASE}/app/query-report/QuickBooks Reconciliation?company={company}&drift_only=1")
			expect(
				page.locator(f'.dt-row:has-text("{invoice}"):has-text("open amounts differ")')
			).to_have_count(1, timeout=30000)
			page.screenshot(path=f"{LOGS}/qbo-reconciliation-drift.png", full_page=True)
			step("the report lists the invoice with open amounts differ")

			step("the QuickBooks workspace: its number cards and the runs chart")
			page.goto(f"{BASE}/app/quickbooks")
			synced = page.locator('.number-widget-box:has-text("QuickBooks Synced Today") .number')
			expect(synced).to_have_count(1, timeout=30000)
			expect(synced).not_to_have_text("0", timeout=30000)  # this test's own invoices synced today
			expect(page.locator('.widget:has-text("QuickBooks Runs")').first).to_be_visible()
			expect(page.locator('.widget:has-text("Review Queue")').first).to_be_visible()
			page.screenshot(path=f"{LOGS}/qbo-workspace.png", full_page=True)
			step("the workspace shows Synced Today above zero")

			step("the Sales Invoice list: Retry for the selected rows")
			page.goto(f"{BASE}/app/sales-invoice?name={invoice}")
			row = page.locator(".list-row-container .list-row-checkbox").first
			expect(row).to_be_visible(timeout=30000)
			row.check()
			page.locator('.actions-btn-group button:has-text("Actions")').click()
			page.locator('.dropdown-menu:visible a:has-text("Retry QuickBooks Sync")').click()
			expect(page.locator('.alert-message:has-text("queued for QuickBooks")').first).to_be_visible(
				timeout=15000
			)
			page.screenshot(path=f"{LOGS}/qbo-invoice-list-retry.png", full_page=True)
			step("Retry from the list queued the invoice")

			review_ignore_reopen_link(page, company, item)
			sync_now_shows_progress(page)
			digest_counts(page, company, item)
		except Exception:
			page.screenshot(path=f"{LOGS}/qbo-browser-failure.png", full_page=True)
			raise
		finally:
			browser.close()


if __name__ == "__main__":
	main()
