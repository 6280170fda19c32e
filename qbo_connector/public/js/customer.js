// QuickBooks links on the Customer form: the headline lists the customer's link in every company (the
// custom fields are the default company's view, shown until the list arrives). Helpers: qbo_form.js.
frappe.ui.form.on("Customer", {
	refresh(frm) {
		qbo_connector.clear_headline(frm);
		if (frm.is_new()) return;
		const linked = frm.doc.qbo_customer_id;
		const status = frm.doc.qbo_match_status || frm.doc.qbo_sync_status;
		if (linked || status) {
			// a placeholder until the links (with the QuickBooks names) arrive: no bare id (issue 14, #6)
			const text = linked ? __("QuickBooks: linked") : __("QuickBooks: {0}", [__(status)]);
			const color = linked ? "green" : status === "Failed" ? "red" : "orange";
			const error = !linked && frm.doc.qbo_last_error ? ` &nbsp; ${frappe.utils.escape_html(frm.doc.qbo_last_error)}` : "";
			qbo_connector.set_headline(
				frm,
				`<span class="indicator-pill ${color} qbo-status">${frappe.utils.escape_html(text)}</span>${error}`,
				color === "green" ? "green" : "orange"
			);
		}
		show_links(frm);
		frm.add_custom_button(__("Link to QuickBooks Customer…"), () => link_dialog(frm), __("QuickBooks"));
		if (linked) {
			frm.add_custom_button(__("Unlink"), () => unlink(frm), __("QuickBooks"));
		}
	},
});

function unlink(frm, company) {
	frappe.confirm(__("Unlink this customer from QuickBooks?"), () =>
		frappe.call("qbo_connector.api.unlink_customer", { customer: frm.doc.name, company }).then(() => frm.reload_doc())
	);
}

function show_links(frm) {
	// The headline lists the customer's link in each company (the Customer dashboard sits in a tab).
	const name = frm.doc.name;
	frappe
		.call({ method: "qbo_connector.api.get_document_links", args: { doctype: "Customer", name }, type: "GET" })
		.then((r) => {
			if (frm.doc.name !== name) return; // the form moved on to another customer meanwhile
			const rows = (r.message || []).filter((row) => row.qbo_id || row.status || row.match_status);
			if (!rows.length) return;
			const esc = frappe.utils.escape_html;
			const html = rows
				.map((row) => {
					const status = row.qbo_id ? row.status || "Synced" : row.match_status || row.status;
					const record = row.qbo_id
						? esc(__("customer {0}", [row.qbo_id]) + (row.qbo_name ? ` · ${row.qbo_name}` : ""))
						: "";
					const view = row.url ? ` &nbsp; <a href="${esc(row.url)}" target="_blank" rel="noopener">${__("View in QuickBooks")}</a>` : "";
					const remove = row.qbo_id ? ` &nbsp; <a class="qbo-unlink" data-company="${esc(row.company)}">${__("Unlink")}</a>` : "";
					const error = row.last_error ? ` &nbsp; <span class="text-muted">${esc(row.last_error)}</span>` : "";
					return `<div class="qbo-link-row" data-company="${esc(row.company)}">
						<span class="indicator-pill ${qbo_connector.STATUS_COLORS[status] || "orange"} qbo-status">${esc(__("QuickBooks: {0}", [__(status || "")]))}</span>
						&nbsp; <b>${esc(row.company)}</b> &nbsp; ${record}${view}${remove}${error}</div>`;
				})
				.join("");
			const linked = rows.every((row) => row.qbo_id);
			qbo_connector.set_headline(frm, `<div class="qbo-links">${html}</div>`, linked ? "green" : "orange");
			$(frm.wrapper).find(".qbo-links .qbo-unlink").on("click", (e) => unlink(frm, $(e.currentTarget).attr("data-company")));
		});
}

function link_dialog(frm) {
	// With several connected companies, the dialog asks in which QuickBooks company to link.
	frappe.db
		.get_list("QuickBooks Company", { filters: { connection_status: "Connected" }, pluck: "name", limit: 50 })
		.then((companies) => open_link_dialog(frm, companies || []));
}

function open_link_dialog(frm, companies) {
	const several = companies.length > 1;
	const dialog = new frappe.ui.Dialog({
		title: __("Link to QuickBooks Customer"),
		fields: [
			{
				fieldname: "company",
				fieldtype: "Select",
				label: __("In the QuickBooks company of"),
				options: companies,
				default: companies[0],
				hidden: several ? 0 : 1,
			},
			{ fieldname: "mine", fieldtype: "HTML" },
			{ fieldname: "txt", fieldtype: "Data", label: __("Search QuickBooks customers"), default: frm.doc.customer_name },
			{ fieldname: "search", fieldtype: "Button", label: __("Search") },
			{ fieldname: "results", fieldtype: "HTML" },
		],
	});
	const company = () => dialog.get_value("company") || undefined;
	// this customer's email, phone and address, to compare the results with (issue 14, #13)
	const address = $("<div>").html(frm.doc.primary_address || "").text().replace(/\s+/g, " ").trim();
	const mine = [frm.doc.email_id, frm.doc.mobile_no, address].filter(Boolean).join(" · ");
	dialog.fields_dict.mine.$wrapper.html(
		`<p class="text-muted qbo-this-customer">${__("This customer")}: ${frappe.utils.escape_html(mine || __("no email, phone or address"))}</p>`
	);
	const render = (rows) => {
		const html = rows.length
			? rows
					.map(
						(r) => `<div class="qbo-candidate" style="padding:4px 0">
							<button class="btn btn-xs btn-default" data-id="${frappe.utils.escape_html(r.id)}">${__("Link")}</button>
							${frappe.utils.escape_html(r.display_name)} <span class="text-muted">#${frappe.utils.escape_html(r.id)}
							${frappe.utils.escape_html(r.details || "")} ${r.active ? "" : __("(inactive)")}</span></div>`
					)
					.join("")
			: `<p class="text-muted">${__("No QuickBooks customer found")}</p>`;
		dialog.fields_dict.results.$wrapper.html(html);
		dialog.fields_dict.results.$wrapper.find("button[data-id]").on("click", (e) => {
			frappe
				.call("qbo_connector.api.link_customer", {
					customer: frm.doc.name,
					qbo_customer_id: $(e.currentTarget).attr("data-id"),
					company: company(),
				})
				.then((r) => {
					frappe.show_alert({ message: r.message, indicator: "green" });
					dialog.hide();
					frm.reload_doc();
				});
		});
	};
	const search = () =>
		frappe
			.call("qbo_connector.api.search_qbo_customers", { txt: dialog.get_value("txt"), company: company() })
			.then((r) => render(r.message || []));
	dialog.fields_dict.search.$input.on("click", search);
	if (several) dialog.fields_dict.company.$input.on("change", search);
	dialog.show();
	search();
}
