frappe.listview_settings["QuickBooks Sync Log"] = {
	get_indicator(doc) {
		const colors = { Success: "green", Failed: "red", Held: "orange", "Needs Review": "orange", Retrying: "blue" };
		return [__(doc.status), colors[doc.status] || "gray", "status,=," + doc.status];
	},
	onload(listview) {
		listview.page.add_actions_menu_item(__("Retry"), () => {
			const names = listview.get_checked_items(true);
			if (!names.length) return frappe.msgprint(__("Select the rows to retry"));
			frappe.call("qbo_connector.api.retry_logs", { names }).then((r) => {
				frappe.show_alert(r.message);
				listview.refresh();
			});
		});
	},
};
