"""The daily failure digest: only when something needs a person, an e-mail (and an in-app notification) to
the recipients chosen on QuickBooks Settings (default: the System Managers) with the counts of failed,
held, waiting records and open reviews, the five most common reasons in words, and links to the lists."""

from __future__ import annotations

import frappe
from frappe import _
from frappe.utils import escape_html, get_url

from qbo_connector import constants as c
from qbo_connector.permissions import system_managers

PROBLEMS = ("Failed", "Held", "Waiting for Customer", "Waiting for Invoice")
TOP_REASONS = 5


def collect_digest() -> dict:
	found = {
		r.status: r.n
		for r in frappe.get_all(
			c.LINK,
			filters={"status": ("in", PROBLEMS)},
			fields=["status", "count(name) as n"],
			group_by="status",
		)
	}
	counts = {status: found[status] for status in PROBLEMS if found.get(status)}
	reviews = frappe.db.count(c.CUSTOMER_MATCH, {"status": c.REVIEW_OPEN})
	if reviews:
		counts["Needs Review"] = reviews
	link = frappe.qb.DocType(c.LINK)
	count = frappe.query_builder.functions.Count("*")
	reasons = (
		frappe.qb.from_(link)
		.select(link.last_error, count.as_("n"))
		.where(link.status.isin(PROBLEMS) & link.last_error.isnotnull() & (link.last_error != ""))
		.groupby(link.last_error)
		.orderby(count, order=frappe.qb.desc)
		.limit(TOP_REASONS)
	).run(as_dict=True)
	return {"counts": counts, "reasons": [(r.last_error, r.n) for r in reasons]}


def recipients() -> list[str]:
	"""Users or e-mail addresses from the settings (one per line or comma-separated), else System Managers."""
	chosen = frappe.db.get_single_value(c.SETTINGS, "digest_recipients") or ""
	names = [n.strip() for n in chosen.replace(",", "\n").splitlines() if n.strip()]
	if names:
		return names
	return system_managers()


def send_digest() -> dict:
	"""Daily (scheduler). Returns what was sent: nothing when nothing needs a person."""
	if not frappe.db.get_single_value(c.SETTINGS, "enabled"):
		return {}
	digest = collect_digest()
	if not digest["counts"]:
		return {}
	subject = _("QuickBooks needs attention: {0}").format(
		", ".join(f"{n} {_(status).lower()}" for status, n in digest["counts"].items())
	)
	message = render(digest)
	to = recipients()
	emails = [frappe.db.get_value("User", n, "email") or n if "@" not in n else n for n in to]
	try:
		frappe.sendmail(recipients=[e for e in emails if e and "@" in e], subject=subject, message=message)
	except frappe.OutgoingEmailError:  # no outgoing e-mail account: the notification still goes
		frappe.log_error(title="QuickBooks digest not e-mailed", message=subject)
	for user in [n for n in to if frappe.db.exists("User", n)]:
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": c.SETTINGS,
				"document_name": c.SETTINGS,
				"subject": subject,
				"email_content": message,
			}
		).insert(ignore_permissions=True)
	return {"subject": subject, "recipients": to, **digest}


def render(digest: dict) -> str:
	lists = {
		"Failed": "/app/quickbooks-link?status=Failed",
		"Held": "/app/quickbooks-link?status=Held",
		"Waiting for Customer": "/app/quickbooks-link?status=Waiting%20for%20Customer",
		"Waiting for Invoice": "/app/quickbooks-link?status=Waiting%20for%20Invoice",
		"Needs Review": "/app/quickbooks-customer-match?status=Open",
	}
	counts = "".join(
		f'<li><a href="{get_url(lists[status])}">{n} {escape_html(_(status))}</a></li>'
		for status, n in digest["counts"].items()
	)
	reasons = "".join(f"<li>{n} × {escape_html(reason)}</li>" for reason, n in digest["reasons"])
	return (
		f"<p>{_('These QuickBooks records need a person:')}</p><ul>{counts}</ul>"
		+ (f"<p>{_('The most common reasons:')}</p><ol>{reasons}</ol>" if reasons else "")
		+ f'<p><a href="{get_url("/app/quickbooks")}">{_("Open the QuickBooks workspace")}</a></p>'
	)
