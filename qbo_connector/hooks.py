app_name = "qbo_connector"
app_title = "QBO Connector"
app_publisher = "qbo_connector contributors"
app_description = "Keeps QuickBooks Online in step with ERPNext: customer matching and batched invoice export"
app_email = "dev@qbo-connector.invalid"
app_license = "mit"
# org/repo form: a bare "erpnext" makes install-app look the org up on api.github.com (fails offline)
required_apps = ["frappe/erpnext"]

after_install = "qbo_connector.install.after_install"
before_uninstall = "qbo_connector.install.before_uninstall"

doc_events = {
	"Customer": {
		"after_insert": "qbo_connector.queue.on_customer_change",
		"on_update": "qbo_connector.queue.on_customer_change",
	},
	"Contact": {"on_update": "qbo_connector.queue.on_contact_or_address_change"},
	"Address": {"on_update": "qbo_connector.queue.on_contact_or_address_change"},
	"Sales Invoice": {
		"before_insert": "qbo_connector.queue.clear_copied_view",
		"on_submit": "qbo_connector.queue.on_invoice_submit",
		"on_update_after_submit": "qbo_connector.queue.on_invoice_update_after_submit",
		"on_cancel": "qbo_connector.queue.on_invoice_cancel",
	},
	"Payment Entry": {
		"before_insert": "qbo_connector.queue.clear_copied_view",
		"on_submit": "qbo_connector.queue.on_payment_submit",
		"on_cancel": "qbo_connector.queue.on_payment_cancel",
	},
}

# A frequent, cheap tick; jobs.need_to_run honours the configured frequency (Daily at a time, Hourly,
# every N minutes) and enqueues the real run on the long queue, one per realm.
scheduler_events = {
	"cron": {"*/5 * * * *": ["qbo_connector.jobs.tick"]},
	"daily": ["qbo_connector.digest.send_digest"],
}

doctype_js = {
	"Sales Invoice": ["public/js/qbo_form.js", "public/js/sales_invoice.js"],
	"Customer": ["public/js/qbo_form.js", "public/js/customer.js"],
	"Payment Entry": ["public/js/qbo_form.js", "public/js/payment_entry.js"],
	# the progress of a Sync Now or Export Invoices Since started from these forms
	"QuickBooks Settings": ["public/js/qbo_form.js"],
	"QuickBooks Company": ["public/js/qbo_form.js"],
}
doctype_list_js = {
	"Sales Invoice": ["public/js/qbo_form.js", "public/js/qbo_list.js", "public/js/sales_invoice_list.js"],
	"Customer": ["public/js/qbo_form.js", "public/js/qbo_list.js", "public/js/customer_list.js"],
	"Payment Entry": ["public/js/qbo_form.js", "public/js/qbo_list.js", "public/js/payment_entry_list.js"],
}

# Old successful log rows are cleared daily by Log Settings (QuickBooksSyncLog.clear_old_logs).
default_log_clearing_doctypes = {"QuickBooks Sync Log": 30}

export_python_type_annotations = True
require_type_annotated_api_methods = True
