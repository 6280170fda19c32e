// QuickBooks status on the Sales Invoice form (qbo_form.js), with its balance in QuickBooks as the last
// run read it.
frappe.ui.form.on("Sales Invoice", {
	refresh(frm) {
		// A headline, not a dashboard indicator: Sales Invoice's dashboard sits in the Connections tab.
		qbo_connector.show_transaction(frm, frm.doc.qbo_invoice_id, (id) => {
			const parts = [__("QuickBooks invoice {0}, number {1}", [id, frm.doc.qbo_doc_number || ""])];
			if (frm.doc.qbo_sync_status === "Synced" && !frm.doc.is_return) {
				const balance = flt(frm.doc.qbo_balance);
				parts.push(
					balance
						? __("QuickBooks balance {0}", [format_currency(balance, frm.doc.currency)])
						: __("Paid in QuickBooks")
				);
			}
			return parts.join(" · ");
		});
	},
});
