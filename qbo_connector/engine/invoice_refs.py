"""What an invoice's lines and header point at in QuickBooks besides money and tax: each line's item, and,
where the company tracks them, its class (ClassRef) and location (DepartmentRef) from ERPNext cost centers.
Reasons to hold are appended to `reasons`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qbo_connector.engine.records import ERPInvoice, InvoiceLine

if TYPE_CHECKING:
	from qbo_connector.engine.invoices import ExportSettings, QBOFacts

# Intuit's Invoice and CreditMemo references
# (https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice): the header's
# ClassRef is "Available if Preferences.AccountingInfoPrefs.ClassTrackingPerTxn is set to true", a
# SalesItemLineDetail's ClassRef "if Preferences.AccountingInfoPrefs.ClassTrackingPerLine is set to true" (the
# Preferences field is named ClassTrackingPerTxnLine), DepartmentRef "if
# Preferences.AccountingInfoPrefs.TrackDepartments is set to true". So a ref goes out only where the company
# tracks it (ExportSettings.class_tracking, track_departments, read from Preferences by discovery).
LINE, TXN = "line", "txn"


def item_by_name(line: InvoiceLine, settings: ExportSettings) -> str:
	"""The active QBO item whose Name is the ERPNext item code, else its item name (case-insensitive)."""
	for key in (line.item_code, line.item_name):
		found = settings.item_names.get(str(key or "").strip().lower())
		if found:
			return found
	return ""


def item_choice(line: InvoiceLine, settings: ExportSettings) -> tuple[str, bool]:
	"""(QBO item id, whether it is the default item): the line's own, the Item Mapping, the income account's
	mapping, the QBO item of the same name, then the default item.

	Both mappings come before the name match: they are what an admin chose, the name match is a coincidence
	of names, and the income-account mapping exists so that revenue lands on the QBO income account the
	accountant picked; an item that happens to share a name with a QBO item booked elsewhere must not
	overrule that. An Item Mapping still beats the account's mapping: it is the narrower choice."""
	item_id = (
		line.qbo_item_id
		or settings.item_map.get(line.item_code)
		or settings.income_account_map.get(line.income_account)
		or item_by_name(line, settings)
	)
	if item_id:
		return item_id, False
	return settings.default_item_id, bool(settings.default_item_id)


def resolve_item(line: InvoiceLine, settings: ExportSettings, facts: QBOFacts, reasons: list[str]) -> str:
	item_id, _ = item_choice(line, settings)
	if not item_id:
		account = f" for its income account '{line.income_account}'" if line.income_account else ""
		reasons.append(
			f"Item '{line.item_code}' has no QuickBooks item (no Item Mapping, no Income Account Mapping"
			f"{account} and no QuickBooks item of that name), and no default item is set in QuickBooks Settings."
		)
	elif facts.item_ids is not None and item_id not in facts.item_ids:
		reasons.append(f"The QuickBooks item (id {item_id}) for '{line.item_code}' is inactive or missing.")
	return item_id


def default_item_lines(inv: ERPInvoice, settings: ExportSettings) -> str:
	"""For the desk: which lines go to the default item, in words ('' when none)."""
	lines = [
		f"{number} ({line.item_code})"
		for number, line in enumerate(inv.lines, 1)
		if item_choice(line, settings)[1]
	]
	if not lines:
		return ""
	which = f"Line {lines[0]}" if len(lines) == 1 else f"Lines {', '.join(lines)}"
	return (
		f"{which} {'goes' if len(lines) == 1 else 'go'} to the default QuickBooks item (no Item Mapping, no "
		"Income Account Mapping and no QuickBooks item of the same name)."
	)


def find_cost_center(inv: ERPInvoice) -> str:
	"""The invoice's cost center: its header's, else the one every line shares (ERPNext often leaves the
	header empty and fills each row with the company's default)."""
	if inv.cost_center:
		return inv.cost_center
	centers = {line.cost_center for line in inv.lines}
	return centers.pop() if len(centers) == 1 else ""


def pick_line_class(inv: ERPInvoice, line: InvoiceLine | None, settings: ExportSettings) -> str:
	"""ClassRef id of a sales line (None: the rounding line) when the company tracks classes per line."""
	if settings.class_tracking != LINE:
		return ""
	center = (line.cost_center if line else "") or find_cost_center(inv)
	return settings.class_map.get(center, "")


def map_tracking(inv: ERPInvoice, settings: ExportSettings) -> dict:
	"""The header's ClassRef (class tracking per transaction) and DepartmentRef (location tracking)."""
	center = find_cost_center(inv)
	refs = {}
	if settings.class_tracking == TXN and settings.class_map.get(center):
		refs["ClassRef"] = {"value": settings.class_map[center]}
	if settings.track_departments and settings.department_map.get(center):
		refs["DepartmentRef"] = {"value": settings.department_map[center]}
	return refs


def check_tracking(inv: ERPInvoice, settings: ExportSettings, facts: QBOFacts, reasons: list[str]) -> None:
	"""Hold when a class or location the invoice would carry is not active in QuickBooks (when known)."""
	classes = {pick_line_class(inv, line, settings): line.cost_center for line in inv.lines}
	header = map_tracking(inv, settings)
	center = find_cost_center(inv)
	if settings.class_tracking == LINE and inv.rounding_adjustment:
		classes.setdefault(pick_line_class(inv, None, settings), center)
	if "ClassRef" in header:
		classes[header["ClassRef"]["value"]] = center
	checks = [("class", classes, facts.class_ids)]
	if "DepartmentRef" in header:
		checks.append(("location", {header["DepartmentRef"]["value"]: center}, facts.department_ids))
	for kind, used, active in checks:
		if active is None:
			continue
		for ref_id, cost_center in sorted(used.items()):
			if ref_id and ref_id not in active:
				reasons.append(
					f"The QuickBooks {kind} (id {ref_id}) mapped for cost center '{cost_center or center}' is "
					"inactive or missing."
				)
