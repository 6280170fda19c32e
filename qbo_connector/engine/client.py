"""The one QBO client: python-quickbooks + intuit-oauth behind our own wrapper.

What the wrapper adds to the libraries (see shared research, qbo-api.md section 7):
- environments normalised (`'Sandbox'` would silently give production URLs), or a custom base URL;
- an explicit timeout on every request, token calls included;
- transport faults (429, XML/HTML bodies, 5xx, timeouts) seen before the library parses, and every
  QBO fault turned into our taxonomy by its code (engine/errors.py);
- no implicit refresh: tokens are refreshed only by `refresh_if_needed`, under the store's lock, and the
  rotated refresh token is saved before use;
- payloads are dicts we build ourselves; `requestid` on creates; minorversion 75; pacing by the limiter.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, replace
from urllib.parse import quote

import requests
from intuitlib.client import AuthClient
from intuitlib.enums import Scopes
from intuitlib.exceptions import AuthClientError
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

from qbo_connector.engine.errors import (
	AuthExpired,
	QBOError,
	ReconnectRequired,
	Throttled,
	Transient,
	error_from_code,
	error_from_fault,
)
from qbo_connector.engine.limiter import RateLimiter
from qbo_connector.engine.tokens import HARD_CAP_SECONDS, TokenSet, TokenStore, refresh_if_needed

MINOR_VERSION = 75
DEFAULT_TIMEOUT = (10.0, 60.0)  # connect, read; Intuit aborts requests after 120 s anyway
BATCH_LIMIT = 30
PAGE_SIZE = 1000

ENVIRONMENTS = {
	"production": (
		"https://quickbooks.api.intuit.com/v3",
		"https://developer.intuit.com/.well-known/openid_configuration/",
	),
	"sandbox": (
		"https://sandbox-quickbooks.api.intuit.com/v3",
		"https://developer.intuit.com/.well-known/openid_sandbox_configuration/",
	),
}
XML_CODE = re.compile(r"""code\s*=\s*["']?(\d+)""", re.IGNORECASE)


@dataclass(frozen=True)
class ClientConfig:
	client_id: str
	client_secret: str
	redirect_uri: str
	realm_id: str = ""
	environment: str = "sandbox"  # sandbox / production / custom
	base_url: str = ""  # for "custom": the offline sandbox, e.g. http://127.0.0.1:8765
	timeout: tuple[float, float] = DEFAULT_TIMEOUT

	@property
	def env(self) -> str:
		env = (self.environment or "").strip().lower()
		if env in ("prod", "production"):
			return "production"
		if env in ("sand", "sandbox"):
			return "sandbox"
		if env == "custom":
			if not self.base_url:
				raise ValueError("The Custom environment needs a base URL")
			return "custom"
		raise ValueError(f"Unknown QuickBooks environment {self.environment!r}")

	@property
	def api_url_v3(self) -> str:
		if self.env == "custom":
			return self.base_url.rstrip("/") + "/v3"
		return ENVIRONMENTS[self.env][0]

	@property
	def discovery_url(self) -> str:
		if self.env == "custom":
			return self.base_url.rstrip("/") + "/.well-known/openid_configuration"
		return ENVIRONMENTS[self.env][1]

	@property
	def auth_environment(self) -> str:
		"""What intuit-oauth gets: 'sandbox'/'production' in lower case, or the discovery URL."""
		return self.discovery_url if self.env == "custom" else self.env


class _AuthClient(AuthClient):
	"""intuit-oauth's client (a requests.Session) with a timeout on every call."""

	timeout = DEFAULT_TIMEOUT

	def request(self, method, url, **kwargs):
		kwargs.setdefault("timeout", self.timeout)
		return super().request(method, url, **kwargs)


def build_auth_client(config: ClientConfig) -> _AuthClient:
	"""Construct intuit-oauth's AuthClient; it fetches the discovery document (with our timeout)."""
	_AuthClient.timeout = config.timeout
	try:
		return _AuthClient(
			client_id=config.client_id,
			client_secret=config.client_secret,
			redirect_uri=config.redirect_uri,
			environment=config.auth_environment,
			realm_id=config.realm_id or None,
		)
	except requests.RequestException as exc:
		raise Transient("Could not reach Intuit's OAuth discovery endpoint", detail=type(exc).__name__)
	except AuthClientError as exc:
		raise Transient("Intuit's OAuth discovery endpoint failed", code=exc.status_code)


