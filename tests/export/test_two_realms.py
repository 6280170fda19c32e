"""Two ERPNext companies, two QBO realms, one sandbox: the real engine (customer matching and creation,
discovery, invoice export through the Batch API) run per company, concurrently, as the Frappe layer's one
job per company does. Each company's records reach only its realm; a customer shared by both companies is
one QBO customer in each realm; one realm's requestids, throttling and lost connection never touch the
other's run."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal as D
from itertools import pairwise

import pytest

from qbo_connector.engine.customers import CustomerSettings, CustomerSync, add_currency_facts
from qbo_connector.engine.discovery import ExportChoices, discover_export_settings
from qbo_connector.engine.errors import ReconnectRequired
from qbo_connector.engine.limiter import MemoryWindows
from qbo_connector.engine.records import QUEUED, SYNCED, VOIDED, ERPCustomer
from qbo_connector.sandbox import Sandbox
from qbo_connector.sandbox.seed import read_seed

from .conftest import INTL_REALM, US_REALM, Ledger, exporter_for, intl_seed, make_client
from .factories import invoice, line, tax

CHOICES = {
	US_REALM: ExportChoices(default_item="Services", tax_map={"CA Sales Tax": "San Pablo"}),
	INTL_REALM: ExportChoices(
		default_item="Services",
		rounding_item="Rounding",
		default_tax_code="20.0% S",
		tax_map={"VAT - C": "20.0% S"},
	),
}
CUSTOMER_SETTINGS = {US_REALM: CustomerSettings(), INTL_REALM: CustomerSettings(multicurrency=True)}
SHARED = ERPCustomer("CUST-SHARED", "Harbour Freight Co", "Company", email="ap@harbour.example")
AMY = ERPCustomer("CUST-AMY", "Amy's Bird Sanctuary", "Company", email="birds@example.invalid")  # US seed
ONLY = {
	US_REALM: ERPCustomer("CUST-US", "Prairie Tools Inc", "Company", email="ap@prairie.example"),
	INTL_REALM: ERPCustomer("CUST-UK", "Thames Joinery Ltd", "Company", email="ap@thames.example"),
}
PREFIX = {US_REALM: "US-SINV", INTL_REALM: "UK-SINV"}


def sales_tax(realm: str, net: D):
	"""US: California + San Pablo City sales tax (8.25%); UK: 20% VAT; as QuickBooks computes them."""
	rate, account = (D("8.25"), "CA Sales Tax") if realm == US_REALM else (D("20"), "VAT - C")
	return tax(str((net * rate / 100).quantize(D("0.01"))), rate=str(rate), account=account)


def two_realm_seed() -> dict:
	"""The default US company and the export tests' UK company (VAT, GBP, multicurrency) in one seed."""
	return {"realms": read_seed(None)["realms"] + intl_seed()["realms"]}


@pytest.fixture
def two():
	sandbox = Sandbox(seed=two_realm_seed(), port=0).start()
	yield sandbox
	sandbox.stop()
	assert not sandbox.internal_errors, sandbox.internal_errors[0]


class Company:
	"""One ERPNext company connected to one realm: its customers, invoices, ledger and client."""

	def __init__(self, sb: Sandbox, realm: str, customers=None, count=4, time_scale=600, **limiter_kw):
		self.sb, self.realm = sb, realm
		self.customers = customers if customers is not None else [SHARED, AMY, ONLY[realm]]
		self.invoices = [
			invoice(
				name=f"{PREFIX[realm]}-{i:04d}",
				customer=self.customers[i % len(self.customers)].id,
				lines=[line("SVC", "2", f"{10 + i}.25")],
				taxes=[sales_tax(realm, D(2) * D(f"{10 + i}.25"))],
				taxes_and_charges="CA Sales Tax" if realm == US_REALM else "",
			)
			for i in range(count)
		]
		self.ledger = Ledger()
		self.client = make_client(sb, realm, time_scale=time_scale, **limiter_kw)
		self.customer_outcomes: dict = {}
		self.stopped: Exception | None = None

	def run(self) -> Company:
		"""Phase 1 (customers), discovery, phase 2 (invoices), as one sync run of this company."""
		try:
			sync = CustomerSync(
				self.client,
				CUSTOMER_SETTINGS[self.realm],
				lambda o: self.customer_outcomes.__setitem__(o.name, o),
			)
			sync.run(self.customers)
			links = {n: o.qbo_id for n, o in self.customer_outcomes.items() if o.status == SYNCED}
			for inv in self.invoices:
				inv.customer_qbo_id = links.get(inv.customer, "")
			settings, facts = discover_export_settings(self.client, CHOICES[self.realm])
			add_currency_facts(self.client, settings, facts, self.invoices)
			exporter_for(self.client, settings, self.ledger, facts=facts).export(self.invoices)
			self.ledger.write_back(self.invoices)
		except ReconnectRequired as stop:
			self.stopped = stop
		return self


