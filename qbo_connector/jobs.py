"""The scheduled sync: a cheap five-minute tick decides whether a run is due (Daily at a time, Hourly,
or every N minutes) and enqueues it on the long queue, deduplicated per realm. The run matches or
creates customers, then exports invoices, writing each outcome back as it arrives."""

from __future__ import annotations

import time

import frappe
from frappe import _
from frappe.utils import add_to_date, get_datetime, get_time, now_datetime

from qbo_connector import adapters, links, writeback
from qbo_connector import constants as c
from qbo_connector.company_settings import get_company_settings
from qbo_connector.connection import (
	connected_companies,
	default_company,
	get_client,
	get_settings,
	mark_reconnect_required,
	update_company,
)
from qbo_connector.credit_notes import apply_credit_notes, release_credits
from qbo_connector.customer_edits import push_edits
from qbo_connector.directory import current_directory
from qbo_connector.engine.change_feed import gone_customer_ids, iso, parse_iso
from qbo_connector.engine.customers import CustomerSettings, CustomerSync
from qbo_connector.engine.errors import QBOError, ReconnectRequired
from qbo_connector.engine.matching import ALREADY_LINKED
from qbo_connector.engine.records import QUEUED, SYNCED, Outcome
from qbo_connector.payment_import import import_payments, read_back_balances
from qbo_connector.payment_sync import early_rows, export_payments, payment_customers
from qbo_connector.permissions import require_roles
from qbo_connector.progress import publish_progress, run_progress
from qbo_connector.queue import enqueue_records, queue_name
from qbo_connector.run_lock import RunLock
from qbo_connector.writeback_batch import apply_synced, batches

RUNNABLE = c.RUNNABLE_STATUSES


def need_to_run(settings, now=None) -> bool:
	"""Whether the configured frequency says a run is due now."""
	now = now or now_datetime()
	last = get_datetime(settings.last_sync_on) if settings.last_sync_on else None
	frequency = settings.sync_frequency or "Daily"
	if frequency == "Hourly":
		return not last or now >= add_to_date(last, hours=1)
	if frequency == "Every N Minutes":
		return not last or now >= add_to_date(last, minutes=max(5, int(settings.sync_interval or 15)))
	at = get_time(settings.sync_time or "02:00:00")
	due = now.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
	return now >= due and (not last or last < due)


def tick() -> None:
	"""Scheduler entry point; cheap when nothing is due. One deduplicated job per connected company
	whose frequency says a run is due (each company keeps its own last run)."""
	settings = get_settings()
	if not settings.enabled:
		return
	for company in connected_companies():
		row = frappe.db.get_value(c.QBO_COMPANY, company, ["last_sync_on"], as_dict=True)
		probe = frappe._dict(
			sync_frequency=settings.sync_frequency,
			sync_time=settings.sync_time,
			sync_interval=settings.sync_interval,
			last_sync_on=row.last_sync_on,
		)
		if need_to_run(probe):
			enqueue_sync(company)


def enqueue_sync(company: str | None = None, user: str | None = None) -> None:
	"""One run for one company's realm (the default company when None); deduplicated per realm. `user`
	sees its progress."""
	company = company or default_company()
	realm = frappe.db.get_value(c.QBO_COMPANY, company, "realm_id") if company else None
	frappe.enqueue(
		"qbo_connector.jobs.run_sync",
		queue="long",
		job_id=f"qbo_sync::{realm or 'none'}",
		deduplicate=True,
		enqueue_after_commit=True,
		company=company,
		user=user,
	)


@frappe.whitelist(methods=["POST"])
def sync_now(company: str | None = None) -> str:
	"""Settings (default company) or a QuickBooks Company form: a run of that company's realm."""
	require_roles(c.ADMIN_ROLE)
	company = company or default_company()
	check_ready(get_settings(), company)
	enqueue_sync(company, frappe.session.user)
	return _("QuickBooks sync queued; results appear on the documents as they arrive.")


def check_ready(settings, company: str | None = None) -> None:
	if not settings.enabled:
		frappe.throw(_("Enable the QuickBooks integration first"))
	if not company:
		frappe.throw(_("Choose the ERPNext Company that is synced to this QuickBooks company"))
	if frappe.db.get_value(c.QBO_COMPANY, company, "connection_status") != c.CONNECTED:
		frappe.throw(_("QuickBooks is not connected for {0}: click Connect to QuickBooks").format(company))


