"""`bench --site S qbo sync|status`, registered through Frappe's app `commands` list."""

import json

import click

from frappe.commands import get_site, pass_context


def run_on_site(context, method: str, **kwargs):
	"""Connect to the command's site, call `module.function`, commit, and return its result."""
	import frappe

	frappe.init(site=get_site(context))
	frappe.connect()
	try:
		result = frappe.get_attr(method)(**kwargs)
		frappe.db.commit()
		return result
	finally:
		frappe.destroy()


@click.group("qbo")
def qbo():
	"""QuickBooks Online connector."""


@qbo.command("sync")
@click.option("--company", default=None, help="ERPNext company to sync (default: the settings' company)")
@pass_context
def sync(context, company=None):
	"""Run a QuickBooks sync of one company now, in this process, and print its report."""
	report = run_on_site(context, "qbo_connector.jobs.run_sync", company=company)
	click.echo(json.dumps(report, indent=1, default=str))
	if report.get("status") not in ("done", "skipped"):
		raise SystemExit(1)


@qbo.command("status")
@pass_context
def status(context):
	"""Print the connection state and the counts queued, synced, failed and needing review."""
	for key, value in run_on_site(context, "qbo_connector.api.collect_status").items():
		click.echo(f"{key:>16}: {value}")


commands = [qbo]
