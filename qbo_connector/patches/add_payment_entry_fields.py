"""Sites installed before payments: the Payment Entry custom fields (after_install runs only on install)."""

from qbo_connector.install import setup_custom_fields


def execute() -> None:
	setup_custom_fields()  # create_custom_fields(update=True): idempotent
