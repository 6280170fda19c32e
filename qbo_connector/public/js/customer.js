// QuickBooks link status on the Customer form.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		if (frm.is_new()) return;
		const linked = frm.doc.qbo_customer_id;
		const status = frm.doc.qbo_match_status || frm.doc.qbo_sync_status;
		if (linked || status) {
			const text = linked ? __("QuickBooks: linked to customer {0}", [linked]) : __("QuickBooks: {0}", [__(status)]);
			const color = linked ? "green" : status === "Failed" ? "red" : "orange";
			const error = !linked && frm.doc.qbo_last_error ? ` &nbsp; ${frappe.utils.escape_html(frm.doc.qbo_last_error)}` : "";
			frm.dashboard.set_headline_alert(
				`<span class="indicator-pill ${color} qbo-status">${frappe.utils.escape_html(text)}</span>${error}`,
				color === "green" ? "green" : "orange"
			);
		}
		frm.add_custom_button(__("Link to QuickBooks Customer…"), () => link_dialog(frm), __("QuickBooks"));
		if (linked) {
			frm.add_custom_button(__("Unlink"), () =>
				frappe.confirm(__("Unlink this customer from QuickBooks?"), () =>
					frappe.call("qbo_connector.api.unlink_customer", { customer: frm.doc.name }).then(() => frm.reload_doc())
				), __("QuickBooks"));
		}
	},
});

function link_dialog(frm) {
	const dialog = new frappe.ui.Dialog({
		title: __("Link to QuickBooks Customer"),
		fields: [
			{ fieldname: "txt", fieldtype: "Data", label: __("Search QuickBooks customers"), default: frm.doc.customer_name },
			{ fieldname: "search", fieldtype: "Button", label: __("Search") },
			{ fieldname: "results", fieldtype: "HTML" },
		],
	});
	const render = (rows) => {
		const html = rows.length
			? rows
					.map(
						(r) => `<div class="qbo-candidate" style="padding:4px 0">
							<button class="btn btn-xs btn-default" data-id="${frappe.utils.escape_html(r.id)}">${__("Link")}</button>
							${frappe.utils.escape_html(r.display_name)} <span class="text-muted">#${frappe.utils.escape_html(r.id)}
							${frappe.utils.escape_html(r.email || "")} ${r.active ? "" : __("(inactive)")}</span></div>`
					)
					.join("")
			: `<p class="text-muted">${__("No QuickBooks customer found")}</p>`;
		dialog.fields_dict.results.$wrapper.html(html);
		dialog.fields_dict.results.$wrapper.find("button[data-id]").on("click", (e) => {
			frappe
				.call("qbo_connector.api.link_customer", { customer: frm.doc.name, qbo_customer_id: $(e.currentTarget).attr("data-id") })
				.then((r) => {
					frappe.show_alert({ message: r.message, indicator: "green" });
					dialog.hide();
					frm.reload_doc();
				});
		});
	};
	const search = () =>
		frappe.call("qbo_connector.api.search_qbo_customers", { txt: dialog.get_value("txt") }).then((r) => render(r.message || []));
	dialog.fields_dict.search.$input.on("click", search);
	dialog.show();
	search();
}
