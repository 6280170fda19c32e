"""Doctype and field names used by the Frappe layer. Keep every literal here."""

SETTINGS = "QuickBooks Settings"
SYNC_QUEUE = "QuickBooks Sync Queue"
DIRECTORY_ENTRY = "QuickBooks Directory Entry"
SYNC_LOG = "QuickBooks Sync Log"
CUSTOMER_MATCH = "QuickBooks Customer Match"
LINK = "QuickBooks Link"
QBO_COMPANY = "QuickBooks Company"

CUSTOMER = "Customer"
SALES_INVOICE = "Sales Invoice"
PAYMENT_ENTRY = "Payment Entry"
PAYMENT_REFERENCE = "Payment Entry Reference"

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
INVOICE_QBO_BALANCE = "qbo_balance"

# Custom fields on Payment Entry
PAYMENT_QBO_ID = "qbo_payment_id"
PAYMENT_SYNC_STATUS = "qbo_sync_status"
PAYMENT_LAST_ERROR = "qbo_last_error"

# Where payments are recorded (QuickBooks Settings)
PAYMENTS_IN_ERPNEXT = "In ERPNext"
PAYMENTS_IN_QUICKBOOKS = "In QuickBooks"
PAYMENTS_IN_BOTH = "In both"
IMPORTED_LEFT_AS_DRAFT = "Left as draft"
ORIGIN_QUICKBOOKS = "QuickBooks"  # QuickBooks Link.origin: the document was made from a QuickBooks record

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
OAUTH_COMPANY_KEY = "qbo_oauth_company"  # the company being connected, next to the state
# The run lock's lease (seconds), renewed every third of it while the run lives
SYNC_LOCK_LEASE = 300  # seconds; renewed by the run as it makes progress

# Queue statuses a run loads (and so may be sending right now)
RUNNABLE_STATUSES = ("Queued", "Waiting for Customer", "Held", "Waiting for Invoice")

# QuickBooks Company fields mirrored onto QuickBooks Settings for the default company (read-only there),
# so that with one company the settings form looks and works as before
MIRRORED_FIELDS = (
	"realm_id",
	"linked_realm_id",
	"qbo_company_name",
	"connection_status",
	"connected_by",
	"connected_on",
	"access_token_expires_on",
	"refresh_token_expires_on",
	"refresh_token_hard_expires_on",
	"last_sync_on",
	"last_sync_status",
)

# QuickBooks Link fields -> the read-only view of the link on the document (custom fields)
CUSTOMER_VIEW = {
	"qbo_id": CUSTOMER_QBO_ID,
	"status": CUSTOMER_SYNC_STATUS,
	"match_status": CUSTOMER_MATCH_STATUS,
	"last_error": CUSTOMER_LAST_ERROR,
}
INVOICE_VIEW = {
	"qbo_id": INVOICE_QBO_ID,
	"status": INVOICE_SYNC_STATUS,
	"doc_number": INVOICE_DOC_NUMBER,
	"sync_token": INVOICE_SYNC_TOKEN,
	"last_synced_on": INVOICE_LAST_SYNCED,
	"last_error": INVOICE_LAST_ERROR,
	"qbo_balance": INVOICE_QBO_BALANCE,
}
PAYMENT_VIEW = {
	"qbo_id": PAYMENT_QBO_ID,
	"status": PAYMENT_SYNC_STATUS,
	"last_error": PAYMENT_LAST_ERROR,
}
VIEWS_BY_DOCTYPE = {CUSTOMER: CUSTOMER_VIEW, SALES_INVOICE: INVOICE_VIEW, PAYMENT_ENTRY: PAYMENT_VIEW}
