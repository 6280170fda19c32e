// QuickBooks status on the Sales Invoice form (qbo_form.js).
frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		// A headline, not a dashboard indicator: Sales Invoice's dashboard sits in the Connections tab.
		qbo_connector.show_transaction(frm, frm.doc.qbo_invoice_id, (id) =>
			__("QuickBooks invoice {0}, number {1}", [id, frm.doc.qbo_doc_number || ""])
		);
	},
});
