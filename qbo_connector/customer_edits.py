"""Edits of linked customers reach QuickBooks (engine/customer_edits.py sends them). After phase 1 of a run,
each queued customer linked in the realm is compared field by field with what last reached QuickBooks (a
short hash per owned field on its link, `pushed_fields`); only the fields that changed go out, as a sparse
update with the SyncToken (5010: read again and retry once; 6240: a clear per-record error). A link seen for
the first time only records the fields (a customer matched to an existing QuickBooks record is never
rewritten by the match itself). The fields ERPNext keeps are chosen on QuickBooks Settings."""

from __future__ import annotations

import hashlib
import json

import frappe
from frappe.utils import cint

from qbo_connector import adapters, links, writeback
from qbo_connector import constants as c
from qbo_connector.bulk import update_rows
from qbo_connector.engine.customer_edits import edit_body, update_one
from qbo_connector.engine.records import SYNCED

# setting -> the QBO field it keeps (shipping addresses are not loaded from ERPNext, so not sent)
OWNED_BY_SETTING = {
	"push_display_name": "DisplayName",
	"push_email": "PrimaryEmailAddr",
	"push_phone": "PrimaryPhone",
	"push_billing_address": "BillAddr",
	"push_tax_id": "ResaleNum",
}


def owned_fields(settings) -> tuple[str, ...]:
	"""The QBO fields ERPNext keeps (the checks on QuickBooks Settings)."""
	return tuple(field for setting, field in OWNED_BY_SETTING.items() if cint(settings.get(setting)))


def field_hashes(body: dict) -> dict[str, str]:
	return {
		key: hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()[:16]
		for key, value in body.items()
	}


def push_edits(run, names: list[str]) -> None:
	owned = owned_fields(run.settings)
	if not owned or not names:
		return
	found = links.get_links(c.CUSTOMER, names, run.realm_id)
	suffix = run.settings.get("clash_suffix") or " (Customer)"
	baselines = {}  # links that only get their first hashes: one update for all (issue 13)
	for customer in adapters.load_customers(names, run.realm_id):
		link = found.get(customer.id)
		if not link or not link.qbo_id or link.status != SYNCED:
			continue  # only healthy links: a customer under review or failing is not rewritten
		body = current_body(customer, link, owned, suffix)
		hashes = field_hashes(body)
		sent = json.loads(link.pushed_fields or "{}")
		values = {"pushed_fields": json.dumps(hashes, sort_keys=True)}
		changed = {key: value for key, value in body.items() if sent and sent.get(key) != hashes[key]}
		if not changed:
			if (
				sent != hashes
			):  # the first hashes (or a field owned since): nothing to send, one update for all
				baselines[link.name] = values
			continue
		customer.qbo_sync_token = link.sync_token or "0"
		outcome = update_one(run.client, customer, changed)
		writeback.write_log(outcome, run.run_id, "customer edit")
		if outcome.status != SYNCED:
			values = {"last_error": outcome.message}  # tried again on its next save
		else:
			values.update(sync_token=outcome.qbo_sync_token, last_error="")
			values["qbo_name"] = changed.get("DisplayName", link.qbo_name)
		key = f"customer_edits_{outcome.status.lower().replace(' ', '_')}"
		run.counts[key] = run.counts.get(key, 0) + 1
		links.set_link(c.CUSTOMER, customer.id, run.realm_id, run.company, values)
	update_rows(c.LINK, baselines, touch_modified=True)  # pushed_fields only: not shown on the customer
	frappe.db.commit()  # nosemgrep: the run's job


def current_body(customer, link, owned: tuple[str, ...], suffix: str) -> dict:
	"""The owned fields as ERPNext has them now, the name as QuickBooks holds it unless ERPNext renamed it."""
	display = link.qbo_name if same_name(link.qbo_name, customer.customer_name, suffix) else ""
	return edit_body(customer, owned, display)


def record_sent_fields(realm_id: str, settings) -> int:
	"""Links made before edits were sent (the upgrade): record their fields as sent, so that the first edit
	after the upgrade goes out like any later one. Returns how many links were recorded."""
	owned, suffix = owned_fields(settings), settings.get("clash_suffix") or " (Customer)"
	names = frappe.get_all(
		c.LINK,
		filters={
			"reference_doctype": c.CUSTOMER,
			"realm_id": realm_id,
			"qbo_id": ("is", "set"),
			"pushed_fields": ("is", "not set"),
		},
		pluck="reference_name",
		limit=0,
	)
	for start in range(0, len(names), 500):
		chunk = names[start : start + 500]
		found = links.get_links(c.CUSTOMER, chunk, realm_id)
		for customer in adapters.load_customers(chunk, realm_id):
			hashes = field_hashes(current_body(customer, found[customer.id], owned, suffix))
			frappe.db.set_value(
				c.LINK, found[customer.id].name, "pushed_fields", json.dumps(hashes, sort_keys=True)
			)
	return len(names)


def same_name(qbo_name: str, erp_name: str, suffix: str) -> bool:
	"""QuickBooks holds the ERPNext name, perhaps with the naming policy's suffix ("Acme (Customer)"): then
	the name it has is kept; another name means the customer was renamed in ERPNext (or matched to a record
	of another name, whose name ERPNext then keeps)."""
	erp = erp_name.strip().lower()
	return qbo_name.strip().lower() in (erp, f"{erp}{suffix.lower()}") if qbo_name else False
