"""Doctype and field names used by the Frappe layer. Keep every literal here."""

SETTINGS = "QuickBooks Settings"
SYNC_QUEUE = "QuickBooks Sync Queue"
SYNC_LOG = "QuickBooks Sync Log"
CUSTOMER_MATCH = "QuickBooks Customer Match"

CUSTOMER = "Customer"
SALES_INVOICE = "Sales Invoice"

# Custom fields on Customer
CUSTOMER_QBO_ID = "qbo_customer_id"
CUSTOMER_SYNC_STATUS = "qbo_sync_status"
CUSTOMER_MATCH_STATUS = "qbo_match_status"
CUSTOMER_LAST_ERROR = "qbo_last_error"

# Custom fields on Sales Invoice
INVOICE_QBO_ID = "qbo_invoice_id"
INVOICE_DOC_NUMBER = "qbo_doc_number"
INVOICE_SYNC_STATUS = "qbo_sync_status"
INVOICE_SYNC_TOKEN = "qbo_sync_token"
INVOICE_LAST_SYNCED = "qbo_last_synced_on"
INVOICE_LAST_ERROR = "qbo_last_error"

# Queue actions
ACTION_SYNC = "Sync"
ACTION_VOID = "Void"
ACTION_UPDATE = "Update"

# Connection states shown on the settings form
NOT_CONNECTED = "Not Connected"
CONNECTED = "Connected"
RECONNECT_REQUIRED = "Reconnect Required"

# Match states on Customer
MATCH_LINKED = "Linked"
MATCH_CREATED = "Created"
MATCH_REVIEW = "Needs Review"
MATCH_IGNORED = "Ignored"

# Review queue states
REVIEW_OPEN = "Open"
REVIEW_LINKED = "Linked"
REVIEW_CREATE = "Create New"
REVIEW_IGNORED = "Ignored"

ADMIN_ROLE = "System Manager"

OAUTH_STATE_KEY = "qbo_oauth_state"
OAUTH_STATE_TTL = 600
# The run lock's lease (seconds), renewed every third of it while the run lives
SYNC_LOCK_LEASE = 60

# Queue statuses a run loads (and so may be sending right now)
RUNNABLE_STATUSES = ("Queued", "Waiting for Customer", "Held")