def run_sync(progress=None, company: str | None = None, user: str | None = None) -> dict:
	"""One run of one company's realm (the default company when None), one per realm at a time (a
	Redis lease); returns the report. `progress(done, total)` is called after each record's outcome;
	`user` (who clicked Sync Now) gets it as a realtime progress bar, then the run's counts. Another
	company's state never stops this one."""
	if user and progress is None:
		progress = run_progress(user)
	report = run_company(progress, company)
	publish_progress(user or "", 1, 1, summarize(report), finished=True)
	return report


def run_company(progress, company: str | None) -> dict:
	company = company or default_company()
	report = {"status": "skipped", "reason": ""}
	if not company:
		report["reason"] = "no ERPNext company configured"
		return report
	context = get_company_settings(company)
	if not context.enabled or context.connection_status != c.CONNECTED:
		report["reason"] = "integration disabled or not connected"
		return report
	# A lease renewed while this run lives; a killed run's lock is taken over at once on this host
	# (its process is gone) and lapses within one lease elsewhere.
	lock = RunLock(frappe.cache, frappe.cache.make_key(f"qbo:sync:{context.realm_id}"), c.SYNC_LOCK_LEASE)
	if not lock.acquire():
		report["reason"] = "another sync is running for this QuickBooks company"
		return report
	try:
		report = SyncRun(context, progress, lock).execute()
	finally:
		lock.release()
	update_company(company, {"last_sync_on": now_datetime(), "last_sync_status": summarize(report)})
	frappe.db.commit()  # nosemgrep: long job; the report belongs to this run even if the caller rolls back
	return report


def summarize(report: dict) -> str:
	"""The run's result, whole (a Small Text field: it used to be cut at 140 characters mid-number)."""
	if report.get("status") != "done":
		return f"{report.get('status')}: {report.get('reason', '')}"
	parts = [f"{k.replace('_', ' ')} {v}" for k, v in report.items() if isinstance(v, int) and v]
	return ("Done: " + ", ".join(parts)) if parts else "Done: nothing to do"


def load_due_rows(company: str, default: str | None = None) -> list:
	"""The company's due rows; the default company's run (`default`: known already, else read) also takes
	rows without a company (left by an earlier version), and refuses those of other companies' invoices."""
	now = now_datetime()
	or_filters = [["company", "=", company]]
	if company == (default_company() if default is None else default):
		or_filters.append(["company", "is", "not set"])
	rows = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"status": ("in", RUNNABLE)},
		or_filters=or_filters,
		fields=[
			"name",
			"reference_doctype",
			"reference_name",
			"action",
			"status",
			"next_attempt_on",
			"version",
			"creation",
			"answers",
		],
		order_by="creation asc",
		limit=0,
	)
	return [r for r in rows if not r.next_attempt_on or get_datetime(r.next_attempt_on) <= now]


