// QuickBooks status on the Payment Entry form, as on the Sales Invoice (qbo_form.js).
frappe.ui.form.on("Payment Entry", {
	refresh(frm) {
		qbo_connector.show_transaction(frm, frm.doc.qbo_payment_id, (id) => __("QuickBooks payment {0}", [id]));
	},
});
