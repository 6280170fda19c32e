"""Sites installed before balances were read back: Sales Invoice's QuickBooks Balance field."""

from qbo_connector.install import setup_custom_fields


def execute() -> None:
	setup_custom_fields()  # create_custom_fields(update=True): idempotent
