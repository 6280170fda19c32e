"""`bench --site S qbo bench --invoices N [--customers M] [--limits off|intuit] [--time-scale T]`: the
whole run inside a real site, against a sandbox in a process of its own (benchmarks/sandbox_process.py).

1. Points QuickBooks Settings and the default company's QuickBooks Company at a fresh in-process sandbox
   and connects through the real OAuth flow (consent page, callback), as tests/utils.py does. The
   previous Settings, QuickBooks Company row and their Password fields are restored at the end.
2. Creates M customers and N submitted Sales Invoices (1-5 lines, sales tax on three in four, a 5%
   discount on one in five) through ERPNext's own API, with sync enabled, so the save hooks queue them as
   a user's saves would. Method: `insert()` + `submit()` per document, committed every 50; ERPNext has no
   bulk path for submitted invoices (each needs its GL and payment-ledger entries), so this is the
   fastest correct one. Beyond the first 1,000 (`--through-api`; about 4 minutes), the rest are SQL copies of those
   (`site_data.copy_invoices`: header, lines, taxes, schedule; no ledger entries, which a sync never
   reads), queued by `queue.enqueue_records` (Retry's statement), so that 10,000 and 50,000 are runs of
   minutes.
3. Runs `jobs.run_sync` for the company in this process, measured: SQL statements by wrapping
   `frappe.db.sql` for the run (every query, including the ones frappe.qb and get_all make, and commits);
   CPU as this thread's CPU time (`time.thread_time`: Frappe, the engine and the pure-Python DB client;
   the sandbox runs in its own process) and, for reference, the whole process's (`time.process_time`:
   the limiter's and Redis client's threads too); QBO calls from the sandbox's request log; throughput in
   sandbox time against the sandbox's batch ceiling (limits on only); duplicates and lost by DocNumber
   from the sandbox's dump. With limits on, the app's limiter runs at the sandbox's time scale and paces as
   in production (the bench replaces `connection.build_limiter` for the run; the app has no time scale of
   its own); with limits off it has none either, so the run measures the app and the sandbox alone.
   Peak RSS of the run itself: the peak is reset before it (/proc/self/clear_refs) and read after it.
   Then a second run with nothing new, counted the same way: what an idle tick costs.
4. The save path: create + submit of one Sales Invoice with sync enabled vs disabled, in interleaved
   blocks, median ms of each and their ratio (plus SQL statements per save).
5. Cleans up by deleting what it created with SQL (invoices, their child rows, GL and payment-ledger
   entries, customers, and their queue, log, link and match rows): the run commits as it goes (in-flight
   marks, write-back, tokens), so a rollback cannot undo it, and cancel + delete of each invoice would take
   longer than creating it.

The last line printed is one JSON object."""

from __future__ import annotations

import cProfile
import json
import os
import pstats
import random
import resource
import statistics
import sys
import time
from collections import Counter
from contextlib import contextmanager

from qbo_connector import constants as c
from qbo_connector.benchmarks.sandbox_process import SandboxProcess
from qbo_connector.benchmarks.site_data import (
	bench_masters,
	cleanup,
	copy_invoices,
	make_customers,
	make_invoice,
)

# Frappe is imported inside the functions: qbo_connector.benchmarks imports without it (tests/engine/test_seam.py).
COMMIT_EVERY = 50
SAVE_BLOCKS = 6  # per mode, interleaved
SAVE_BLOCK_SIZE = 5
API_INVOICES = (
	1000  # made through ERPNext's API (--through-api); more are SQL copies of these (copy_invoices)
)


class SQLCounter:
	"""Counts the statements sent through frappe.db.sql while active; with `sites`, also where in the app each
	came from (the innermost qbo_connector frame outside the benchmarks: file:line function)."""

	def __init__(self, sites: bool = False):
		self.count = 0
		self._original = None
		self.sites: Counter | None = Counter() if sites else None

	def __enter__(self):
		import frappe

		self._original = frappe.db.sql
		original = self._original

		def counted(*args, **kwargs):
			self.count += 1
			if self.sites is not None:
				self.sites[caller_in_app()] += 1
			return original(*args, **kwargs)

		frappe.db.sql = counted
		return self

	def __exit__(self, *exc):
		import frappe

		frappe.db.sql = self._original