class SyncRun:
	def __init__(self, settings, progress=None, lock: RunLock | None = None):
		if not settings.get("is_run_context"):  # QuickBooks Settings itself: its default company
			settings = get_company_settings(settings.company, settings)
		self.settings = settings
		self.company = settings.company
		self.realm_id = settings.realm_id
		self.progress = progress
		self.lock = lock
		self.done = 0
		self.run_id = frappe.generate_hash(length=10)
		self.counts: dict[str, int] = {}
		self.started = time.monotonic()
		self.started_at = time.time()  # the change feed's next cursor
		self.loaded: dict[str, int] = {}  # queue row -> version when loaded (write-back compares)
		self.revisions: dict[str, str] = {}  # queue row -> the record's revision for request ids
		self.synced_invoices: list[Outcome] = []  # this run's, for payments of the same run
		self.sent_early: set[str] = set()  # queue rows of payments sent before the invoices
		self.pending: list[tuple[Outcome, str]] = []  # successes not written yet (`flush`)
		self.touched_invoices: set[str] = set()  # QBO invoices a payment changed in QuickBooks links
		self.sweep_balances = False  # read every Synced invoice's balance (payment_import.read_back_balances)

	def remember(self, rows) -> list:
		"""Note the version of each loaded queue row; returns the rows."""
		self.loaded.update({r.name: r.version or 0 for r in rows})
		self.revisions.update({r.name: f"{r.creation}/{r.answers or 0}" for r in rows})
		return rows

	def revise(self, doctype: str, records: list) -> list:
		"""Give each engine record its queue row's revision: the row's identity and its count of stored
		answers (engine/request_ids.py). A record without a row of its own gets none."""
		for record in records:
			key = queue_name(doctype, record.id if doctype == c.CUSTOMER else record.name, self.company)
			record.revision = self.revisions.get(key, "")
		return records

	def remember_rows_of(self, doctype: str, names: list[str]) -> None:
		"""Versions of the queue rows of records processed without being loaded as due (a customer of a
		queued invoice with a Failed row, say); rows created later are not known and stay queued."""
		self.remember(
			frappe.get_all(
				c.SYNC_QUEUE,
				filters={
					"reference_doctype": doctype,
					"reference_name": ("in", names),
					"company": self.company,
				},
				fields=["name", "version", "creation", "answers"],
				limit=len(names),
			)
		)

	def record(self, outcome: Outcome, operation: str = "") -> None:
		"""An outcome: plain successes of invoices and payments are written a batch at a time (`flush`),
		the rest at once, after what is pending (in the order they came)."""
		if batches(outcome):
			self.pending.append((outcome, operation))
		else:
			self.flush()
			writeback.apply_outcome(outcome, self.run_id, operation, self.loaded, self.company, self.realm_id)
		if outcome.doctype == c.SALES_INVOICE and outcome.status == SYNCED:
			self.synced_invoices.append(outcome)
		if self.lock:
			self.lock.renew()
		noun = (
			"payments"
			if outcome.doctype == c.PAYMENT_ENTRY
			else f"{outcome.doctype.lower().replace(' ', '_')}s"
		)
		key = f"{noun}_{outcome.status.lower().replace(' ', '_')}"
		self.counts[key] = self.counts.get(key, 0) + 1
		self.done += 1
		if self.progress:
			self.progress(self.done, max(len(self.loaded), self.done))

	def flush(self) -> None:
		"""Write the pending successes (before each batch leaves, and at the end of each phase). A crash
		before leaves their rows in flight: the next run finds them in QuickBooks, as for any crash."""
		if self.pending:
			apply_synced(self.pending, self.run_id, self.loaded, self.company, self.realm_id)
			self.pending = []

	def heartbeat(self) -> None:
		"""Before each batch: pending successes are written, and the run's lock is kept."""
		self.flush()
		if self.lock:
			self.lock.renew()

	def execute(self) -> dict:
		try:
			self.client = get_client(self.company, self.settings)
			default = self.settings.get("default_company")
			rows = self.remember(load_due_rows(self.company, default))
			self.sync_customers(rows)
			push_edits(self, [r.reference_name for r in rows if r.reference_doctype == c.CUSTOMER])
			update_company(self.company, {"cdc_cursor": iso(self.started_at)})
			if rows or self.done:  # else nothing is due and phase 1 wrote nothing: the run's end commits
				frappe.db.commit()  # nosemgrep: persist customer links before invoices use them
				# reload: invoices released by phase 1 (their customer just got linked) go out in this run (the
				# old list is let go first: the two side by side were the run's early peak)
				rows = None
				rows = self.remember(load_due_rows(self.company, default))
			# a cancelled return's application goes before its credit memo (or the memo waits)
			held_back = release_credits(self, rows)
			self.sync_invoices([r for r in rows if r.name not in held_back])
			self.flush()
			apply_credit_notes(self)
			self.sync_payments(rows)  # after the invoices: a payment goes in the same run as its invoice
			self.flush()
			import_payments(self)  # payments recorded in QuickBooks (In QuickBooks, In both)
			read_back_balances(self)
		except ReconnectRequired as exc:
			self.flush()
			mark_reconnect_required(self.company)
			return {"status": "paused", "reason": exc.user_message(), **self.counts}
		except QBOError as exc:
			self.flush()
			frappe.log_error(title="QuickBooks sync stopped", message=str(exc))
			return {"status": "stopped", "reason": exc.user_message(), **self.counts}
		self.counts["qbo_calls"] = self.client.calls
		return {"status": "done", "seconds": round(time.monotonic() - self.started, 2), **self.counts}

	# -- phase 1 --------------------------------------------------------------------------------
	def customers_to_sync(self, rows) -> list[str]:
		"""Queued customers, every customer of a queued invoice (unlinked ones get matched, linked ones
		have their link checked), and customers whose QBO record CDC reports merged away or inactive."""
		queued = [r.reference_name for r in rows if r.reference_doctype == c.CUSTOMER]
		invoice_names = [r.reference_name for r in rows if r.reference_doctype == c.SALES_INVOICE]
		of_invoices = self.invoice_customers(invoice_names) if invoice_names else []
		payment_names = [r.reference_name for r in rows if r.reference_doctype == c.PAYMENT_ENTRY]
		of_invoices += payment_customers(payment_names, self.company)
		under_review = set(
			frappe.get_all(
				c.CUSTOMER_MATCH,
				filters={"status": ("in", [c.REVIEW_OPEN, c.REVIEW_IGNORED]), "company": self.company},
				pluck="customer",
				limit=0,
			)
		)
		names = queued + of_invoices + self.customers_changed_in_qbo()
		return [n for n in dict.fromkeys(names) if n not in under_review]

	def customers_changed_in_qbo(self) -> list[str]:
		"""CDC since the cursor: linked customers whose QBO record was merged away, deleted or made
		inactive; every linked customer when the feed cannot say (no cursor, a gap over 29 days, a full
		answer). The cursor moves to this run's start once phase 1 is done (see execute)."""
		gone = gone_customer_ids(self.client, parse_iso(self.settings.get("cdc_cursor") or ""), time.time())
		if gone == []:
			return []
		return links.names_linked_to(c.CUSTOMER, self.realm_id, None if gone is None else gone)

	def invoice_customers(self, invoice_names: list[str]) -> list[str]:
		"""Customers of the queued invoices of this run's company (others are never exported here)."""
		return list(
			set(
				frappe.get_all(
					c.SALES_INVOICE,
					filters={"name": ("in", invoice_names), "company": self.company},
					pluck="customer",
					limit=0,
				)
			)
		)

	def sync_customers(self, rows) -> None:
		names = self.customers_to_sync(rows)
		if not names:
			return
		self.remember_rows_of(c.CUSTOMER, names)
		customers = self.revise(c.CUSTOMER, adapters.load_customers(names, self.realm_id))
		force_create = set(
			frappe.get_all(
				c.CUSTOMER_MATCH,
				filters={"status": c.REVIEW_CREATE, "customer": ("in", names), "company": self.company},
				pluck="customer",
				limit=0,
			)
		)
		linked = links.linked_by_qbo_id(c.CUSTOMER, self.realm_id, exclude=names)
		policy = CustomerSettings(
			uncertain_policy=self.settings.uncertain_match_policy or "Hold for review",
			clash_suffix=self.settings.clash_suffix or " (Customer)",
			multicurrency=self.multicurrency(),
		)
		directory = current_directory(
			self.client, self.company, self.realm_id, self.settings.get("directory_cursor") or ""
		)
		settled = self.settled_customers(names)

		def record(outcome: Outcome) -> None:
			if settled.get(outcome.name) == (outcome.qbo_id, outcome.extra.get("display_name", "")) and (
				outcome.status == SYNCED and outcome.extra.get("reason") == ALREADY_LINKED
			):
				self.counts["customers_unchanged"] = self.counts.get("customers_unchanged", 0) + 1
				return  # its link says so already: no write, no log row
			self.record(outcome, "customer")

		sync = CustomerSync(self.client, policy, record, directory=directory)
		sync.run(customers, already_linked=linked, force_create=force_create)

	def settled_customers(self, names: list[str]) -> dict[str, tuple[str, str]]:
		"""Customers not queued themselves whose link is Synced: (QBO id, QBO name). A run that finds them
		linked to the same record, of the same name, has nothing to write (issue 13)."""
		return {
			name: (link.qbo_id, link.qbo_name or "")
			for name, link in links.get_links(c.CUSTOMER, names, self.realm_id).items()
			if link.status == SYNCED
			and link.qbo_id
			and queue_name(c.CUSTOMER, name, self.company) not in self.loaded
		}

	def multicurrency(self) -> bool:
		if not hasattr(self, "_multicurrency"):
			prefs = self.client.preferences()
			self._multicurrency = bool((prefs.get("CurrencyPrefs") or {}).get("MultiCurrencyEnabled"))
		return self._multicurrency

	# -- phase 2 --------------------------------------------------------------------------------
	def sync_invoices(self, rows) -> None:
		from qbo_connector.invoice_sync import export_invoices

		# Cancelled payments first: QuickBooks refuses to void (or lower below what is paid) an invoice that a
		# payment is still applied to, and a payment and its invoice are often cancelled together. An original
		# with a submitted amendment goes with it (its update may carry it), here when it can (early_rows).
		early = early_rows(rows, self.realm_id)
		self.sent_early = {r.name for r in early}
		if early:
			export_payments(self, early, [])
		invoice_rows = [r for r in rows if r.reference_doctype == c.SALES_INVOICE]
		if invoice_rows:
			export_invoices(self, invoice_rows)

	# -- phase 3 --------------------------------------------------------------------------------
	def sync_payments(self, rows) -> None:
		payment_rows = [  # but those that went before the invoices (sync_invoices)
			r for r in rows if r.reference_doctype == c.PAYMENT_ENTRY and r.name not in self.sent_early
		]
		if payment_rows:
			export_payments(self, payment_rows, self.synced_invoices)


