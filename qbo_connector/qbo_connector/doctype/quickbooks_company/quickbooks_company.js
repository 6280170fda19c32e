// Copyright (c) 2026, qbo_connector contributors and contributors
// For license information, please see license.txt

// One ERPNext company's QuickBooks connection. The Intuit app (client id, secret, environment) and the
// global defaults stay on QuickBooks Settings; the default company can also be connected from there.
const QBO_COMPANY_COLORS = { Connected: "green", "Reconnect Required": "red", "Not Connected": "orange" };

frappe.ui.form.on("QuickBooks Company", {
	refresh(frm) {
		if (frm.is_new()) {
			frm.set_intro(__("Choose the ERPNext company and save, then click Connect to QuickBooks."), "blue");
			return;
		}
		const state = frm.doc.connection_status || "Not Connected";
		const company = frm.doc.name;
		frm.page.set_indicator(__(state), QBO_COMPANY_COLORS[state] || "gray");
		if (state === "Connected") {
			frm.set_intro(
				__("{0} is synced to {1} (realm {2}).", [company, frm.doc.qbo_company_name || __("QuickBooks"), frm.doc.realm_id]),
				"green"
			);
		} else if (state === "Reconnect Required") {
			frm.set_intro(__("QuickBooks disconnected for {0}: click Reconnect. Nothing queued is lost and other companies go on.", [company]), "red");
		}
		const label = state === "Not Connected" ? __("Connect to QuickBooks") : __("Reconnect");
		const connect_button = frm.add_custom_button(label, () =>
			frappe.call("qbo_connector.connection.get_authorization_url", { company }).then((r) => {
				window.location.href = r.message;
			})
		);
		if (state !== "Connected") connect_button.addClass("btn-primary");
		if (state !== "Not Connected") {
			frm.add_custom_button(__("Disconnect"), () =>
				frappe.confirm(__("Revoke access and disconnect {0} from QuickBooks?", [company]), () =>
					frappe.call("qbo_connector.connection.disconnect", { company }).then(() => frm.reload_doc())
				)
			);
		}
		if (state === "Connected") {
			frm.add_custom_button(__("Test Connection"), () =>
				frappe
					.call("qbo_connector.connection.test_connection", { company })
					.then((r) => frappe.show_alert({ message: __("Connected to {0}", [r.message.company_name]), indicator: "green" }))
			);
			frm.add_custom_button(__("Sync Now"), () =>
				frappe.call("qbo_connector.jobs.sync_now", { company }).then((r) => frappe.show_alert(r.message))
			);
		}
		frm.add_custom_button(__("Links"), () => frappe.set_route("List", "QuickBooks Link", { company }), __("View"));
	},
});
