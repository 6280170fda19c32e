"""One error taxonomy: QBO fault code -> our error class -> record status -> the sentence the user reads.

Every failure the client sees becomes one of these classes, decided on the QBO fault code (or the HTTP
transport), never on python-quickbooks' exception class."""

from __future__ import annotations

import re

from qbo_connector.engine.records import FAILED, HELD, NEEDS_REVIEW, QUEUED, SYNCED

ID_IN_DETAIL = re.compile(r"Id=(\d+)")
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


class QBOError(Exception):
	"""Base class. `status` is what the record becomes; `transient` errors never reach Failed."""

	status = FAILED
	transient = False
	user_template = "QuickBooks rejected this record: {message}"

	def __init__(self, message: str = "", code: int | str = 0, detail: str = "", element: str = ""):
		super().__init__(message or detail or self.__class__.__name__)
		self.message = message
		self.code = int(code) if str(code).isdigit() else 0
		self.detail = detail
		self.element = element

	def user_message(self) -> str:
		"""Plain words for the form. Subclasses fill their own template."""
		text = self.detail or self.message
		return self.user_template.format(message=text, code=self.code)

	def __str__(self) -> str:
		parts = [f"[{self.code}]" if self.code else "", self.message, self.detail]
		return " ".join(p for p in parts if p)


class Transient(QBOError):
	"""429/3001, 5xx, timeouts, connection drops: the record keeps its status and is retried later."""

	status = QUEUED
	transient = True
	user_template = "QuickBooks was busy or unreachable; the record will be retried automatically."


class Throttled(Transient):
	user_template = "QuickBooks asked us to slow down; the record will be retried automatically."


class AuthExpired(QBOError):
	"""401 / 3200: the access token is no longer accepted. Refresh once, then retry."""

	status = QUEUED
	transient = True
	user_template = "The QuickBooks session expired; it will be renewed automatically."


class ReconnectRequired(QBOError):
	"""invalid_grant: the refresh token is dead. Sync pauses until an admin reconnects."""

	status = QUEUED
	transient = True
	user_template = "QuickBooks disconnected: an administrator must click Reconnect in QuickBooks Settings."


class NotConnected(ReconnectRequired):
	"""No connection was ever made (or it was disconnected on purpose)."""

	user_template = "QuickBooks is not connected: click Connect to QuickBooks in QuickBooks Settings."


class NameClash(QBOError):
	"""6240 Duplicate Name Exists: the DisplayName is taken by a customer, vendor or employee."""

	status = NEEDS_REVIEW
	user_template = (
		"A customer, vendor or employee in QuickBooks already uses this name (QuickBooks id {existing_id})."
	)

	@property
	def existing_id(self) -> str:
		found = ID_IN_DETAIL.search(f"{self.detail} {self.message}")
		return found.group(1) if found else ""

	def user_message(self) -> str:
		return self.user_template.format(existing_id=self.existing_id or "unknown")


class DuplicateDocNumber(QBOError):
	"""6140: the invoice number exists in QBO; reconcile by DocNumber before anything else."""

	user_template = "An invoice with this number already exists in QuickBooks."


class StaleObject(QBOError):
	"""5010: the SyncToken is old; refetch and retry once."""

	status = QUEUED
	transient = True
	user_template = "The record changed in QuickBooks meanwhile; it will be refreshed and sent again."


class MissingReference(QBOError):
	"""610 (inactive or not found) / 2500 (invalid reference): a customer, item or tax code is missing."""

	status = HELD
	user_template = "{what} referenced by this record is inactive or missing in QuickBooks: {message}"

	def user_message(self) -> str:
		what = _reference_kind(self.element or self.detail or self.message)
		return self.user_template.format(what=what, message=self.detail or self.message)


