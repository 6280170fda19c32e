// QuickBooks status and bulk Retry in the Payment Entry list (qbo_list.js).
qbo_connector.setup_list("Payment Entry");
