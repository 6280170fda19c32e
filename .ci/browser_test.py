"""Drive the real desk in headless Chromium: log in, fill QuickBooks Settings, Connect, approve on the
sandbox's consent page, see Connected, enable, then open a synced Sales Invoice and read its status.
Run by .ci/browser_test.sh with the bench's Python (frappe + playwright installed there)."""

import json
import os
import subprocess
import sys
import time

from playwright.sync_api import expect, sync_playwright

SITE = os.environ["QBO_SITE"]
BASE = os.environ["QBO_BASE"]
SANDBOX = os.environ["QBO_SANDBOX"]
LOGS = os.environ.get("QBO_LOGS", ".")
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


def fill_settings(page, company: str) -> None:
	page.goto(f"{BASE}/app/quickbooks-settings")
	page.wait_for_selector('select[data-fieldname="environment"]')
	page.select_option('select[data-fieldname="environment"]', "Custom")
	page.fill('input[data-fieldname="base_url"]', SANDBOX)
	page.fill('input[data-fieldname="client_id"]', "sandbox-client-id")
	page.fill('input[data-fieldname="client_secret"]', "sandbox-client-secret")
	company_input = page.locator('input[data-fieldname="company"]')
	company_input.fill(company)
	page.wait_for_selector(f'.awesomplete li:has-text("{company}")')
	page.locator(f'.awesomplete li:has-text("{company}")').first.click()
	page.keyboard.press("Control+s")
	expect(page.locator(".indicator-pill:has-text('Not Saved')")).to_have_count(0, timeout=15000)


def main() -> None:
	company = json.loads(
		bench(
			"execute",
			"frappe.db.get_value",
			"--args",
			json.dumps(["Company", {"default_currency": "USD"}, "name"]),
		)
	)
	# Start clean: disconnected and disabled.
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

			page.locator('input[data-fieldname="enabled"]').check()
			page.keyboard.press("Control+s")
			expect(page.locator(".indicator-pill:has-text('Not Saved')")).to_have_count(0, timeout=15000)

			step("create a customer and submit an invoice through the REST API of this session")
			customer = page.request.post(
				f"{BASE}/api/resource/Customer",
				data={"customer_name": f"Browser Test {int(time.time())}", "customer_type": "Company"},
			).json()["data"]["name"]
			items = page.request.get(f"{BASE}/api/resource/Item?limit_page_length=1").json()["data"]
			item = (
				items[0]["name"]
				if items
				else page.request.post(
					f"{BASE}/api/resource/Item",
					data={
						"item_code": "QBO Browser Service",
						"item_group": "Services",
						"stock_uom": "Nos",
						"is_stock_item": 0,
					},
				).json()["data"]["name"]
			)
			invoice = page.request.post(
				f"{BASE}/api/resource/Sales Invoice",
				data={
					"customer": customer,
					"company": company,
					"docstatus": 1,
					"items": [{"item_code": item, "qty": 2, "rate": 50}],
				},
			).json()["data"]["name"]
			step(f"queued {customer} and {invoice}; run bench qbo sync")
			print(bench("qbo", "sync"))

			step("open the synced Sales Invoice")
			page.goto(f"{BASE}/app/sales-invoice/{invoice}")
			expect(page.locator(".indicator-pill:has-text('QuickBooks: Synced')").first).to_be_visible(
				timeout=15000
			)
			page.screenshot(path=f"{LOGS}/qbo-invoice-synced.png", full_page=True)
			step("the invoice form shows QuickBooks: Synced")
		except Exception:
			page.screenshot(path=f"{LOGS}/qbo-browser-failure.png", full_page=True)
			raise
		finally:
			browser.close()


if __name__ == "__main__":
	main()
