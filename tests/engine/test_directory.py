"""The local directory of QBO names (engine/directory.py) against the sandbox.

The judge is `load_directory` at the same moment: after any sequence of changes made in QuickBooks
(creates, renames, email edits, inactive and active again, UI merges, clock jumps past the CDC window),
`refresh_directory` from the last update's records and cursor holds the same records. A Hypothesis state
machine drives it with the CDC page limit lowered to PAGE on both sides (the sandbox's and the engine's),
so full answers happen in a few steps; the real 1000-object limit has its own test.

QBO_DIRECTORY_EXAMPLES (default 25) and QBO_DIRECTORY_STEPS (default 30) size the run, which is
derandomized (the same sequences every run) unless QBO_DIRECTORY_RANDOM=1; with -s it prints how many
refreshes took the incremental path and why the others reloaded."""

from __future__ import annotations

import os
import uuid
from collections import Counter
from unittest import mock

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

from qbo_connector.engine import change_feed
from qbo_connector.engine.customers import load_directory as load_from_customers
from qbo_connector.engine.directory import key_of, load_directory, refresh_directory
from qbo_connector.engine.records import QBOCustomer
from qbo_connector.sandbox import Sandbox, ops
from tests.engine.conftest import build_client

EXAMPLES = int(os.environ.get("QBO_DIRECTORY_EXAMPLES", "25"))
STEPS = int(os.environ.get("QBO_DIRECTORY_STEPS", "30"))
RANDOM = bool(os.environ.get("QBO_DIRECTORY_RANDOM"))  # explore new sequences (CI runs the same ones)
SHRINK = bool(os.environ.get("QBO_DIRECTORY_SHRINK"))
PAGE = 4  # the CDC page limit inside the state machine (Intuit's is 1000)
DAY = 86400.0
PATHS: Counter = Counter()


def canonical(records) -> set:
	return {tuple(sorted(vars(r).items())) for r in records}


def api_calls(sb: Sandbox, since: int) -> Counter:
	"""QuickBooks API requests (not OAuth) logged after position `since`, by kind."""
	return Counter(e["kind"] for e in sb.request_log[since:] if e["path"].startswith("/v3/company"))


def refresh_and_count(sb, client, stored, cursor, now):
	start = len(sb.request_log)
	update = refresh_directory(client, stored, cursor, now)
	return update, api_calls(sb, start)


def check_update(update, stored, expected) -> None:
	"""The records equal the full load, and stored + upserts - removed gives the records."""
	assert canonical(update.records) == canonical(expected)
	assert len({key_of(r) for r in update.records}) == len(update.records)
	merged = {key_of(r): r for r in stored or ()}
	for key in update.removed:
		merged.pop(key)
	merged.update((key_of(r), r) for r in update.upserts)
	assert canonical(merged.values()) == canonical(update.records)


def rid() -> str:
	return uuid.uuid4().hex


class QuickBooksSide:
	"""Changes a person makes in QuickBooks, through the API (and the sandbox's UI merge)."""

	def __init__(self, sb: Sandbox):
		self.sb, self.realm = sb, sb.realm_ids[0]
		self.client = build_client(sb)
		self.names = 0
		self.merged: set[str] = set()  # merged away: the sandbox reports later edits of these nowhere

	def rows(self, entity: str) -> list[dict]:
		return self.sb.dump(self.realm)[entity]

	def create(self, entity: str, email: bool = False) -> dict:
		self.names += 1
		body = {"DisplayName": f"{entity} {self.names} {rid()[:6]}"}
		if email:
			body["PrimaryEmailAddr"] = {"Address": f"p{self.names}@example.invalid"}
		return self.client.create(entity, body, request_id=rid())

	def update(self, entity: str, row: dict, **fields) -> dict:
		body = {"Id": row["Id"], "SyncToken": row["SyncToken"], **fields}
		return self.client.update(entity, body, request_id=rid())

	def customers(self, active: bool | None = None) -> list[dict]:
		return [
			c
			for c in self.rows("Customer")
			if c["Id"] not in self.merged and (active is None or c.get("Active", True) is active)
		]

	def reconnect(self) -> None:
		"""After a clock jump the access tokens are stale: a fresh grant, as a reconnect would give."""
		self.client = build_client(self.sb)