def caller_in_app(depth: int = 2) -> str:
	"""The innermost `depth` app frames of the statement's call stack, innermost first."""
	frame, found = sys._getframe(2), []
	while frame and len(found) < depth:
		path = frame.f_code.co_filename
		if "qbo_connector" in path and "benchmarks" not in path:
			found.append(f"{path.split('qbo_connector/', 1)[-1]}:{frame.f_lineno} {frame.f_code.co_name}")
		frame = frame.f_back
	return " < ".join(found) or "outside the app"


def run_bench(
	invoices: int = 200,
	customers: int | None = None,
	limits: str = "off",
	time_scale: float = 20.0,
	through_api: int = API_INVOICES,
) -> dict:
	import frappe

	from qbo_connector import connection, jobs
	from qbo_connector.engine.client import BATCH_LIMIT
	from qbo_connector.engine.limiter import PACE, Limits, RateLimiter
	from qbo_connector.limits import RedisWindows
	from qbo_connector.queue import enqueue_records

	customers = customers or max(1, invoices // 20)
	scale = float(time_scale) if limits != "off" else 1.0
	company = frappe.db.get_single_value(c.SETTINGS, "company") or get_default_company()
	saved = snapshot(company)
	sandbox = SandboxProcess(limits, scale)
	tag = frappe.generate_hash(length=6)
	created = {"Customer": [], "Sales Invoice": []}
	original_limiter = connection.build_limiter
	try:
		connect(sandbox, company)
		item, tax_account, cost_center = bench_masters(company)
		started = time.monotonic()
		created["Customer"] = make_customers(customers, tag)
		rng = random.Random(7)
		for i in range(min(invoices, max(1, through_api))):
			doc = make_invoice(
				rng, i, company, created["Customer"][i % customers], item, tax_account, cost_center
			)
			created["Sales Invoice"].append(doc.name)
			if i % COMMIT_EVERY == COMMIT_EVERY - 1:
				frappe.db.commit()
		frappe.db.commit()
		copies = copy_invoices(created["Sales Invoice"], invoices - len(created["Sales Invoice"]), tag)
		created["Sales Invoice"] += copies
		enqueue_records(c.SALES_INVOICE, [(name, c.ACTION_SYNC, company) for name in copies])
		frappe.db.commit()
		create_s = time.monotonic() - started
		queued = frappe.db.count(c.SYNC_QUEUE, {"status": ("in", c.RUNNABLE_STATUSES)})
		rss_before_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
		run_peak_known = reset_peak_rss()

		if limits == "off":  # nothing to respect: the app alone is measured (no waiting, no pacing)
			connection.build_limiter = lambda realm_id: RateLimiter(
				realm_id, Limits(per_minute=10**9, batch_per_minute=10**9), backend=RedisWindows()
			)
		else:
			connection.build_limiter = lambda realm_id: RateLimiter(
				realm_id, backend=RedisWindows(), time_scale=scale, pace=PACE
			)
		first_log = sandbox.log_length()
		sandbox_started = sandbox.now()
		wall, thread_cpu, process_cpu = time.monotonic(), time.thread_time(), time.process_time()
		with SQLCounter(sites=bool(os.environ.get("QBO_BENCH_SQL_SITES"))) as sql, profiled():
			report = jobs.run_sync(company=company)
		wall = time.monotonic() - wall
		run_peak_mb = peak_rss_mb()
		thread_cpu = time.thread_time() - thread_cpu
		process_cpu = time.process_time() - process_cpu
		minutes = (sandbox.now() - sandbox_started) / 60.0
		log = sandbox.log_since(first_log)
		# a second run with nothing new: what an idle tick costs
		idle_log = sandbox.log_length()
		with SQLCounter(sites=bool(os.environ.get("QBO_BENCH_SQL_SITES"))) as idle_sql:
			jobs.run_sync(company=company)
		idle_calls = sum(1 for entry in sandbox.log_since(idle_log) if entry["path"].startswith("/v3/"))
		connection.build_limiter = original_limiter
		realm = sandbox.realm_ids[0]
		numbers = Counter(row.get("DocNumber") for row in sandbox.dump(realm)["Invoice"])
		ours = set(created["Sales Invoice"])
		duplicates = sum(n - 1 for number, n in numbers.items() if n > 1 and number in ours)
		lost = sum(1 for name in ours if not numbers[name])
		synced = sum(1 for name in ours if numbers[name])

		reasons = Counter(
			frappe.get_all(
				c.SYNC_LOG,
				filters={
					"reference_doctype": c.SALES_INVOICE,
					"reference_name": ("in", [name for name in ours if not numbers[name]] or [""]),
				},
				pluck="message",
				limit=invoices,
			)
		)
		save = measure_save_path(company, created, item, tax_account, cost_center, rng)
	finally:
		connection.build_limiter = original_limiter
		frappe.db.rollback()
		cleanup(created)
		restore(saved)
		frappe.db.commit()
		sandbox.stop()

	n = max(1, invoices)
	api_calls = sum(1 for entry in log if entry["path"].startswith("/v3/"))
	ceiling = sandbox.batches_per_minute * BATCH_LIMIT if limits != "off" else None
	per_minute = synced / minutes if minutes else 0.0
	result = {
		"invoices": invoices,
		"customers": customers,
		"limits": limits,
		"time_scale": scale,
		"run_status": report.get("status"),
		"queued_rows_before_run": queued,
		"create_s": round(create_s, 1),
		"run_wall_s": round(wall, 2),
		"sandbox_minutes": round(minutes, 3),
		"invoices_per_min": round(per_minute, 1),
		"ceiling_per_min": ceiling,
		"throughput_pct_of_ceiling": round(100.0 * per_minute / ceiling, 1) if ceiling else None,
		"app_cpu_ms_per_invoice": round(1000.0 * thread_cpu / n, 3),
		"process_cpu_ms_per_invoice": round(1000.0 * process_cpu / n, 3),
		"sql_per_invoice": round(sql.count / n, 2),
		"sql_statements": sql.count,
		"idle_run_sql": idle_sql.count,
		"idle_run_qbo_calls": idle_calls,
		"qbo_calls_per_invoice": round(api_calls / n, 4),
		"qbo_calls": api_calls,
		"qbo_429s": sum(1 for entry in log if entry["status"] == 429),
		"qbo_429_paths": sorted({entry["path"].split("?")[0] for entry in log if entry["status"] == 429}),
		"peak_rss_mb_before_run": round(rss_before_mb, 1),
		"peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1),
		"run_peak_rss_mb": round(run_peak_mb, 1) if run_peak_known else None,
		"synced": synced,
		"duplicates": duplicates,
		"lost": lost,
		**save,
		"not_synced_reasons": dict(reasons.most_common(3)),
	}
	print(f"run: {json.dumps({k: v for k, v in report.items() if k != 'status'}, default=str)}")
	for site, count in (sql.sites or Counter()).most_common(40):
		print(f"sql {count:6d}  {site}")
	for site, count in (idle_sql.sites or Counter()).most_common(20):
		print(f"idle sql {count:6d}  {site}")
	return result


@contextmanager
def profiled():
	"""With QBO_BENCH_PROFILE=1, the run under cProfile (its figures are then the profiler's, not the app's):
	the 30 functions of most cumulative time are printed after it; QBO_BENCH_PROFILE=<file.prof> also
	keeps the whole profile there (pstats)."""
	if not os.environ.get("QBO_BENCH_PROFILE"):
		yield
		return
	profile = cProfile.Profile()
	profile.enable()
	try:
		yield
	finally:
		profile.disable()
		pstats.Stats(profile, stream=sys.stdout).sort_stats("cumulative").print_stats(30)
		if os.environ["QBO_BENCH_PROFILE"] != "1":
			profile.dump_stats(os.environ["QBO_BENCH_PROFILE"])


def reset_peak_rss() -> bool:
	"""Linux: writing 5 to /proc/self/clear_refs resets the process's peak RSS (VmHWM), so that the run's own
	peak is read after it, not the invoices' creation before it."""
	try:
		with open("/proc/self/clear_refs", "w") as refs:
			refs.write("5")
		return True
	except OSError:
		return False


def peak_rss_mb() -> float:
	"""VmHWM since the last reset (0 where /proc is not there)."""
	try:
		with open("/proc/self/status") as status:
			line = next(line for line in status if line.startswith("VmHWM:"))
		return int(line.split()[1]) / 1024.0
	except (OSError, StopIteration):
		return 0.0


def get_default_company() -> str:
	import frappe

	return frappe.get_all(
		"Company", filters={"default_currency": "USD", "country": "United States"}, pluck="name", limit=1
	)[0]


def snapshot(company: str) -> dict:
	"""The Settings, the company's QuickBooks Company row and their Password fields, to put back."""
	import frappe

	return {
		"settings": frappe.db.get_singles_dict(c.SETTINGS),
		"company": frappe.db.get_value(c.QBO_COMPANY, company, "*", as_dict=True),
		"company_name": company,
		"auth": frappe.db.sql(
			"select * from `__Auth` where doctype in (%s, %s)", (c.SETTINGS, c.QBO_COMPANY), as_dict=True
		),
	}


def restore(saved: dict) -> None:
	import frappe

	settings = {k: v for k, v in saved["settings"].items() if k not in ("doctype", "name")}
	frappe.db.delete("Singles", {"doctype": c.SETTINGS})
	frappe.db.bulk_insert(
		"Singles", ["doctype", "field", "value"], [(c.SETTINGS, k, v) for k, v in settings.items()]
	)
	frappe.db.delete(c.QBO_COMPANY, {"name": saved["company_name"]})
	if saved["company"]:
		row = saved["company"]
		frappe.db.bulk_insert(c.QBO_COMPANY, list(row), [tuple(row.values())])
	frappe.db.sql("delete from `__Auth` where doctype in (%s, %s)", (c.SETTINGS, c.QBO_COMPANY))
	for row in saved["auth"]:
		frappe.db.sql(
			"insert into `__Auth` (doctype, name, fieldname, password, encrypted) values (%s, %s, %s, %s, %s)",
			(row.doctype, row.name, row.fieldname, row.password, row.encrypted),
		)
	frappe.clear_document_cache(c.SETTINGS, c.SETTINGS)


def connect(sandbox, company: str) -> None:
	"""Settings pointed at the sandbox, connected through the real flow, sync enabled."""
	import frappe

	from qbo_connector.connection import callback, get_authorization_url
	from qbo_connector.tests.utils import approve_consent

	client_id, secret = sandbox.default_client
	codes = sandbox.dump(sandbox.realm_ids[0])["TaxCode"]
	rate_code = next((t["Id"] for t in codes if t["Id"] not in ("TAX", "NON") and t.get("Active")), "")
	settings = frappe.get_single(c.SETTINGS)
	settings.update(
		{
			"enabled": 0,
			"environment": "Custom",
			"base_url": sandbox.url,
			"client_id": client_id,
			"client_secret": secret,
			"company": company,
			"default_item": "Services",
			"default_tax_code": rate_code,  # the sandbox company does not use automated sales tax
		}
	)
	settings.save(ignore_permissions=True)
	frappe.db.commit()
	redirect = approve_consent(get_authorization_url())
	callback(code=redirect["code"], state=redirect["state"], realmId=redirect["realmId"])
	set_enabled(1)
	frappe.db.commit()


def set_enabled(enabled: int) -> None:
	import frappe

	frappe.db.set_single_value(c.SETTINGS, "enabled", enabled)
	frappe.clear_document_cache(c.SETTINGS, c.SETTINGS)


def measure_save_path(company, created, item, tax_account, cost_center, rng) -> dict:
	"""Create + submit with sync enabled and disabled, interleaved blocks (the order alternates)."""
	import frappe

	times = {1: [], 0: []}
	statements = {1: 0, 0: 0}
	names = {1: [], 0: []}
	customer = created["Customer"][0]
	for block in range(SAVE_BLOCKS * 2):
		enabled = (block + block // 2) % 2  # 1 0 0 1 1 0 0 1 ...: neither mode always goes first
		set_enabled(enabled)
		frappe.db.commit()
		for i in range(SAVE_BLOCK_SIZE):
			with SQLCounter(sites=bool(os.environ.get("QBO_BENCH_SQL_SITES"))) as sql:
				started = time.perf_counter()
				doc = make_invoice(rng, i, company, customer, item, tax_account, cost_center)
				frappe.db.commit()
				times[enabled].append(1000.0 * (time.perf_counter() - started))
			statements[enabled] += sql.count
			names[enabled].append(doc.name)
			created["Sales Invoice"].append(doc.name)
	set_enabled(1)
	frappe.db.commit()
	on, off = statistics.median(times[1]), statistics.median(times[0])
	per_mode = SAVE_BLOCKS * SAVE_BLOCK_SIZE
	return {
		"save_ms_sync_enabled": round(on, 1),
		"save_ms_sync_disabled": round(off, 1),
		"save_ratio": round(on / off, 4),
		"save_sql_sync_enabled": round(statements[1] / per_mode, 1),
		"save_sql_sync_disabled": round(statements[0] / per_mode, 1),
		"save_queued": {
			mode: frappe.db.count(
				c.SYNC_QUEUE, {"reference_doctype": c.SALES_INVOICE, "reference_name": ("in", names[key])}
			)
			for mode, key in (("enabled", 1), ("disabled", 0))
		},
	}
