"""Request and response values passed between the HTTP handler and the route modules."""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from qbo_connector.sandbox import faults


@dataclass
class Request:
	method: str
	path: str
	query: dict[str, str]
	headers: dict[str, str]  # lower-cased names
	body: bytes = b""
	kind: str = "other"  # set by the routes, for the log and for scripted faults
	realm: str = ""
	batch_items: int = 0
	replayed: bool = False

	@classmethod
	def build(cls, method: str, target: str, headers, body: bytes) -> Request:
		path, _, raw_query = target.partition("?")
		query = {key: values[0] for key, values in parse_qs(raw_query, keep_blank_values=True).items()}
		lowered = {name.lower(): value for name, value in headers.items()}
		return cls(method.upper(), path, query, lowered, body)

	def param(self, name: str, default: str = "") -> str:
		"""Query parameters match case-insensitively, as Intuit's gateway does."""
		for key, value in self.query.items():
			if key.lower() == name.lower():
				return value
		return default

	def text(self) -> str:
		return self.body.decode("utf-8", errors="replace")

	def json(self):
		try:
			return json.loads(self.body.decode("utf-8") or "null")
		except (UnicodeDecodeError, ValueError) as exc:
			raise faults.invalid_property(f"Unexpected content in the request body: {exc}")

	def form(self) -> dict[str, str]:
		return {key: values[0] for key, values in parse_qs(self.text(), keep_blank_values=True).items()}


@dataclass
class Response:
	status: int
	body: bytes = b""
	content_type: str = "application/json;charset=UTF-8"
	headers: dict[str, str] = field(default_factory=dict)
	drop_after: float | None = None  # real seconds to wait, then close the connection without answering

	@classmethod
	def json(cls, status: int, payload, **headers) -> Response:
		return cls(status, faults.dumps(payload), headers={"intuit_tid": new_tid(), **headers})

	@classmethod
	def html(cls, status: int, text: str, **headers) -> Response:
		return cls(status, text.encode(), "text/html;charset=UTF-8", headers=dict(headers))

	@classmethod
	def redirect(cls, location: str) -> Response:
		return cls(302, b"", "text/plain", headers={"Location": location})


def new_tid() -> str:
	return "1-" + secrets.token_hex(12)