def run_together(*companies: Company) -> None:
	with ThreadPoolExecutor(len(companies)) as pool:
		for done in [pool.submit(company.run) for company in companies]:
			done.result()


def customers_named(sb: Sandbox, realm: str, name: str) -> list[dict]:
	return [c for c in sb.dump(realm)["Customer"] if c["DisplayName"] == name]


def invoice_rows(sb: Sandbox, realm: str) -> dict[str, dict]:
	return {row["DocNumber"]: row for row in sb.dump(realm)["Invoice"]}


def assert_company_in_its_realm(sb: Sandbox, company: Company, other: Company) -> None:
	rows = invoice_rows(sb, company.realm)
	assert set(rows) == {inv.name for inv in company.invoices}  # nothing of the other company
	by_name = {c.id: c for c in company.customers}
	for inv in company.invoices:
		outcome = company.ledger.outcomes[inv.name]
		assert outcome.status == SYNCED, outcome.message
		row = rows[inv.name]
		assert outcome.qbo_id == row["Id"] and D(str(row["TotalAmt"])) == inv.grand_total
		[customer] = customers_named(sb, company.realm, by_name[inv.customer].customer_name)
		assert row["CustomerRef"]["value"] == customer["Id"]
	for customer in company.customers:  # one QBO customer per ERPNext customer in this realm, never two
		[held] = customers_named(sb, company.realm, customer.customer_name)
		assert company.customer_outcomes[customer.id].qbo_id == held["Id"]
	for customer in other.customers:
		if customer not in company.customers:
			assert not customers_named(sb, company.realm, customer.customer_name)


def test_each_company_reaches_only_its_realm_and_a_shared_customer_is_one_per_realm(two):
	us, uk = Company(two, US_REALM), Company(two, INTL_REALM)
	run_together(us, uk)
	assert us.customer_outcomes["CUST-AMY"].extra["match_status"] == "Linked"  # Amy is in the US seed
	assert uk.customer_outcomes["CUST-AMY"].extra["match_status"] == "Created"
	for company in (us, uk):
		assert company.customer_outcomes["CUST-SHARED"].extra["match_status"] == "Created"
	assert_company_in_its_realm(two, us, uk)
	assert_company_in_its_realm(two, uk, us)
	# a second run of both, whose customer links were never saved (a killed run), creates nothing anew
	again_us, again_uk = Company(two, US_REALM), Company(two, INTL_REALM)
	run_together(again_us, again_uk)
	for first, again in ((us, again_us), (uk, again_uk)):
		assert again.customer_outcomes["CUST-SHARED"].qbo_id == first.customer_outcomes["CUST-SHARED"].qbo_id
		assert again.customer_outcomes["CUST-SHARED"].extra["match_status"] == "Created"
	for realm in (US_REALM, INTL_REALM):
		assert len(customers_named(two, realm, SHARED.customer_name)) == 1
		assert len(customers_named(two, realm, AMY.customer_name)) == 1