class PeriodClosed(QBOError):
	"""6210 Account Period Closed: the transaction is dated on or before QuickBooks' closing date. Held (a person
	must act), never retried on its own: a new run re-checks it only after the record is retried or changed."""

	status = HELD
	user_template = (
		"The accounting period is closed in QuickBooks{up_to}, so this transaction can't be sent. Ask your "
		"accountant to move the closing date (QuickBooks: Settings > Account and settings > Advanced > Close the "
		"books) or change the posting date to an open period, then click Retry."
	)

	def user_message(self) -> str:
		found = ISO_DATE.search(f"{self.detail} {self.message}")
		return self.user_template.format(up_to=f" up to {found.group(0)}" if found else "")


class RenameClash(QBOError):
	"""6240 on an edit of a linked customer: the new DisplayName is taken. The record fails with the words."""

	user_template = (
		"QuickBooks refused the new name: a customer, vendor or employee there already uses it (QuickBooks id "
		"{existing_id}). Rename one of them, then click Retry."
	)

	def user_message(self) -> str:
		found = ID_IN_DETAIL.search(f"{self.detail} {self.message}")
		return self.user_template.format(existing_id=found.group(1) if found else "unknown")


def for_rename(error: QBOError) -> QBOError:
	"""A 6240 answering an edit (not a create) is a per-record error, not a match to review."""
	if isinstance(error, NameClash):
		return RenameClash(error.message, error.code, error.detail, error.element)
	return error


class ValidationFailed(QBOError):
	"""Other 2000/6000-range business validation errors: permanent, shown in QBO's words."""

	user_template = "QuickBooks rejected this record: {message}"


class Unsupported(QBOError):
	"""500-599 fault codes (unsupported operation)."""


class InvalidWebhook(QBOError):
	"""A webhook notification refused: its intuit-signature does not match the verifier token, or its body
	cannot be read (engine/webhooks.py). Not a QBO fault; the endpoint answers 401 and runs nothing."""

	user_template = "A QuickBooks notification was refused: {message}"


def _reference_kind(text: str) -> str:
	lowered = text.lower()
	for needle, label in (
		("customerref", "The customer"),
		("itemref", "An item"),
		("taxcoderef", "A tax code"),
		("currencyref", "The currency"),
		("customer", "The customer"),
		("item", "An item"),
		("tax", "A tax code"),
	):
		if needle in lowered:
			return label
	return "Something"


def error_from_fault(error: dict, http_status: int = 400) -> QBOError:
	"""Map one QBO `Fault.Error[]` entry (JSON dict; keys as QBO sends them) to our class."""
	message = str(error.get("Message") or error.get("message") or "")
	detail = str(error.get("Detail") or error.get("detail") or "")
	element = str(error.get("element") or "")
	raw = str(error.get("code") or error.get("Code") or "0")
	code = int(raw) if raw.isdigit() else 0
	return error_from_code(code, message, detail, element, http_status)


def error_from_code(
	code: int, message: str = "", detail: str = "", element: str = "", http_status: int = 400
):
	if code == 3001 or http_status == 429:
		cls = Throttled
	elif code in (401, 3200, 100) or http_status == 401:
		cls = AuthExpired
	elif code == 6240:
		cls = NameClash
	elif code == 6140:
		cls = DuplicateDocNumber
	elif code == 5010:
		cls = StaleObject
	elif code == 6210:
		cls = PeriodClosed
	elif code in (610, 2500):
		cls = MissingReference
	elif 500 <= code <= 599:
		cls = Unsupported
	elif code == 10000 or http_status >= 500:
		cls = Transient
	else:
		cls = ValidationFailed
	return cls(message, code, detail, element)


__all__ = [
	"FAILED",
	"HELD",
	"NEEDS_REVIEW",
	"QUEUED",
	"SYNCED",
	"AuthExpired",
	"DuplicateDocNumber",
	"InvalidWebhook",
	"MissingReference",
	"NameClash",
	"NotConnected",
	"PeriodClosed",
	"QBOError",
	"ReconnectRequired",
	"RenameClash",
	"StaleObject",
	"Throttled",
	"Transient",
	"ValidationFailed",
	"error_from_code",
	"error_from_fault",
	"for_rename",
]
