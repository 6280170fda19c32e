// Shared by the QuickBooks parts of the Customer, Sales Invoice and Payment Entry forms (loaded before each
// form's own script through doctype_js).
frappe.provide("qbo_connector");

qbo_connector.STATUS_COLORS = {
	Queued: "blue",
	Synced: "green",
	Voided: "gray",
	Failed: "red",
	Held: "orange",
	"Needs Review": "orange",
	"Waiting for Customer": "orange",
	"Waiting for Invoice": "orange",
};
qbo_connector.RETRYABLE = ["Failed", "Held", "Needs Review", "Waiting for Customer", "Waiting for Invoice"];

// One QuickBooks headline per form: the desk appends a block per call and keeps it across documents, so
// the previous one goes first (an amended draft must not show its original's).
qbo_connector.clear_headline = (frm) => $(frm.wrapper).find(".form-message:has(.qbo-headline)").remove();

qbo_connector.set_headline = (frm, html, color) => {
	qbo_connector.clear_headline(frm);
	frm.dashboard.set_headline_alert(`<div class="qbo-headline">${html}</div>`, color);
};

// A submitted Sales Invoice or Payment Entry: status headline, View in QuickBooks, Sync Now, Retry.
qbo_connector.show_transaction = (frm, qbo_id, describe) => {
	qbo_connector.clear_headline(frm);
	const status = frm.doc.qbo_sync_status;
	if (!status || frm.is_new()) return;
	const color = qbo_connector.STATUS_COLORS[status] || "gray";
	const parts = [`<span class="indicator-pill ${color} qbo-status">${__("QuickBooks: {0}", [__(status)])}</span>`];
	if (qbo_id) parts.push(frappe.utils.escape_html(describe(qbo_id)));
	if (frm.doc.qbo_last_error) {
		parts.push(`<span class="qbo-last-error">${frappe.utils.escape_html(frm.doc.qbo_last_error)}</span>`);
	}
	if (status === "Needs Review") {
		parts.push(`<a href="/app/quickbooks-customer-match?status=Open">${__("Open the review queue")}</a>`);
	}
	qbo_connector.set_headline(frm, parts.join(" &nbsp; "), status === "Failed" ? "red" : color === "green" ? "green" : "blue");
	if (qbo_id) {
		frm.add_custom_button(
			__("View in QuickBooks"),
			() =>
				frappe
					.call("qbo_connector.invoice_sync.get_qbo_link", { doctype: frm.doctype, name: frm.doc.name })
					.then((r) => window.open(r.message, "_blank")),
			__("QuickBooks")
		);
	}
	if (frm.doc.docstatus > 0) {
		frm.add_custom_button(__("Sync Now"), () => qbo_connector.call(frm, "qbo_connector.api.sync_record_now"), __("QuickBooks"));
		if (qbo_connector.RETRYABLE.includes(status)) {
			frm.add_custom_button(__("Retry"), () => qbo_connector.call(frm, "qbo_connector.api.retry"), __("QuickBooks"));
		}
	}
};

qbo_connector.call = (frm, method) => {
	const args = method.endsWith("retry") ? { doctype: frm.doctype, names: [frm.doc.name] } : { doctype: frm.doctype, name: frm.doc.name };
	frappe.call({ method, args }).then((r) => {
		frappe.show_alert({ message: r.message, indicator: "blue" });
		frm.reload_doc();
	});
};

// A run started by this user (Sync Now, Export Invoices Since): "120 of 940 records", then its counts.
if (!qbo_connector.progress_bound) {
	qbo_connector.progress_bound = true;
	frappe.realtime.on("qbo_sync_progress", (data) => {
		if (data.finished) {
			frappe.hide_progress();
			frappe.show_alert({ message: __("QuickBooks sync: {0}", [data.message]), indicator: "green" }, 15);
			return;
		}
		frappe.show_progress(__("QuickBooks sync"), data.done, data.total, data.message);
	});
}
