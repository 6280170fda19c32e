// QuickBooks status on the Payment Entry form, as on the Sales Invoice.
const QBO_PAYMENT_COLORS = {
	Queued: "blue",
	Synced: "green",
	Voided: "gray",
	Failed: "red",
	Held: "orange",
	"Waiting for Customer": "orange",
	"Waiting for Invoice": "orange",
};

frappe.ui.form.on("Payment Entry", {
	refresh(frm) {
		const status = frm.doc.qbo_sync_status;
		if (!status || frm.is_new()) return;
		const color = QBO_PAYMENT_COLORS[status] || "gray";
		const parts = [`<span class="indicator-pill ${color} qbo-status">${__("QuickBooks: {0}", [__(status)])}</span>`];
		if (frm.doc.qbo_payment_id) {
			parts.push(frappe.utils.escape_html(__("QuickBooks payment {0}", [frm.doc.qbo_payment_id])));
		}
		if (frm.doc.qbo_last_error) {
			parts.push(`<span class="qbo-last-error">${frappe.utils.escape_html(frm.doc.qbo_last_error)}</span>`);
		}
		frm.dashboard.set_headline_alert(parts.join(" &nbsp; "), status === "Failed" ? "red" : color === "green" ? "green" : "blue");
		if (frm.doc.qbo_payment_id) {
			frm.add_custom_button(
				__("View in QuickBooks"),
				() =>
					frappe
						.call("qbo_connector.invoice_sync.get_qbo_link", { doctype: "Payment Entry", name: frm.doc.name })
						.then((r) => window.open(r.message, "_blank")),
				__("QuickBooks")
			);
		}
		if (frm.doc.docstatus > 0) {
			frm.add_custom_button(__("Sync Now"), () => call_qbo_payment(frm, "qbo_connector.api.sync_record_now"), __("QuickBooks"));
			if (["Failed", "Held", "Waiting for Customer", "Waiting for Invoice"].includes(status)) {
				frm.add_custom_button(__("Retry"), () => call_qbo_payment(frm, "qbo_connector.api.retry"), __("QuickBooks"));
			}
		}
	},
});

function call_qbo_payment(frm, method) {
	const args = method.endsWith("retry") ? { doctype: frm.doctype, names: [frm.doc.name] } : { doctype: frm.doctype, name: frm.doc.name };
	frappe.call({ method, args }).then((r) => {
		frappe.show_alert({ message: r.message, indicator: "blue" });
		frm.reload_doc();
	});
}