def retry_records(doctype: str, names: list[str], company: str | None = None) -> int:
	"""Put records back in the queue (Failed/Held/anything) for the next run of their company, with a fixed
	number of statements whatever their number. An invoice goes to its own company's run; one of a company
	without a QuickBooks company is never queued: it gets a per-record error instead. A customer is queued
	for `company`, or else for every company it is queued or linked in (the default company when none)."""
	from qbo_connector.invoice_sync import refuse_other_company

	names = list(names)
	if doctype == c.SALES_INVOICE:
		refused = refuse_other_company(names)
		names = [name for name in names if name not in refused]
	if not names:
		return 0
	pairs = record_companies(doctype, names, company)
	cancelled = set()
	if doctype != c.CUSTOMER:
		cancelled = set(
			frappe.get_all(doctype, filters={"name": ("in", names), "docstatus": 2}, pluck="name", limit=0)
		)
	enqueue_records(
		doctype, [(name, c.ACTION_VOID if name in cancelled else c.ACTION_SYNC, co) for name, co in pairs]
	)
	for target in {co for _name, co in pairs}:  # the links and their view (an invoice's or payment's: all)
		links.set_status(doctype, [name for name, co in pairs if co == target], target, QUEUED)
	if pairs and doctype == c.CUSTOMER:  # a customer's form says Queued even where it shows another link
		table = frappe.qb.DocType(doctype)
		queued = list({name for name, _co in pairs})
		frappe.qb.update(table).set(table[c.CUSTOMER_SYNC_STATUS], QUEUED).where(
			table.name.isin(queued)
		).run()
	return len(names)


