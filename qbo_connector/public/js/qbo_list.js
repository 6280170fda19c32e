// Shared by the Customer, Sales Invoice and Payment Entry lists: the QuickBooks status column (colours from
// qbo_form.js) and a bulk Retry (Actions > Retry QuickBooks Sync) for the selected records.
frappe.provide("qbo_connector");

qbo_connector.setup_list = (doctype) => {
	const settings = (frappe.listview_settings[doctype] = frappe.listview_settings[doctype] || {});
	settings.add_fields = (settings.add_fields || []).concat(["qbo_sync_status"]);
	settings.formatters = Object.assign(settings.formatters || {}, {
		qbo_sync_status(value) {
			return value ? `<span class="indicator-pill ${qbo_connector.STATUS_COLORS[value] || "gray"}">${__(value)}</span>` : "";
		},
	});
	const onload = settings.onload;
	settings.onload = function (listview) {
		if (onload) onload.apply(this, arguments);
		if (!frappe.user.has_role(["System Manager", "Accounts Manager"])) return;
		listview.page.add_actions_menu_item(
			__("Retry QuickBooks Sync"),
			() => {
				const names = listview.get_checked_items(true);
				if (!names.length) return frappe.msgprint(__("Select the records to send to QuickBooks again."));
				frappe.call({ method: "qbo_connector.api.retry", args: { doctype, names } }).then((r) => {
					frappe.show_alert({ message: r.message, indicator: "blue" });
					listview.refresh();
				});
			},
			false
		);
	};
};
