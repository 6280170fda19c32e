// QuickBooks Reconciliation: does QuickBooks hold what ERPNext holds? Read from QuickBooks when it runs.
frappe.query_reports["QuickBooks Reconciliation"] = {
	filters: [
		{ fieldname: "company", label: __("Company"), fieldtype: "Link", options: "Company", default: frappe.defaults.get_user_default("Company") },
		{ fieldname: "from_date", label: __("From Date"), fieldtype: "Date", default: frappe.datetime.add_months(frappe.datetime.get_today(), -1) },
		{ fieldname: "to_date", label: __("To Date"), fieldtype: "Date", default: frappe.datetime.get_today() },
		{ fieldname: "customer", label: __("Customer"), fieldtype: "Link", options: "Customer" },
		{ fieldname: "drift_only", label: __("Drift Only"), fieldtype: "Check" },
	],
	formatter(value, row, column, data, default_formatter) {
		value = default_formatter(value, row, column, data);
		if (column.fieldname === "drift" && data && data.drift) value = `<span class="text-danger">${value}</span>`;
		if (data && data.is_total) value = `<b>${value}</b>`;
		return value;
	},
};