def authorization_url(config: ClientConfig, state: str) -> str:
	return build_auth_client(config).get_authorization_url([Scopes.ACCOUNTING], state_token=state)


def _token_call(config: ClientConfig, call) -> TokenSet:
	ac = build_auth_client(config)
	try:
		call(ac)
	except AuthClientError as exc:
		body = (exc.content or b"").decode("utf-8", "replace") if isinstance(exc.content, bytes) else str(exc)
		if exc.status_code in (400, 401) and ("invalid_grant" in body or "invalid_client" in body):
			raise ReconnectRequired(
				"Intuit refused the token", code=exc.status_code, detail=_oauth_error(body)
			)
		if exc.status_code == 429 or exc.status_code >= 500:
			raise Transient("Intuit's token endpoint failed", code=exc.status_code)
		raise ReconnectRequired(
			"Intuit refused the token request", code=exc.status_code, detail=_oauth_error(body)
		)
	except requests.RequestException as exc:
		raise Transient("Could not reach Intuit's token endpoint", detail=type(exc).__name__)
	return TokenSet.from_response(ac)


def _oauth_error(body: str) -> str:
	"""Only the error code of an OAuth error body: never echo anything that could hold a token."""
	try:
		return str(json.loads(body).get("error", ""))
	except (ValueError, AttributeError):
		return ""


def exchange_code(config: ClientConfig, code: str, realm_id: str) -> TokenSet:
	"""Authorization code -> tokens. A new authorization starts Intuit's 5-year refresh-token cap."""
	tokens = _token_call(config, lambda ac: ac.get_bearer_token(code, realm_id=realm_id))
	if not tokens.hard_expires_at:
		tokens = replace(tokens, hard_expires_at=time.time() + HARD_CAP_SECONDS)
	return tokens


def refresh_tokens(config: ClientConfig, refresh_token: str) -> TokenSet:
	if not refresh_token:
		raise ReconnectRequired("No refresh token is stored", detail="not connected")
	return _token_call(config, lambda ac: ac.refresh(refresh_token=refresh_token))


def revoke_token(config: ClientConfig, token: str) -> None:
	_token_call(config, lambda ac: ac.revoke(token=token))


class _QuickBooks(QuickBooks):
	"""python-quickbooks' client whose transport is ours: our session, bearer, timeout and fault triage.

	The library still builds URLs, adds minorversion/requestid and parses successful JSON."""

	def bind(self, http: requests.Session, timeout, bearer) -> None:
		self._http = http
		self._timeout = timeout
		self._bearer = bearer  # a callable returning the current access token

	def process_request(self, request_type, url, headers="", params="", data=""):
		headers = dict(headers or {})
		headers["Authorization"] = "Bearer " + self._bearer()
		try:
			response = self._http.request(
				request_type, url, headers=headers, params=params, data=data, timeout=self._timeout
			)
		except requests.Timeout:
			raise Transient("QuickBooks did not answer in time", detail="timeout")
		except requests.RequestException as exc:
			raise Transient("Could not reach QuickBooks", detail=type(exc).__name__)
		triage_response(response)
		return response


def triage_response(response: requests.Response) -> None:
	"""Raise our error for anything that is not a successful JSON answer, before the library parses."""
	status = response.status_code
	body = response.text or ""
	if status == 200 and body.lstrip().startswith("{"):
		return
	if status == 401:
		# the 401 body echoes part of the token: keep none of it
		raise AuthExpired("QuickBooks refused the access token", code=401, detail="HTTP 401")
	data = None
	if body.lstrip().startswith("{"):
		try:
			data = json.loads(body)
		except ValueError:
			data = None
	fault = (data or {}).get("Fault") or (data or {}).get("fault")
	if fault:
		errors = fault.get("Error") or fault.get("error") or [{}]
		raise error_from_fault(errors[0], http_status=status)
	if status == 429:
		found = XML_CODE.search(body)
		raise Throttled("QuickBooks throttled the request", code=found.group(1) if found else 3001)
	if status >= 500 or status == 200:
		raise Transient(
			"QuickBooks answered with an unreadable response", code=status, detail=_first_line(body)
		)
	found = XML_CODE.search(body)
	raise error_from_code(
		int(found.group(1)) if found else 0, "QuickBooks error", _first_line(body), "", status
	)


