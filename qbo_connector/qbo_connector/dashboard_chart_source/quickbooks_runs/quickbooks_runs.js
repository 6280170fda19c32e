frappe.provide("frappe.dashboards.chart_sources");

frappe.dashboards.chart_sources["QuickBooks Runs"] = {
	method: "qbo_connector.qbo_connector.dashboard_chart_source.quickbooks_runs.quickbooks_runs.get",
	filters: [],
};
