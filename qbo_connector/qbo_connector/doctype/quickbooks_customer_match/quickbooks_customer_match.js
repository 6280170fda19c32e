frappe.ui.form.on("QuickBooks Customer Match", {
	refresh(frm) {
		frm.disable_save(); // decisions are taken with the buttons, never by editing the record
		if (["Ignored", "Create New"].includes(frm.doc.status)) {
			// a decision can always be taken back (a link: Unlink on the Customer form)
			frm.add_custom_button(__("Reopen"), () =>
				frm.call("reopen").then((r) => {
					frappe.show_alert({ message: r.message, indicator: "blue" });
					frm.reload_doc();
				})
			);
		}
		show_side_by_side(frm);
		if (frm.doc.status !== "Open") return;
		frm.set_intro(frappe.utils.escape_html(frm.doc.reason || ""), "orange");
		frm.add_custom_button(__("Link"), () => {
			const options = (frm.doc.candidates || []).map((c) => ({
				label: `${c.display_name} (#${c.qbo_customer_id}, ${c.score}) ${c.active ? "" : __("inactive")} ${c.details || ""}`,
				value: c.qbo_customer_id,
			}));
			frappe.prompt(
				[
					{
						fieldname: "qbo_customer_id",
						fieldtype: "Select",
						label: __("QuickBooks customer"),
						options,
						default: options.length ? options[0].value : undefined, // the best candidate first
						reqd: 1,
					},
					{
						fieldname: "reactivate",
						fieldtype: "Check",
						label: __("Reactivate it in QuickBooks if it is inactive"),
					},
				],
				(v) =>
					frm
						.call("link", { qbo_customer_id: v.qbo_customer_id, reactivate: v.reactivate ? 1 : 0 })
						.then(() => frm.reload_doc()),
				__("Link to QuickBooks Customer")
			);
		}).addClass("btn-primary");
		frm.add_custom_button(__("Create New"), () => frm.call("create_new").then(() => frm.reload_doc()));
		frm.add_custom_button(__("Ignore"), () => frm.call("ignore").then(() => frm.reload_doc()));
	},
});

function show_side_by_side(frm) {
	// The ERPNext customer's email, phone and address above each candidate's, to decide with (issue 14, #13)
	const esc = frappe.utils.escape_html;
	const row = (who, name, details, extra) =>
		`<tr><td>${esc(who)}</td><td><b>${esc(name || "")}</b></td><td>${esc(details || "")}</td><td>${extra}</td></tr>`;
	const rows = [
		row(__("ERPNext"), frm.doc.customer_name || frm.doc.customer, frm.doc.erpnext_details, ""),
		...(frm.doc.candidates || []).map((c) =>
			row(
				__("QuickBooks #{0}", [c.qbo_customer_id]),
				c.display_name,
				c.details,
				esc(`${c.score}%${c.active ? "" : " · " + __("inactive")}`)
			)
		),
	];
	frm.fields_dict.comparison.$wrapper.html(
		`<table class="table table-bordered table-condensed qbo-side-by-side"><thead><tr><th></th><th>${__("Name")}</th>
		<th>${__("Email, Phone and Address")}</th><th>${__("Score")}</th></tr></thead><tbody>${rows.join("")}</tbody></table>`
	);
}