def _first_line(text: str) -> str:
	return (text or "").strip().splitlines()[0][:300] if (text or "").strip() else ""


def quote_value(value: str) -> str:
	"""A QBO query string literal: backslash-escaped quotes."""
	return "'" + str(value).replace("\\", "\\\\").replace("'", "\\'") + "'"


class QBOClient:
	"""Everything the engine asks of QuickBooks, for one realm."""

	def __init__(
		self,
		config: ClientConfig,
		store: TokenStore,
		limiter: RateLimiter | None = None,
		http: requests.Session | None = None,
	):
		if not config.realm_id:
			raise ValueError("QBOClient needs a realm id: connect to QuickBooks first")
		self.config = config
		self.store = store
		self.limiter = limiter or RateLimiter(config.realm_id)
		self.http = http or requests.Session()
		self.calls = 0
		refresh_if_needed(self.store, self._refresh)
		# The library must never refresh on its own: give it an access token so QuickBooks() does not.
		auth = build_auth_client(config)
		auth.access_token = self.store.load().access_token
		self.qb = _QuickBooks(
			auth_client=auth, company_id=config.realm_id, minorversion=MINOR_VERSION, use_decimal=True
		)
		self.qb.api_url_v3 = config.api_url_v3
		self.qb.bind(self.http, config.timeout, lambda: self.store.load().access_token)

	# -- tokens ---------------------------------------------------------------------------------
	def _refresh(self, refresh_token: str) -> TokenSet:
		return refresh_tokens(self.config, refresh_token)

	def ensure_fresh(self) -> TokenSet:
		return refresh_if_needed(self.store, self._refresh)

	def _call(self, fn, *args, batch: bool = False, **kwargs):
		"""One API call: paced, refreshed once on 401, typed errors out."""
		self.ensure_fresh()
		for attempt in (1, 2):
			used = self.store.load().access_token
			try:
				with self.limiter.slot(batch=batch):
					self.calls += 1
					return fn(*args, **kwargs)
			except Throttled:
				self.limiter.throttled()
				raise
			except AuthExpired:
				if attempt == 2:
					raise
				refresh_if_needed(self.store, self._refresh, force=True, stale_access_token=used)
			except QBOError:
				raise
			except QuickbooksException as exc:  # anything the library raised that we did not triage
				raise error_from_code(int(exc.error_code or 0), exc.message, str(exc.detail or ""))
		raise AssertionError("unreachable")

	def _url(self, path: str) -> str:
		return f"{self.qb.api_url}/company/{self.config.realm_id}/{path}"

	# -- reads ----------------------------------------------------------------------------------
	def query(self, sql: str) -> dict:
		return self._call(self.qb.query, sql).get("QueryResponse", {})

	def query_all(self, entity: str, where: str = "", page_size: int = PAGE_SIZE) -> list[dict]:
		"""Every row, paged 1000 at a time."""
		rows: list[dict] = []
		start = 1
		clause = f" WHERE {where}" if where else ""
		while True:
			page = self.query(
				f"SELECT * FROM {entity}{clause} STARTPOSITION {start} MAXRESULTS {page_size}"
			).get(entity, [])
			rows.extend(page)
			if len(page) < page_size:
				return rows
			start += page_size

	def query_in(self, entity: str, field: str, values: Iterable[str], extra: str = "") -> list[dict]:
		"""Rows whose `field` is one of `values`, in chunks that keep the query short."""
		values = list(dict.fromkeys(v for v in values if v))
		rows: list[dict] = []
		for i in range(0, len(values), 100):
			chunk = ", ".join(quote_value(v) for v in values[i : i + 100])
			where = f"{field} IN ({chunk})" + (f" AND {extra}" if extra else "")
			rows.extend(self.query_all(entity, where))
		return rows

	def read(self, entity: str, entity_id: str) -> dict:
		result = self._call(self.qb.get_single_object, entity, entity_id)
		return result.get(entity, result)

	def company_info(self) -> dict:
		return self.read("CompanyInfo", self.config.realm_id)

	def preferences(self) -> dict:
		result = self._call(self.qb.get, self._url("preferences"))
		return result.get("Preferences", result)

	def cdc(self, entities: Iterable[str], changed_since: str) -> dict[str, list[dict]]:
		"""Changed objects per entity since an ISO timestamp with offset."""
		params = {"entities": ",".join(entities), "changedSince": changed_since}
		result = self._call(self.qb.get, self._url("cdc"), params=params)
		changed: dict[str, list[dict]] = {}
		for block in result.get("CDCResponse", []):
			for response in block.get("QueryResponse", []):
				for key, value in response.items():
					if isinstance(value, list):
						changed.setdefault(key, []).extend(value)
		return changed

	# -- writes ---------------------------------------------------------------------------------
	def create(self, entity: str, payload: dict, request_id: str) -> dict:
		result = self._call(self.qb.create_object, entity, json.dumps(payload), request_id=request_id)
		return result.get(entity, result)

	def update(self, entity: str, payload: dict, request_id: str | None = None) -> dict:
		"""Sparse update: payload needs Id and SyncToken; only the given fields change."""
		body = {**payload, "sparse": True}
		result = self._call(self.qb.update_object, entity, json.dumps(body), request_id=request_id)
		return result.get(entity, result)

	def void_invoice(self, invoice_id: str, sync_token: str, request_id: str | None = None) -> dict:
		return self.void("Invoice", invoice_id, sync_token, request_id)

	def void(self, entity: str, entity_id: str, sync_token: str, request_id: str | None = None) -> dict:
		"""Invoice and CreditMemo: `?operation=void`. Payment: a sparse update with `include=void` (Intuit's
		Payment reference, "Void a payment"; python-quickbooks' Payment.void sends the same)."""
		body: dict = {"Id": entity_id, "SyncToken": sync_token}
		params = {"operation": "void"}
		if entity == "Payment":
			body["sparse"] = True
			params = {"operation": "update", "include": "void"}
		url = self._url(entity.lower())
		result = self._call(self.qb.post, url, json.dumps(body), params=params, request_id=request_id)
		return result.get(entity, result)

	def delete(self, entity: str, entity_id: str, sync_token: str, request_id: str | None = None) -> dict:
		"""`?operation=delete` with Id and SyncToken; QuickBooks answers {"status": "Deleted", "Id": ...}."""
		body = json.dumps({"Id": entity_id, "SyncToken": sync_token})
		params = {"operation": "delete"}
		result = self._call(
			self.qb.post, self._url(entity.lower()), body, params=params, request_id=request_id
		)
		return result.get(entity, result)

	def batch(self, items: list[dict], request_id: str | None = None) -> dict[str, dict | QBOError]:
		"""One batch request of at most 30 items, each {"bId", "operation", Entity: payload} or
		{"bId", "Query"}. Returns bId -> the entity dict (or QueryResponse) or the item's QBOError."""
		if not items or len(items) > BATCH_LIMIT:
			raise ValueError(f"A batch holds 1 to {BATCH_LIMIT} items, not {len(items)}")
		body = json.dumps({"BatchItemRequest": items})
		result = self._call(self.qb.post, self._url("batch"), body, request_id=request_id, batch=True)
		outcomes: dict[str, dict | QBOError] = {}
		for response in result.get("BatchItemResponse", []):
			bid = str(response.get("bId", ""))
			fault = response.get("Fault")
			if fault:
				outcomes[bid] = error_from_fault((fault.get("Error") or [{}])[0])
				continue
			value = next((v for k, v in response.items() if k not in ("bId",) and isinstance(v, dict)), {})
			outcomes[bid] = value
		return outcomes

	@staticmethod
	def entity_url(config: ClientConfig, entity: str, entity_id: str) -> str:
		"""A link for users to open the record in the QBO web app (or the offline sandbox)."""
		if config.env == "custom":
			host = config.base_url.rstrip("/")
		else:
			host = (
				"https://app.sandbox.qbo.intuit.com"
				if config.env == "sandbox"
				else "https://app.qbo.intuit.com"
			)
		if entity == "Customer":
			return f"{host}/app/customerdetail?nameId={quote(entity_id)}"
		return f"{host}/app/{entity.lower()}?txnId={quote(entity_id)}"
