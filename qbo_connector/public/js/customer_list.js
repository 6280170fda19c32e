// QuickBooks status and bulk Retry in the Customer list (qbo_list.js).
qbo_connector.setup_list("Customer");