class DirectoryMachine(RuleBasedStateMachine):
	def __init__(self):
		super().__init__()
		self.sb = Sandbox(limits="off").start()
		self.qbo = QuickBooksSide(self.sb)
		self.reader = build_client(self.sb)
		self.stored = None
		self.cursor = 0.0
		self.merge_times: list[float] = []
		self.granted = self.sb.clock.now()

	def teardown(self):
		self.sb.stop()
		assert not self.sb.internal_errors, self.sb.internal_errors[0]

	@initialize()
	def first_refresh(self):
		self.do_refresh(0)

	@rule(entity=st.sampled_from(["Customer", "Customer", "Vendor", "Employee"]), email=st.booleans())
	def create(self, entity, email):
		self.qbo.create(entity, email)

	@rule(data=st.data(), what=st.sampled_from(["name", "email"]))
	def edit_customer(self, data, what):
		row = data.draw(st.sampled_from(self.qbo.customers()))
		if what == "name":
			self.qbo.update("Customer", row, DisplayName=f"Renamed {rid()[:8]}")
		else:
			self.qbo.update("Customer", row, PrimaryEmailAddr={"Address": f"{rid()[:8]}@example.invalid"})

	@rule(data=st.data(), entity=st.sampled_from(["Vendor", "Employee"]))
	def rename_other(self, data, entity):
		row = data.draw(st.sampled_from(self.qbo.rows(entity)))
		self.qbo.update(entity, row, DisplayName=f"{entity} renamed {rid()[:8]}")

	@rule(data=st.data(), active=st.booleans())
	def set_active(self, data, active):
		candidates = self.qbo.customers(active=not active)
		if candidates:
			self.qbo.update("Customer", data.draw(st.sampled_from(candidates)), Active=active)

	@rule(data=st.data())
	def merge(self, data):
		live = self.qbo.customers(active=True)
		if len(live) < 2:
			return
		source, target = data.draw(
			st.lists(st.sampled_from(live), min_size=2, max_size=2, unique_by=lambda c: c["Id"])
		)
		self.sb.merge(self.qbo.realm, source["Id"], target["Id"])
		self.qbo.merged.add(source["Id"])
		self.merge_times.append(self.sb.clock.now())

	@rule(seconds=st.sampled_from([1.0, 200.0, 400.0, 3600.0, 5 * DAY, 30 * DAY]))
	def tick(self, seconds):
		self.advance(seconds)

	def advance(self, seconds: float) -> None:
		"""Move QuickBooks' clock; past half an hour, fresh grants (so no call is a 401 and its retry)."""
		self.sb.advance_clock(seconds)
		if self.sb.clock.now() - self.granted > 1800:
			self.qbo.reconnect()
			self.reader = build_client(self.sb)
			self.granted = self.sb.clock.now()

	@rule(skew=st.integers(0, 250))
	def refresh(self, skew):
		self.do_refresh(skew)

	@rule()
	def refresh_later(self):
		"""The next run, past the overlap and with the clocks in step (the sandbox's clock barely moves
		during a test, so without it every refresh re-reads every change of the example)."""
		self.advance(change_feed.CDC_OVERLAP_SECONDS + 1)
		self.do_refresh(0)

	def do_refresh(self, skew: int):
		"""`now` is this machine's clock, up to `skew` seconds ahead of QuickBooks'."""
		now = self.sb.clock.now() + skew
		update, calls = refresh_and_count(self.sb, self.reader, self.stored, self.cursor, now)
		check_update(update, self.stored, load_directory(self.reader))
		if update.full:
			PATHS[f"full: {update.reason.replace(', Vendor', '').replace(', Employee', '')}"] += 1
		else:
			PATHS["incremental"] += 1
			since = self.cursor - change_feed.CDC_OVERLAP_SECONDS
			deletions = any(t >= since for t in self.merge_times)  # merged-away rows are read back
			assert calls["cdc"] == 1 and sum(calls.values()) == (2 if deletions else 1), calls
		self.stored, self.cursor = update.records, update.cursor


def test_directory_equals_full_load_after_any_changes():
	PATHS.clear()
	with mock.patch.object(ops, "CDC_MAX", PAGE), mock.patch.object(change_feed, "CDC_PAGE_MAX", PAGE):
		run_state_machine_as_test(
			DirectoryMachine,
			settings=settings(
				max_examples=EXAMPLES,
				stateful_step_count=STEPS,
				deadline=None,
				suppress_health_check=list(HealthCheck),
				derandomize=not RANDOM,
				database=None,
				# shrinking a stateful run against a live server is slow; QBO_DIRECTORY_SHRINK=1 turns it on
				phases=list(Phase) if SHRINK else [Phase.explicit, Phase.reuse, Phase.generate],
			),
		)
	print(f"\ndirectory refreshes: {dict(PATHS)}")
	reloads = (
		sum(n for path, n in PATHS.items() if path.startswith("full")) - PATHS["full: no stored directory"]
	)
	assert PATHS["incremental"] > reloads, (
		PATHS
	)  # after the first load, the incremental path is the common one
	assert RANDOM or (
		PATHS["full: a full CDC answer for Customer"] and PATHS["full: gap over the CDC window"]
	), PATHS


