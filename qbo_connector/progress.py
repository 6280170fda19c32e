"""Realtime progress of a run for the user who started it (Sync Now, Export Invoices Since): "120 of 940",
then the run's counts. The desk shows it with frappe.show_progress (public/js/qbo_form.js)."""

from __future__ import annotations

import frappe

EVENT = "qbo_sync_progress"


def publish_progress(user: str, done: int, total: int, message: str = "", finished: bool = False) -> None:
	if not user:
		return
	frappe.publish_realtime(
		EVENT,
		{"done": done, "total": max(total, 1), "message": message, "finished": finished},
		user=user,
	)


def run_progress(user: str, offset: int = 0, extra_total: int = 0):
	"""The callback a run calls after each outcome: (done, total) of its loaded records, shifted by what
	the caller did before (a backfill's queueing)."""

	def report(done: int, total: int) -> None:
		publish_progress(
			user,
			offset + done,
			extra_total + total,
			frappe._("{0} of {1} records sent or checked").format(done, total),
		)

	return report
