"""Crash at every point of a multi-batch run (issue 8): 70 new invoices (three batches of creates), two voids,
an amendment, a new return and a cancelled return (a CreditMemo delete). The run is killed at each QuickBooks
call index in turn, in three ways:

- before: the process dies as the request is about to leave;
- answered: QuickBooks ran the request and answered; the process dies before anything reads the answer;
- write-back: the process dies inside on_outcome for the first outcome after that call, after the outcome was
  written but before the Frappe layer committed it (frappe_model.FrappeLayer mirrors the real commit points:
  mark_in_flight commits before each batch, the end of the run commits the rest).

Then clean runs go until the queue settles, and the books must match: no duplicate, nothing lost, every
total equal to the cent, every cancel voided (or its credit memo deleted)."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from .conftest import US_REALM, make_client, us_settings
from .frappe_model import QUEUED, Crash, Doc, FrappeLayer, check_books, crash_client

NEW_INVOICES = 70  # 30 + 30 + 10
MODES = ("before", "answered", "write-back", "answered-twice")
RAN: dict[str, int] = {}  # crash points run per (policy, mode), reported by the last test


def opening_books(sb, policy: str) -> tuple[dict[str, Doc], FrappeLayer]:
	"""Four invoices and a return already in QuickBooks, then what users did before the run under test."""
	ledger = {f"OLD-{i}": Doc(f"OLD-{i}", "1", [("SVC", 1, D(100 + i))], D("1.10")) for i in range(4)}
	ledger["OLD-R1"] = Doc("OLD-R1", "2", [("HRS", -1, D("50.00"))], is_return=True, return_against="OLD-3")
	ledger["OLD-3"].customer = "2"
	layer = FrappeLayer()
	for name in ledger:
		layer.on_submit(name)
	settle(sb, layer, ledger, policy)
	assert all(layer.status(name) == "Synced" for name in ledger), layer.committed.docs
	for name in ("OLD-0", "OLD-1", "OLD-2", "OLD-R1"):  # two voids, an amendment's original, a return
		ledger[name].docstatus = 2
		layer.on_cancel(name)
	amended = Doc("OLD-2-1", "1", [("SVC", 3, D("40.00")), ("HRS", 1, D("9.99"))], amended_from="OLD-2")
	new_return = Doc("NEW-R2", "2", [("SVC", -1, D("103.00"))], is_return=True, return_against="OLD-3")
	fresh = [
		Doc(f"NEW-{i:04d}", "12"[i % 2], [("SVC", 1 + i % 3, D(10 + i) + D("0.25"))], D("1.10") * (i % 2))
		for i in range(NEW_INVOICES)
	]
	for doc in (amended, new_return, *fresh):
		ledger[doc.name] = doc
		layer.on_submit(doc.name)
	return ledger, layer


def export_settings(policy: str):
	return us_settings(item_map={"SVC": "1", "HRS": "2"}, amend_policy=policy)


def settle(sb, layer: FrappeLayer, ledger, policy: str, runs: int = 4) -> None:
	for _ in range(runs):
		layer.run(make_client(sb, US_REALM, time_scale=6000), export_settings(policy), ledger)
		if not any(r["status"] == QUEUED or r["in_flight"] for r in layer.committed.queue.values()):
			return
	raise AssertionError(f"the queue never settled: {layer.committed.queue}")


def crash_in_write_back(client, layer: FrappeLayer, at: int) -> None:
	"""Count calls; the first outcome written after call `at` answered kills the process right after it
	was written (nothing committed it yet)."""
	calls = [0]
	original_call, original_apply = client._call, layer.apply_outcome

	def call(*args, **kwargs):
		result = original_call(*args, **kwargs)
		calls[0] += 1
		return result

	def apply(outcome):
		original_apply(outcome)
		if calls[0] >= at:
			raise Crash()

	client._call = call
	layer.apply_outcome = apply


def crashed_run(sb, layer, ledger, policy: str, mode: str, at: int) -> bool:
	"""The run under test, killed at call `at`; True if it crashed (False: the run has fewer calls)."""
	client = make_client(sb, US_REALM, time_scale=6000)
	if mode == "write-back":
		crash_in_write_back(client, layer, at)
	else:
		crash_client(client, at, after_answer=mode != "before")
	try:
		layer.run(client, export_settings(policy), ledger)
	except Crash:
		return True
	finally:
		layer.__dict__.pop("apply_outcome", None)
	return False


def reference_calls(sb, policy: str) -> int:
	sb.reset()
	ledger, layer = opening_books(sb, policy)
	client = make_client(sb, US_REALM, time_scale=6000)
	layer.run(client, export_settings(policy), ledger)
	assert not check_books(sb.dump(US_REALM), ledger, layer.committed, strict=True)
	return client.calls


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("policy", ["update", "void_and_create"])
def test_crash_at_every_call_then_rerun(us, policy, mode):
	total = reference_calls(us, policy)
	assert total >= 7  # update or void+create, 3 create batches (+ the return), the delete, 2-3 voids
	failures = []
	for at in range(1, total + 1):
		us.reset()
		ledger, layer = opening_books(us, policy)
		crashed = crashed_run(us, layer, ledger, policy, mode, at)
		assert crashed or mode == "write-back", f"call {at} of {total} never came"
		if mode == "answered-twice" and layer.due():
			crashed_run(us, layer, ledger, policy, "answered", 1)
		settle(us, layer, ledger, policy)
		problems = check_books(us.dump(US_REALM), ledger, layer.committed, strict=True)
		if problems:
			failures.append(f"crash {mode} call {at}/{total}: " + "; ".join(problems))
		RAN[f"{policy}/{mode}"] = RAN.get(f"{policy}/{mode}", 0) + 1
	assert not failures, "\n".join(failures)


def test_crash_points_were_run():
	"""Reports the count; on its own (no other test ran) it has nothing to check."""
	print(f"\ncrash points run: {sum(RAN.values())} {RAN}")
	assert all(count >= 7 for count in RAN.values()), RAN
