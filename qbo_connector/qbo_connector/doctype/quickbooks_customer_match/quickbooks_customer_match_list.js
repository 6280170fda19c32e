frappe.listview_settings["QuickBooks Customer Match"] = {
	get_indicator(doc) {
		const colors = { Open: "orange", Linked: "green", "Create New": "blue", Ignored: "gray" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
};
