"""`bench --site S qbo sync|status`, registered through Frappe's app `commands` list."""

import json

import click

from frappe.commands import get_site, pass_context


@click.group("qbo")
def qbo():
	"""QuickBooks Online connector."""


@qbo.command("sync")
@pass_context
def sync(context):
	"""Run a QuickBooks sync now, in this process, and print its report."""
	import frappe

	from qbo_connector.jobs import run_sync

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		report = run_sync()
		frappe.db.commit()
	finally:
		frappe.destroy()
	click.echo(json.dumps(report, indent=1, default=str))
	if report.get("status") not in ("done", "skipped"):
		raise SystemExit(1)


@qbo.command("status")
@pass_context
def status(context):
	"""Print the connection state and the counts queued, synced, failed and needing review."""
	import frappe

	from qbo_connector.api import collect_status

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		result = collect_status()
	finally:
		frappe.destroy()
	for key, value in result.items():
		click.echo(f"{key:>16}: {value}")


commands = [qbo]