def test_nothing_changed_costs_one_call(sandbox, client):
	first, _ = refresh_and_count(sandbox, client, None, 0.0, sandbox.clock.now())
	assert first.full and first.reason == "no stored directory" and first.upserts == first.records
	assert first.records and first.removed == []
	assert load_from_customers is load_directory  # the old import keeps working
	sandbox.advance_clock(600)
	again, calls = refresh_and_count(sandbox, client, first.records, first.cursor, sandbox.clock.now())
	assert calls == Counter(cdc=1) and not again.full
	assert again.upserts == [] and again.removed == [] and again.records == first.records


def test_a_few_changes_cost_one_call(sandbox, client):
	first = refresh_directory(client, None, 0.0, sandbox.clock.now())
	sandbox.advance_clock(600)
	qbo = QuickBooksSide(sandbox)
	made = [qbo.create("Customer", email=True), qbo.create("Vendor"), qbo.create("Employee")]
	amy = next(c for c in qbo.rows("Customer") if c["DisplayName"] == "Amy's Bird Sanctuary")
	qbo.update("Customer", amy, Active=False)
	update, calls = refresh_and_count(sandbox, client, first.records, first.cursor, sandbox.clock.now())
	assert calls == Counter(cdc=1) and not update.full and update.removed == []
	assert {(r.entity_type, r.id) for r in update.upserts} == {
		("Customer", made[0]["Id"]),
		("Vendor", made[1]["Id"]),
		("Employee", made[2]["Id"]),
		("Customer", amy["Id"]),
	}
	check_update(update, first.records, load_directory(client))
	assert update.records == load_directory(client)  # the same order as a full load, too


def test_a_merge_keeps_the_merged_away_record(sandbox, client):
	"""The sandbox reports a customer merged in the UI as CDC `status: Deleted` while queries still return
	it inactive as '<name> (deleted)': read back, never dropped (follow_merge needs it)."""
	first = refresh_directory(client, None, 0.0, sandbox.clock.now())
	sandbox.advance_clock(600)
	sandbox.merge(sandbox.realm_ids[0], "2", "1")
	update, calls = refresh_and_count(sandbox, client, first.records, first.cursor, sandbox.clock.now())
	assert calls == Counter(cdc=1, query=1) and not update.full and update.removed == []
	merged = next(r for r in update.records if key_of(r) == ("Customer", "2"))
	assert not merged.active and merged.display_name == "Bill's Windsurf Shop (deleted)"
	check_update(update, first.records, load_directory(client))


def test_a_gap_over_the_window_or_no_cursor_reloads(sandbox, client):
	first = refresh_directory(client, None, 0.0, sandbox.clock.now())
	stale = [*first.records[:-1], QBOCustomer("999", "Gone meanwhile")]
	update = refresh_directory(client, stale, 0.0, sandbox.clock.now())
	assert update.full and update.reason == "no cursor" and update.removed == [("Customer", "999")]
	sandbox.advance_clock(change_feed.CDC_WINDOW_SECONDS + 60)
	later = refresh_directory(build_client(sandbox), first.records, first.cursor, sandbox.clock.now())
	assert later.full and later.reason == "gap over the CDC window"
	assert canonical(later.records) == canonical(first.records)


@pytest.mark.parametrize("entity", ["Customer", "Vendor"])
def test_a_full_answer_of_1000_reloads(sandbox, client, entity):
	"""Intuit's real limit: 1000 changed objects of one entity since the cursor cannot be trusted."""
	first = refresh_directory(client, None, 0.0, sandbox.clock.now())
	sandbox.advance_clock(600)
	for start in range(0, change_feed.CDC_PAGE_MAX + 5, 30):
		items = [
			{"bId": str(i), "operation": "create", entity: {"DisplayName": f"Bulk {entity} {start + i}"}}
			for i in range(30)
		]
		client.batch(items, request_id=rid())
	update, calls = refresh_and_count(sandbox, client, first.records, first.cursor, sandbox.clock.now())
	assert update.full and update.reason == f"a full CDC answer for {entity}"
	assert calls["cdc"] == 1 and calls["query"] >= 3
	check_update(update, first.records, load_directory(client))
	assert len(update.records) == len(first.records) + 1020
