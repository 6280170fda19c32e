app_name = "qbo_connector"
app_title = "QBO Connector"
app_publisher = "qbo_connector contributors"
app_description = "Keeps QuickBooks Online in step with ERPNext: customer matching and batched invoice export"
app_email = "dev@qbo-connector.invalid"
app_license = "mit"
required_apps = ["erpnext"]