def record_companies(doctype: str, names: list[str], company: str | None = None) -> list[tuple[str, str]]:
	"""(record, company) pairs a retry or Sync Now queues."""
	if not names:
		return []
	if doctype == c.SALES_INVOICE:
		rows = frappe.get_all(
			c.SALES_INVOICE, filters={"name": ("in", names)}, fields=["name", "company"], limit=len(names)
		)
		return [(r.name, r.company) for r in rows]
	if doctype == c.PAYMENT_ENTRY:  # its own company, when that company has a QuickBooks company
		rows = frappe.get_all(
			c.PAYMENT_ENTRY, filters={"name": ("in", names)}, fields=["name", "company"], limit=len(names)
		)
		configured = set(frappe.get_all(c.QBO_COMPANY, pluck="name", limit=0))
		return [(r.name, r.company) for r in rows if r.company in configured]
	if company:
		return [(name, company) for name in names]
	known = frappe.get_all(
		c.SYNC_QUEUE,
		filters={"reference_doctype": c.CUSTOMER, "reference_name": ("in", names)},
		fields=["reference_name", "company"],
		limit=0,
	) + frappe.get_all(
		c.LINK,
		filters={"reference_doctype": c.CUSTOMER, "reference_name": ("in", names)},
		fields=["reference_name", "company"],
		limit=0,
	)
	pairs = list(dict.fromkeys((r.reference_name, r.company) for r in known if r.company))
	seen = {name for name, _company in pairs}
	default = default_company()
	return pairs + [(name, default) for name in names if name not in seen]
