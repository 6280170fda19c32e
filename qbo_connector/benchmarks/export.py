"""`qbo-connector bench export --invoices N [--time-scale 20]`: export N synthetic invoices to an in-process
sandbox with Intuit's limits on and time compressed, and print throughput as a share of the ceiling the
sandbox enforces (batches per minute x 30 invoices, in sandbox time), QBO calls per invoice (from the
sandbox's request log), engine CPU per invoice (thread CPU spent mapping, planning and classifying; not
waiting, not HTTP), peak memory, and duplicates/lost counted from the sandbox's final state.
The last line is one JSON object.

The engine and the sandbox share one interpreter and time runs `scale` times faster, so any pause of the
process (a garbage collection, say) reaches the sandbox `scale` times longer. At the default 20 a 40 ms
pause is 0.8 s of sandbox time against 1.5 s between batches; at 60 it bunches batches into the odd 429.
Against Intuit (time scale 1) the same pause is 0.04 s."""

from __future__ import annotations

import json
import random
import resource
import sys
from collections import Counter
from decimal import Decimal

from qbo_connector.engine.client import BATCH_LIMIT, ClientConfig, QBOClient
from qbo_connector.engine.export import Exporter
from qbo_connector.engine.invoices import ExportSettings
from qbo_connector.engine.limiter import PACE, RateLimiter
from qbo_connector.engine.records import SYNCED, ERPInvoice, InvoiceLine, InvoiceTax
from qbo_connector.engine.tokens import MemoryTokenStore, TokenSet

REALM = "9341453050000001"
INVOICES_PER_CUSTOMER = 20


def bench_seed(customers: int) -> dict:
	"""One US company with a Services item and `customers` customers (ids 1..customers)."""
	return {
		"realms": [
			{
				"realm_id": REALM,
				"company": {"CompanyName": "Bench Co", "Country": "US"},
				"accounts": [{"Id": "1", "Name": "Services", "AccountType": "Income"}],
				"tax_codes": [
					{"Id": code, "Name": code, "Taxable": code == "TAX"} for code in ("TAX", "NON")
				],
				"items": [
					{"Id": "1", "Name": "Services", "Type": "Service", "IncomeAccountRef": {"value": "1"}}
				],
				"customers": [
					{"Id": str(i), "DisplayName": f"Customer {i:05d}"} for i in range(1, customers + 1)
				],
			}
		]
	}


def synthetic_invoices(count: int, customers: int, seed: int = 7) -> list[ERPInvoice]:
	"""1-4 lines, sales tax on most, an invoice discount on some; totals consistent as ERPNext keeps them."""
	rng = random.Random(seed)
	invoices = []
	for i in range(count):
		lines = []
		for n in range(rng.randint(1, 4)):
			qty, rate = Decimal(rng.randint(1, 9)), Decimal(rng.randint(100, 99999)) / 100
			lines.append(InvoiceLine(f"ITEM-{n}", f"Item {n}", qty=qty, rate=rate, amount=qty * rate))
		total = sum((line.amount for line in lines), Decimal(0))
		discount = (total * Decimal("0.05")).quantize(Decimal("0.01")) if i % 5 == 0 else Decimal(0)
		tax = ((total - discount) * Decimal("0.0825")).quantize(Decimal("0.01")) if i % 4 else Decimal(0)
		taxes = [InvoiceTax("On Net Total", "Sales Tax - B", Decimal("8.25"), tax)] if tax else []
		invoices.append(
			ERPInvoice(
				name=f"ACC-SINV-2026-{i:05d}",
				customer=f"Customer {i % customers + 1:05d}",
				customer_qbo_id=str(i % customers + 1),
				posting_date="2026-01-15",
				due_date="2026-02-14",
				grand_total=total - discount + tax,
				discount_amount=discount,
				apply_discount_on="Net Total",
				currency="USD",
				lines=lines,
				taxes=taxes,
			)
		)
	return invoices


def count_state(sandbox, invoices: list[ERPInvoice]) -> tuple[int, int]:
	"""(duplicates, lost) from the sandbox's stored invoices, by DocNumber."""
	numbers = Counter(row.get("DocNumber") for row in sandbox.dump(REALM)["Invoice"])
	duplicates = sum(n - 1 for n in numbers.values() if n > 1)
	lost = sum(1 for inv in invoices if numbers[inv.name] == 0)
	return duplicates, lost


def run(args) -> int:
	from qbo_connector.sandbox import Sandbox

	count, scale = int(args.invoices), float(args.time_scale)
	customers = max(1, count // INVOICES_PER_CUSTOMER)
	sandbox = Sandbox(seed=bench_seed(customers), limits="intuit", time_scale=scale).start()
	try:
		client_id, secret = sandbox.default_client
		config = ClientConfig(client_id, secret, "http://localhost/cb", REALM, "custom", sandbox.url)
		store = MemoryTokenStore(TokenSet.from_response(sandbox.issue_tokens(REALM)))
		client = QBOClient(config, store, limiter=RateLimiter(REALM, time_scale=scale, pace=PACE))
		invoices = synthetic_invoices(count, customers)
		settings = ExportSettings(us_company=True, default_item_id="1", automated_sales_tax=True)
		synced = Counter()
		exporter = Exporter(client, settings, on_outcome=lambda o: synced.update([o.status]))
		first_log = len(sandbox.request_log)
		started = sandbox.clock.now()
		report = exporter.export(invoices)
		minutes = (sandbox.clock.now() - started) / 60.0
		log = sandbox.request_log[first_log:]
		duplicates, lost = count_state(sandbox, invoices)
	finally:
		sandbox.stop()
	ceiling = sandbox.limiter.limits.batches_per_minute * BATCH_LIMIT
	api_calls = sum(1 for entry in log if entry["path"].startswith("/v3/"))
	throttled = sum(1 for entry in log if entry["status"] == 429)
	per_minute = synced[SYNCED] / minutes if minutes else 0.0
	result = {
		"invoices": count,
		"throughput_pct_of_ceiling": round(100.0 * per_minute / ceiling, 1),
		"qbo_calls_per_invoice": round(api_calls / max(1, count), 4),
		"engine_cpu_ms_per_invoice": round(1000.0 * report.engine_cpu_s / max(1, count), 4),
		"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
		"duplicates": duplicates,
		"lost": lost,
	}
	print(f"invoices: {count} ({synced[SYNCED]} synced, {count - synced[SYNCED]} other: {dict(synced)})")
	print(f"sandbox time: {minutes:.2f} min at time scale {scale:g}; ceiling {ceiling} invoices/min")
	print(
		f"throughput: {per_minute:.0f} invoices/min = {result['throughput_pct_of_ceiling']}% of the ceiling"
	)
	print(f"QBO calls: {api_calls} ({report.batches} batches, {throttled} answered 429)")
	print(
		f"engine CPU: {result['engine_cpu_ms_per_invoice']} ms/invoice; peak RSS {result['peak_rss_mb']} MB"
	)
	print(f"duplicates: {duplicates}; lost: {lost}")
	print(json.dumps(result))
	sys.stdout.flush()
	return 0 if not duplicates and not lost else 1
