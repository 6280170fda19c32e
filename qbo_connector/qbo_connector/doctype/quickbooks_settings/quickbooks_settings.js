// Copyright (c) 2026, qbo_connector contributors and contributors
// For license information, please see license.txt

const QBO_STATE_COLORS = { Connected: "green", "Reconnect Required": "red", "Not Connected": "orange" };

frappe.ui.form.on("QuickBooks Settings", {
	refresh(frm) {
		const state = frm.doc.connection_status || "Not Connected";
		frm.page.set_indicator(__(state), QBO_STATE_COLORS[state] || "gray");
		if (state === "Connected") {
			frm.set_intro(
				__("Connected to {0} (realm {1}).", [frm.doc.qbo_company_name || __("QuickBooks"), frm.doc.realm_id]),
				"green"
			);
		} else if (state === "Reconnect Required") {
			frm.set_intro(__("QuickBooks disconnected: click Reconnect. Nothing queued is lost."), "red");
		} else {
			frm.set_intro(__("Save your Intuit app's Client ID and Secret, then click Connect to QuickBooks."), "orange");
		}

		show_scheduler_warning(frm);
		frm.add_custom_button(__("QuickBooks Workspace"), () => frappe.set_route("quickbooks"), __("View"));
		const connect_label = state === "Not Connected" ? __("Connect to QuickBooks") : __("Reconnect");
		const connect_button = frm.add_custom_button(connect_label, () => connect(frm));
		if (state !== "Connected") connect_button.addClass("btn-primary"); // while connected, Reconnect is not the main action
		if (state !== "Not Connected") {
			frm.add_custom_button(__("Disconnect"), () =>
				frappe.confirm(__("Revoke access and disconnect from QuickBooks?"), () =>
					frappe.call("qbo_connector.connection.disconnect").then(() => frm.reload_doc())
				)
			);
		}
		if (state === "Connected") {
			frm.add_custom_button(__("Test Connection"), () =>
				frappe
					.call("qbo_connector.connection.test_connection")
					.then((r) => frappe.show_alert({ message: __("Connected to {0}", [r.message.company_name]), indicator: "green" }))
			);
			frm.add_custom_button(__("Sync Now"), () =>
				frappe.call("qbo_connector.jobs.sync_now").then((r) => frappe.show_alert(r.message))
			);
			frm.add_custom_button(__("Preview Matches"), () => preview_matches(), __("Tools"));
			frm.add_custom_button(__("Preview Next Batch"), () => preview_next_batch(), __("Tools"));
			frm.add_custom_button(__("Export Invoices Since…"), () => backfill(), __("Tools"));
		}
		frm.add_custom_button(__("Companies"), () => frappe.set_route("List", "QuickBooks Company"), __("Tools"));
		if (frm.doc.linked_realm_id || frm.doc.realm_id) {
			frm.add_custom_button(__("Reset QuickBooks Links…"), () => reset_links(frm), __("Tools"));
		}
	},
});

function reset_links(frm) {
	frappe.call({ method: "qbo_connector.connection.get_link_counts", type: "GET" }).then((r) => {
		const counts = r.message || {};
		const dialog = new frappe.ui.Dialog({
			title: __("Reset every QuickBooks link"),
			fields: [
				{
					fieldtype: "HTML",
					options: `<p>${__(
						"This site is linked to QuickBooks company {0}: {1} customers and {2} invoices carry its ids.",
						[frappe.utils.escape_html(counts.realm_id || "?"), counts.customers || 0, counts.invoices || 0]
					)}</p><p>${__(
						"Resetting forgets all of them, clears the sync queue and open match reviews, and disconnects. " +
							"Nothing is changed or deleted in QuickBooks. After connecting to the new company, customers " +
							"are matched again and invoices are exported only if you queue them (Tools > Export Invoices Since…)."
					)}</p>`,
				},
				{ fieldtype: "Data", fieldname: "confirm", label: __("Type RESET to confirm"), reqd: 1 },
			],
			primary_action_label: __("Reset Links"),
			primary_action(values) {
				frappe.call("qbo_connector.connection.reset_links", { confirm: values.confirm }).then((res) => {
					dialog.hide();
					frappe.show_alert({ message: res.message, indicator: "orange" });
					frm.reload_doc();
				});
			},
		});
		dialog.show();
	});
}

function connect(frm) {
	const go = () =>
		frappe.call("qbo_connector.connection.get_authorization_url").then((r) => {
			window.location.href = r.message;
		});
	frm.is_dirty() ? frm.save().then(go) : go();
}

function show_table(title, columns, rows) {
	const head = columns.map((c) => `<th>${frappe.utils.escape_html(c[1])}</th>`).join("");
	const body = rows
		.map((row) => `<tr>${columns.map((c) => `<td>${frappe.utils.escape_html(String(row[c[0]] ?? ""))}</td>`).join("")}</tr>`)
		.join("");
	const dialog = new frappe.ui.Dialog({ title, size: "extra-large" });
	dialog.$body.html(
		rows.length
			? `<table class="table table-bordered table-condensed"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`
			: `<p class="text-muted">${__("Nothing to show")}</p>`
	);
	dialog.show();
}

function preview_matches() {
	frappe.call({ method: "qbo_connector.api.preview_matches", freeze: true }).then((r) =>
		show_table(__("Customer matching preview (nothing is written)"), [
			["customer", __("Customer")],
			["decision", __("Decision")],
			["qbo_id", __("QuickBooks Id")],
			["qbo_name", __("QuickBooks Customer")],
			["score", __("Score")],
			["reason", __("Reason")],
		], r.message || [])
	);
}

function preview_next_batch() {
	frappe.call({ method: "qbo_connector.invoice_sync.preview_next_batch", freeze: true }).then((r) =>
		show_table(__("Next batch"), [
			["invoice", __("Invoice")],
			["status", __("Will")],
			["reason", __("Reason")],
		], r.message || [])
	);
}

function backfill() {
	frappe.prompt(
		[{ fieldname: "since", fieldtype: "Date", label: __("Export submitted invoices posted on or after"), reqd: 1 }],
		(values) => {
			frappe.call("qbo_connector.invoice_sync.start_backfill", { since: values.since }).then((r) => frappe.show_alert(r.message));
		},
		__("Export Invoices Since"),
		__("Start")
	);
}


// Scheduled runs need the site's scheduler and a worker: say so when either is missing.
function show_scheduler_warning(frm) {
	$(frm.wrapper).find(".form-message:has(.qbo-scheduler)").remove();
	if (!frm.doc.enabled) return;
	frappe.call({ method: "qbo_connector.api.get_scheduler_warning", type: "GET" }).then((r) => {
		if (r.message) {
			frm.dashboard.set_headline_alert(`<div class="qbo-scheduler">${frappe.utils.escape_html(r.message)}</div>`, "orange");
		}
	});
}
