// QuickBooks status and bulk Retry in the Sales Invoice list (qbo_list.js).
qbo_connector.setup_list("Sales Invoice");
