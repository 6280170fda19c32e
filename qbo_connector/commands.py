"""`bench --site S qbo sync|status|bench`, registered through Frappe's app `commands` list."""

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
@click.option("--company", default=None, help="ERPNext company to sync (default: every connected company)")
@click.option(
	"--reload-directory",
	is_flag=True,
	help="read QuickBooks' customer, vendor and employee lists whole (not only their changes)",
)
@pass_context
def sync(context, company=None, reload_directory=False):
	"""Run a QuickBooks sync now, in this process: of one company, or of every connected company in turn;
	print each report."""
	reports = run_on_site(
		context, "qbo_connector.commands.sync_connected_companies", company=company, reload=reload_directory
	)
	click.echo(json.dumps(reports, indent=1, default=str))
	if any(report.get("status") not in ("done", "skipped") for report in reports.values()):
		raise SystemExit(1)


def sync_connected_companies(company: str | None = None, reload: bool = False) -> dict[str, dict]:
	"""One run of `company`, or one per connected company (the default company's run when none is
	connected: it says why it skipped); `reload`: their directories are read whole."""
	from qbo_connector.connection import connected_companies
	from qbo_connector.directory import reload_directory
	from qbo_connector.jobs import run_sync

	companies = [company] if company else connected_companies()
	if not companies:
		return {"": run_sync()}
	for name in companies if reload else []:
		reload_directory(name)
	return {name: run_sync(company=name) for name in companies}


@qbo.command("status")
@pass_context
def status(context):
	"""Print the connection state and the counts queued, synced, failed and needing review."""
	for key, value in run_on_site(context, "qbo_connector.api.collect_status").items():
		click.echo(f"{key:>16}: {value}")


@qbo.command("bench")
@click.option("--invoices", default=200, type=int, help="Sales Invoices to create and sync")
@click.option("--customers", default=None, type=int, help="customers they go to (default: invoices / 20)")
@click.option("--limits", default="off", type=click.Choice(["off", "intuit"]), help="sandbox limits")
@click.option("--time-scale", default=20.0, type=float, help="sandbox time runs this much faster (limits on)")
@click.option(
	"--through-api",
	default=1000,
	type=int,
	help="invoices made through ERPNext's API; the rest are SQL copies",
)
@pass_context
def bench(context, invoices=200, customers=None, limits="off", time_scale=20.0, through_api=1000):
	"""Create N submitted Sales Invoices, sync them to a sandbox in its own process with the real run,
	measure it and the save path, delete what was created; the last line is one JSON object."""
	result = run_on_site(
		context,
		"qbo_connector.benchmarks.site.run_bench",
		invoices=invoices,
		customers=customers,
		limits=limits,
		time_scale=time_scale,
		through_api=through_api,
	)
	click.echo(json.dumps(result))
	if result.get("duplicates") or result.get("lost"):
		raise SystemExit(1)


commands = [qbo]