@pytest.mark.parametrize("scope", ["realm", "app"])
def test_requestids_of_one_realm_are_never_replayed_in_the_other(two, scope):
	"""The shared customer's create and the first invoice's void have the same record, revision and body
	in both realms (both realms number their transactions from 1): only the realm tells the requests
	apart. Under `replay_scope="app"` (Intuit does not say the answers are kept per company) a requestid
	without the realm would get the other realm's answer: realm B would never hold its customer or void."""
	two.configure(replay_scope=scope)
	us = Company(two, US_REALM, customers=[SHARED], count=1)
	uk = Company(two, INTL_REALM, customers=[SHARED], count=1)
	for company in (us, uk):
		company.run()
	for company in (us, uk):
		company.invoices[0].docstatus = 2  # cancelled in ERPNext: void it in QuickBooks
		company.run()
	writes = ("create", "update", "delete", "void", "batch")
	sent = {realm: set() for realm in (US_REALM, INTL_REALM)}
	for entry in two.request_log:
		if entry["kind"] in writes and entry["requestid"]:
			sent[entry["realm"]].add(entry["requestid"])
	assert sent[US_REALM] and sent[INTL_REALM] and not sent[US_REALM] & sent[INTL_REALM]
	assert not any(entry["replayed"] for entry in two.request_log)
	for company in (us, uk):
		[held] = customers_named(two, company.realm, SHARED.customer_name)
		assert company.customer_outcomes["CUST-SHARED"].qbo_id == held["Id"]
		[row] = invoice_rows(two, company.realm).values()
		assert company.ledger.status(row["DocNumber"]) == VOIDED and row["TotalAmt"] == 0


def test_throttling_one_realm_neither_slows_nor_stops_the_other(two):
	"""Both runs share one limiter backend (Redis in production); realm A gets a 429 and pauses for
	Intuit's 60 s (3 s here), realm B's run goes on at full speed meanwhile."""
	windows = MemoryWindows()
	# A's customer is linked (no create batch): its first batch request, the invoices, gets the 429
	# time scale 20: Intuit's 60 s pause after a 429 lasts 3 s
	us = Company(two, US_REALM, customers=[AMY], count=6, time_scale=20, backend=windows)
	uk = Company(two, INTL_REALM, count=6, time_scale=20, backend=windows)
	two.script_fault("429", count=1, kind="batch", realm=US_REALM)
	throttled = threading.Thread(target=us.run)
	throttled.start()
	# wait until A's limiter has taken its pause (the 429 reaches the log before the client reads it)
	pause_key = us.client.limiter._key("pause")
	deadline = time.monotonic() + 10
	while not us.client.limiter.backend.paused_until(pause_key) and time.monotonic() < deadline:
		time.sleep(0.01)
	assert us.client.limiter.backend.paused_until(pause_key), "realm A was never paused"
	started = time.monotonic()
	uk.run()
	elapsed = time.monotonic() - started
	# load-independent: realm B never waited and was never throttled while A was paused (how long B took
	# in seconds depends on the machine; it is printed, never asserted)
	print(f"\nrealm B ran in {elapsed:.2f} s while realm A was paused")
	assert uk.client.limiter.waited == 0, uk.client.limiter.waited
	assert not [e for e in two.request_log if e["realm"] == INTL_REALM and e["status"] == 429]
	assert all(uk.ledger.status(inv.name) == SYNCED for inv in uk.invoices)
	throttled.join(timeout=30)
	# A waited out its pause (measured between its requests as the sandbox saw them), then finished
	a_log = [e for e in two.request_log if e["realm"] == US_REALM and e["kind"] == "batch"]
	gaps = [after["t"] - before["t"] for before, after in pairwise(a_log) if before["status"] == 429]
	assert gaps and min(gaps) >= 0.9 * 60 / 20, gaps  # the clients run at time scale 20: 3 s
	assert_company_in_its_realm(two, us, uk)
	assert_company_in_its_realm(two, uk, us)


def test_a_lost_connection_of_one_realm_leaves_the_other_running(two):
	"""Realm A's refresh token is revoked and its access token expired: its run stops with ReconnectRequired
	and loses nothing; realm B's run, concurrent, syncs everything."""
	us, uk = Company(two, US_REALM), Company(two, INTL_REALM)
	two.revoke_refresh_tokens(US_REALM)
	two.expire_access_tokens(US_REALM)
	run_together(us, uk)
	assert isinstance(us.stopped, ReconnectRequired)
	assert not invoice_rows(two, US_REALM) and not customers_named(two, US_REALM, SHARED.customer_name)
	assert all(us.ledger.status(inv.name) in ("", QUEUED) for inv in us.invoices)
	assert uk.stopped is None
	assert_company_in_its_realm(two, uk, us)
	assert all(e["status"] == 200 for e in two.request_log if e["realm"] == INTL_REALM)
