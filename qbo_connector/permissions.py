"""Role checks for whitelisted methods. frappe.only_for() is skipped under tests (flags.in_test), so
it could not prove that a Sales User is refused; this check always runs."""

import frappe
from frappe import _


def require_roles(*roles: str) -> None:
	if frappe.session.user == "Administrator":
		return
	if not set(roles) & set(frappe.get_roles()):
		raise frappe.PermissionError(_("Only {0} can do this").format(", ".join(roles)))
