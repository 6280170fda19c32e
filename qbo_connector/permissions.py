"""Role checks for whitelisted methods. frappe.only_for() is skipped under tests (flags.in_test), so
it could not prove that a Sales User is refused; this check always runs."""

import frappe
from frappe import _

from qbo_connector import constants as c


def system_managers() -> list[str]:
	"""The people QuickBooks problems are told to: System Managers (not the Administrator and Guest
	accounts), else the Administrator."""
	users = frappe.get_all("Has Role", filters={"role": c.ADMIN_ROLE, "parenttype": "User"}, pluck="parent")
	return sorted({u for u in users if u not in ("Administrator", "Guest")}) or ["Administrator"]


def require_roles(*roles: str) -> None:
	if frappe.session.user == "Administrator":
		return
	if not set(roles) & set(frappe.get_roles()):
		raise frappe.PermissionError(_("Only {0} can do this").format(", ".join(roles)))
