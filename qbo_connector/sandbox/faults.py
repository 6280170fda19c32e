"""Intuit's fault shapes. Every refusal the sandbox makes is a `Fault` (API) or an `OAuthError` (token
endpoints); the server turns them into the exact bodies Intuit sends."""

from __future__ import annotations

import json
from xml.sax.saxutils import escape

VALIDATION = "ValidationFault"
SERVICE = "SERVICE"
AUTHENTICATION = "AUTHENTICATION"

THROTTLE_MESSAGE = "message=ThrottleExceeded; errorCode=003001; statusCode=429"
THROTTLE_DETAIL = "The request limit was reached."
AUTH_MESSAGE = "message=AuthenticationFailed; errorCode=003200; statusCode=401"
INACTIVE_DETAIL = (
	"Object Not Found : Something you're trying to use has been made inactive. "
	"Check the fields with accounts, customers, items, vendors or employees."
)


class Fault(Exception):
	"""One QBO `Fault.Error[]` entry plus the fault type and HTTP status it travels with."""

	def __init__(self, code, message, detail="", element="", kind=VALIDATION, status=400):
		super().__init__(f"{code} {message}: {detail}")
		self.code = str(code)
		self.message = message
		self.detail = detail
		self.element = element
		self.kind = kind
		self.status = status

	def error(self) -> dict:
		entry = {"Message": self.message, "Detail": self.detail, "code": self.code}
		if self.element:
			entry["element"] = self.element
		return entry

	def fault(self) -> dict:
		return {"Error": [self.error()], "type": self.kind}

	def body(self, stamp: str) -> dict:
		return {"Fault": self.fault(), "time": stamp}


class OAuthError(Exception):
	"""RFC 6749 error for the token and revoke endpoints: {"error": ...}."""

	def __init__(self, error: str, status: int = 400, description: str = ""):
		super().__init__(error)
		self.error = error
		self.status = status
		self.description = description

	def body(self) -> dict:
		out = {"error": self.error}
		if self.description:
			out["error_description"] = self.description
		return out


def not_found(entity: str, ident: str) -> Fault:
	return Fault(
		610,
		"Object Not Found",
		f"Object Not Found : Something you're trying to use has been made inactive. "
		f"Check the fields with accounts, customers, items, vendors or employees. ({entity} Id={ident})",
	)


def inactive_reference(element: str) -> Fault:
	return Fault(610, "Object Not Found", INACTIVE_DETAIL, element)


def invalid_reference(element: str, entity: str, ident: str) -> Fault:
	return Fault(
		2500,
		"Invalid Reference Id",
		f"Invalid Reference Id : {entity} with Id {ident} does not exist",
		element,
	)


def duplicate_name(existing_id: str) -> Fault:
	return Fault(
		6240,
		"Duplicate Name Exists Error",
		f"The name supplied already exists. : Id={existing_id}",
		"DisplayName",
	)


def duplicate_doc_number(number: str, entity: str, txn_id: str) -> Fault:
	return Fault(
		6140,
		"Duplicate Document Number Error",
		f"Duplicate Document Number Error : You must specify a different number. This number has already been "
		f"used. DocNumber={number} is assigned to TxnType={entity} with TxnId={txn_id}",
		"DocNumber",
	)


def stale_object() -> Fault:
	return Fault(
		5010,
		"Stale Object Error",
		"Stale Object Error : You and another user were working on this at the same time. "
		"They finished before you did, so your work was not saved.",
		"SyncToken",
	)


def required(element: str, detail: str = "") -> Fault:
	return Fault(
		2020,
		"Required param missing, need to supply the required value for the API",
		detail or f"Required parameter {element} is missing in the request",
		element,
	)


def too_long(element: str, maximum: int, supplied: int) -> Fault:
	return Fault(
		2050,
		"String length is either shorter or longer than supported by specification",
		f"String length specified does not match the supported length. Min:0 Max:{maximum} supported. "
		f"Supplied length:{supplied}",
		element,
	)


def invalid_characters(element: str) -> Fault:
	return Fault(
		2040, "Invalid String", f"{element} cannot contain a colon (:), a tab or a newline.", element
	)


def invalid_property(detail: str, element: str = "") -> Fault:
	return Fault(2010, "Request has invalid or unsupported property", f"Property Name:{detail}", element)


def business(detail: str, element: str = "", code: int = 6000) -> Fault:
	return Fault(
		code,
		"A business validation error has occurred while processing your request",
		f"Business Validation Error: {detail}",
		element,
	)


def period_closed() -> Fault:
	"""6210, as integrators report it (see txns.check_books_open for the sources)."""
	return Fault(
		6210,
		"Account Period Closed",
		"The account period has closed and the account books cannot be updated through the QBO Services API. "
		"Please use the QBO website to make these changes.",
		"TxnDate",
	)


def parse_error(detail: str) -> Fault:
	return Fault(4000, "Error parsing query", f"QueryParserError: {detail}")


def invalid_query(detail: str) -> Fault:
	return Fault(4001, "Invalid query", f"QueryValidationError: {detail}")


def unsupported(detail: str, status: int = 400) -> Fault:
	return Fault(500, "Unsupported Operation", f"Operation {detail} is not supported.", status=status)


def application_error(detail: str = "An application error has occurred.") -> Fault:
	return Fault(10000, "An application error has occurred while processing your request", detail, status=500)


def throttled() -> Fault:
	return Fault(3001, THROTTLE_MESSAGE, THROTTLE_DETAIL, kind=SERVICE, status=429)


def dumps(body: dict) -> bytes:
	return json.dumps(body, separators=(",", ":")).encode()


def throttle_xml(stamp: str) -> bytes:
	return (
		'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
		f'<IntuitResponse xmlns="http://schema.intuit.com/finance/v3" time="{stamp}">'
		'<Fault type="SERVICE"><Error code="3001">'
		f"<Message>{escape(THROTTLE_MESSAGE)}</Message><Detail>{escape(THROTTLE_DETAIL)}</Detail>"
		"</Error></Fault></IntuitResponse>"
	).encode()


def gateway_401(detail: str, stamp: str) -> dict:
	"""The API gateway's 401: lowercase keys, unlike every other QBO fault."""
	return {
		"fault": {
			"error": [{"message": AUTH_MESSAGE, "detail": detail, "code": "3200"}],
			"type": AUTHENTICATION,
		},
		"time": stamp,
	}


def wrong_realm() -> Fault:
	"""A live token used on another company's URL (oauth.WRONG_REALM): Intuit's answer as reproduced in
	intuit/oauth-jsclient#91 (Fault type AuthenticationFault, code 100, HTTP 401)."""
	return Fault(
		100,
		"General Authentication Error",
		"AuthenticationErrorGeneral: SRV-110-Authentication Failure , statusCode: 401",
		kind="AuthenticationFault",
		status=401,
	)
