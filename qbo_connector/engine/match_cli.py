"""`qbo-connector match --erpnext ERP.csv --qbo QBO.csv --out decisions.csv`: preview customer matching.

Reads the two CSV files (UTF-8, BOM allowed, header names trimmed, unknown columns ignored), runs the
matcher and writes one decision per ERPNext row. Bad input gives one line on stderr and exit code 2."""

from __future__ import annotations

import csv
import sys
import time
from collections import Counter
from collections.abc import Callable

from qbo_connector.engine.matching import Matcher
from qbo_connector.engine.records import CREATE, LINK, REVIEW, ERPCustomer, QBOCustomer

ERP_COLUMNS = {
	"id": "id", "customer_name": "customer_name", "customer_type": "customer_type", "email": "email",
	"phone": "phone", "tax_id": "tax_id", "address_line1": "address_line1", "address_line2": "address_line2",
	"city": "city", "state": "state", "pincode": "pincode", "country": "country", "currency": "currency",
	"qbo_id": "qbo_id",
}  # fmt: skip
QBO_COLUMNS = {
	"Id": "id", "DisplayName": "display_name", "CompanyName": "company_name", "GivenName": "given_name",
	"FamilyName": "family_name", "PrimaryEmailAddr": "email", "PrimaryPhone": "phone",
	"BillAddrLine1": "address_line1", "BillAddrLine2": "address_line2", "BillAddrCity": "city",
	"BillAddrCountrySubDivisionCode": "state", "BillAddrPostalCode": "postcode", "BillAddrCountry": "country",
	"CurrencyRef": "currency", "EntityType": "entity_type", "Active": "active", "PrimaryTaxIdentifier": "tax_id",
}  # fmt: skip
ERP_REQUIRED = ("id", "customer_name")
QBO_REQUIRED = ("Id", "DisplayName")
OUT_COLUMNS = ("erpnext_id", "decision", "qbo_id", "score", "reason")
_TRUE = {"true", "1", "yes", "y", "t"}


class InputError(Exception):
	"""Bad input: reported as one line on stderr, exit code 2."""


def parse_active(value: str) -> bool:
	"""true/false/1/0/yes/no in any case; empty means active. Anything else counts as inactive, so it
	can never be auto-linked."""
	text = (value or "").strip().lower()
	return not text or text in _TRUE


def read_rows(path: str, columns: dict[str, str], required: tuple[str, ...]) -> list[dict[str, str]]:
	"""Rows as {field: value}; column names trimmed and matched case-insensitively."""
	try:
		with open(path, encoding="utf-8-sig", newline="") as handle:
			reader = csv.reader(handle)
			header = next(reader, None)
			if header is None:
				raise InputError(f"{path}: empty file, expected a CSV header with {', '.join(required)}")
			wanted = {name.lower(): field for name, field in columns.items()}
			positions = {}
			for pos, name in enumerate(header):
				field = wanted.get(name.strip().lstrip("\ufeff").strip().lower())
				if field and field not in positions:
					positions[field] = pos
			missing = [name for name in required if columns[name] not in positions]
			if missing:
				raise InputError(f"{path}: missing required column {', '.join(missing)}")
			rows = []
			for raw in reader:
				if not any(cell.strip() for cell in raw):
					continue
				rows.append({f: raw[p].strip() if p < len(raw) else "" for f, p in positions.items()})
			return rows
	except InputError:
		raise
	except UnicodeDecodeError:
		raise InputError(f"{path}: not a UTF-8 text file")
	except csv.Error as exc:
		raise InputError(f"{path}: not a readable CSV file ({exc})")
	except OSError as exc:
		raise InputError(f"{path}: cannot read ({exc.strerror or exc})")


def build_erp(row: dict[str, str]) -> ERPCustomer:
	return ERPCustomer(**row)


def build_qbo(row: dict[str, str]) -> QBOCustomer:
	row = dict(row)
	active = parse_active(row.pop("active", ""))
	row["entity_type"] = (row.get("entity_type") or "Customer").strip().capitalize()
	return QBOCustomer(**row, active=active)


def load(path: str, columns: dict, required: tuple, build: Callable) -> list:
	return [build(row) for row in read_rows(path, columns, required)]


def write_decisions(path: str, decisions) -> None:
	try:
		with open(path, "w", encoding="utf-8", newline="") as handle:
			writer = csv.writer(handle)
			writer.writerow(OUT_COLUMNS)
			for d in decisions:
				writer.writerow(
					[d.erpnext_id, d.decision, d.qbo_id if d.decision != CREATE else "", d.score, d.reason]
				)
	except OSError as exc:
		raise InputError(f"{path}: cannot write ({exc.strerror or exc})")


def run(args) -> int:
	started = time.perf_counter()
	try:
		erp = load(args.erpnext, ERP_COLUMNS, ERP_REQUIRED, build_erp)
		qbo = load(args.qbo, QBO_COLUMNS, QBO_REQUIRED, build_qbo)
		decisions = Matcher(qbo).decide(erp)
		write_decisions(args.out, decisions)
	except InputError as exc:
		print(f"qbo-connector match: error: {exc}", file=sys.stderr)
		return 2
	counts = Counter(d.decision for d in decisions)
	seconds = time.perf_counter() - started
	print(
		f"qbo-connector match: {len(erp)} ERPNext customers vs {len(qbo)} QBO records: "
		f"{counts[LINK]} link, {counts[REVIEW]} review, {counts[CREATE]} create in {seconds:.2f} s "
		f"-> {args.out}",
		file=sys.stderr,
	)
	return 0
