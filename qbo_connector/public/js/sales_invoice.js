// QuickBooks status on the Sales Invoice form.
const QBO_INVOICE_COLORS = {
	Queued: "blue",
	Synced: "green",
	Voided: "gray",
	Failed: "red",
	Held: "orange",
	"Needs Review": "orange",
	"Waiting for Customer": "orange",
};

frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		const status = frm.doc.qbo_sync_status;
		if (!status || frm.is_new()) return;
		// A headline, not a dashboard indicator: Sales Invoice's dashboard sits in the Connections tab.
		const color = QBO_INVOICE_COLORS[status] || "gray";
		const parts = [`<span class="indicator-pill ${color} qbo-status">${__("QuickBooks: {0}", [__(status)])}</span>`];
		if (frm.doc.qbo_invoice_id) {
			parts.push(
				frappe.utils.escape_html(
					__("QuickBooks invoice {0}, number {1}", [frm.doc.qbo_invoice_id, frm.doc.qbo_doc_number || ""])
				)
			);
		}
		if (frm.doc.qbo_last_error) {
			parts.push(`<span class="qbo-last-error">${frappe.utils.escape_html(frm.doc.qbo_last_error)}</span>`);
		}
		frm.dashboard.set_headline_alert(parts.join(" &nbsp; "), status === "Failed" ? "red" : color === "green" ? "green" : "blue");
		if (frm.doc.qbo_invoice_id) {
			frm.add_custom_button(__("View in QuickBooks"), () =>
				frappe
					.call("qbo_connector.invoice_sync.get_qbo_link", { doctype: "Sales Invoice", name: frm.doc.name })
					.then((r) => window.open(r.message, "_blank")),
				__("QuickBooks")
			);
		}
		if (frm.doc.docstatus > 0) {
			frm.add_custom_button(__("Sync Now"), () => call_qbo(frm, "qbo_connector.api.sync_record_now"), __("QuickBooks"));
			if (["Failed", "Held", "Needs Review", "Waiting for Customer"].includes(status)) {
				frm.add_custom_button(__("Retry"), () => call_qbo(frm, "qbo_connector.api.retry"), __("QuickBooks"));
			}
		}
	},
});

function call_qbo(frm, method) {
	const args = method.endsWith("retry") ? { doctype: frm.doctype, names: [frm.doc.name] } : { doctype: frm.doctype, name: frm.doc.name };
	frappe.call({ method, args }).then((r) => {
		frappe.show_alert({ message: r.message, indicator: "blue" });
		frm.reload_doc();
	});
}
