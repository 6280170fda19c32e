# Copyright (c) 2026, qbo_connector contributors and contributors
# For license information, please see license.txt
"""The QuickBooks workspace's chart: per day of the last 30, the records the runs exported (Synced), held
and failed, from the Sync Log (one row per record and reason; a repeat counts on the day it was last seen)."""

import frappe
from frappe import _
from frappe.utils import add_days, getdate, today
from frappe.utils.dashboard import cache_source

from qbo_connector import constants as c
from qbo_connector.permissions import require_roles

DAYS = 30
SERIES = (("Success", _("Exported")), ("Held", _("Held")), ("Failed", _("Failed")))


@frappe.whitelist()
def get(**kwargs) -> dict:
	require_roles(c.ADMIN_ROLE, "Accounts Manager", "Accounts User")
	return build(**kwargs)


@cache_source
def build(chart_name=None, chart=None, no_cache=None, filters=None, from_date=None, to_date=None, **kwargs):
	start = add_days(getdate(today()), -(DAYS - 1))
	log = frappe.qb.DocType("QuickBooks Sync Log")
	day = frappe.query_builder.functions.Date(log.last_occurred_on)
	rows = (
		frappe.qb.from_(log)
		.select(day.as_("day"), log.status, frappe.query_builder.functions.Count("*").as_("n"))
		.where(log.last_occurred_on >= start)
		.groupby(day, log.status)
	).run(as_dict=True)
	counts = {(getdate(r.day), r.status): r.n for r in rows}
	days = [add_days(start, i) for i in range(DAYS)]
	return {
		"labels": [d.strftime("%d %b") for d in days],
		"datasets": [
			{"name": label, "values": [counts.get((d, status), 0) for d in days]} for status, label in SERIES
		],
	}
