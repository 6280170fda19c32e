// Show the QuickBooks sync status in the Sales Invoice list.
frappe.listview_settings["Sales Invoice"] = frappe.listview_settings["Sales Invoice"] || {};
(function () {
	const settings = frappe.listview_settings["Sales Invoice"];
	settings.add_fields = (settings.add_fields || []).concat(["qbo_sync_status"]);
	const colors = { Queued: "blue", Synced: "green", Voided: "gray", Failed: "red", Held: "orange", "Needs Review": "orange", "Waiting for Customer": "orange" };
	const original = settings.formatters || {};
	settings.formatters = Object.assign(original, {
		qbo_sync_status(value) {
			return value ? `<span class="indicator-pill ${colors[value] || "gray"}">${__(value)}</span>` : "";
		},
	});
})();
