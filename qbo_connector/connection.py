"""The Frappe side of the QuickBooks connection: tokens in Password fields, the refresh lock in Redis,
the OAuth callback, and building an engine client from QuickBooks Settings."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.utils import get_datetime, get_system_timezone, get_url, get_url_to_form, now_datetime

from qbo_connector import constants as c
from qbo_connector.engine import client as qbo
from qbo_connector.engine.errors import NotConnected, QBOError, ReconnectRequired
from qbo_connector.engine.limiter import RateLimiter
from qbo_connector.engine.tokens import TokenSet
from qbo_connector.permissions import require_roles

CALLBACK_PATH = "/api/method/qbo_connector.connection.callback"
TOKEN_FIELDS = ("access_token", "refresh_token")


def get_redirect_uri() -> str:
	return get_url(CALLBACK_PATH)


def get_settings():
	return frappe.get_single(c.SETTINGS)


def build_config(settings=None) -> qbo.ClientConfig:
	settings = settings or get_settings()
	return qbo.ClientConfig(
		client_id=settings.client_id or "",
		client_secret=settings.get_password("client_secret", raise_exception=False) or "",
		redirect_uri=settings.redirect_uri or get_redirect_uri(),
		realm_id=settings.realm_id or "",
		environment=(settings.environment or "Sandbox").lower(),
		base_url=settings.base_url or "",
	)


def _epoch(value) -> float:
	"""A stored Datetime (naive, in the site's time zone, as Frappe shows it) -> the instant it names.
	Not `.timestamp()` on the naive value: that reads it in the machine's zone."""
	if not value:
		return 0.0
	return get_datetime(value).replace(tzinfo=ZoneInfo(get_system_timezone())).timestamp()


def _datetime(epoch: float):
	"""An instant -> a naive Datetime in the site's time zone (the inverse of `_epoch`)."""
	return datetime.fromtimestamp(epoch, tz=ZoneInfo(get_system_timezone())).replace(tzinfo=None)


class SettingsTokenStore:
	"""Tokens live in QuickBooks Settings' Password fields; saves commit at once, because a rotated
	refresh token that is not persisted is a lost connection. The lock is a Redis lock shared by
	every worker of the site."""

	def __init__(self, realm_id: str):
		self.realm_id = realm_id

	def load(self) -> TokenSet:
		settings = get_settings()
		return TokenSet(
			access_token=settings.get_password("access_token", raise_exception=False) or "",
			refresh_token=settings.get_password("refresh_token", raise_exception=False) or "",
			access_expires_at=_epoch(settings.access_token_expires_on),
			refresh_expires_at=_epoch(settings.refresh_token_expires_on),
			hard_expires_at=_epoch(settings.refresh_token_hard_expires_on),
		)

	def save(self, tokens: TokenSet) -> None:
		save_tokens(tokens)
		frappe.db.commit()  # nosemgrep: the rotated refresh token must survive a later rollback

	@contextmanager
	def lock(self):
		key = frappe.cache.make_key(f"qbo:token-refresh:{self.realm_id}")
		with frappe.cache.lock(key, timeout=120, blocking_timeout=120):
			yield


def save_tokens(tokens: TokenSet, **extra) -> None:
	"""Write tokens and expiries to the Single without running its validation (no user action)."""
	settings = get_settings()
	for field in TOKEN_FIELDS:
		settings.set(field, getattr(tokens, field))
	settings.access_token_expires_on = _datetime(tokens.access_expires_at)
	refresh_expiry = tokens.refresh_expiry()
	settings.refresh_token_expires_on = _datetime(refresh_expiry) if refresh_expiry else None
	settings.refresh_token_hard_expires_on = (
		_datetime(tokens.hard_expires_at) if tokens.hard_expires_at else None
	)
	settings.update(extra)
	settings.flags.ignore_validate = True
	settings.flags.ignore_permissions = True
	settings.save()


def build_limiter(realm_id: str) -> RateLimiter:
	from qbo_connector.limits import RedisWindows

	return RateLimiter(realm_id, backend=RedisWindows())


def get_client():
	"""An engine client for the connected realm; raises ReconnectRequired when there is none."""
	settings = get_settings()
	if settings.connection_status != c.CONNECTED or not settings.realm_id:
		raise NotConnected(_("QuickBooks is not connected"), detail="not connected")
	config = build_config(settings)
	try:
		return qbo.QBOClient(
			config, SettingsTokenStore(config.realm_id), limiter=build_limiter(config.realm_id)
		)
	except ReconnectRequired:
		mark_reconnect_required()
		raise


def mark_reconnect_required() -> None:
	"""invalid_grant: pause syncing, keep everything queued, tell the System Managers once."""
	if frappe.db.get_single_value(c.SETTINGS, "connection_status") == c.RECONNECT_REQUIRED:
		return
	frappe.db.set_single_value(c.SETTINGS, "connection_status", c.RECONNECT_REQUIRED)
	recipients = [
		u
		for u in frappe.get_all(
			"Has Role", filters={"role": c.ADMIN_ROLE, "parenttype": "User"}, pluck="parent"
		)
		if u not in ("Administrator", "Guest")
	] or ["Administrator"]
	for user in sorted(set(recipients)):
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": c.SETTINGS,
				"document_name": c.SETTINGS,
				"subject": _("QuickBooks disconnected: click Reconnect in QuickBooks Settings"),
				"email_content": _(
					"QuickBooks refused the stored refresh token. Syncing is paused and nothing queued is lost."
				),
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: the paused state must survive the failing job's rollback


# -- OAuth ---------------------------------------------------------------------------------------
@frappe.whitelist(methods=["POST"])
def get_authorization_url() -> str:
	"""Start Connect: a single-use state for this user, valid ten minutes."""
	require_roles(c.ADMIN_ROLE)
	settings = get_settings()
	if not settings.client_id or not settings.get_password("client_secret", raise_exception=False):
		frappe.throw(_("Enter the Client ID and Client Secret and save before connecting"))
	state = secrets.token_urlsafe(32)
	frappe.cache.set_value(
		c.OAUTH_STATE_KEY, state, user=frappe.session.user, expires_in_sec=c.OAUTH_STATE_TTL
	)
	try:
		return qbo.authorization_url(build_config(settings), state)
	except QBOError as exc:
		frappe.throw(exc.user_message())


@frappe.whitelist(methods=["GET"])
def callback(
	code: str | None = None,
	state: str | None = None,
	realmId: str | None = None,
	error: str | None = None,
	**kwargs,
) -> None:
	"""Intuit redirects here. Login required (Guests are refused by the whitelist), right role,
	single-use state, Intuit's error parameter, then tokens into Password fields and a commit
	(Frappe rolls back GET requests)."""
	require_roles(c.ADMIN_ROLE)
	expected = frappe.cache.get_value(c.OAUTH_STATE_KEY, user=frappe.session.user)
	frappe.cache.delete_value(c.OAUTH_STATE_KEY, user=frappe.session.user)
	if not state or not expected or not secrets.compare_digest(str(state), str(expected)):
		frappe.throw(
			_("This QuickBooks authorization link is invalid or was already used. Click Connect again.")
		)
	if error:
		frappe.throw(_("QuickBooks did not authorize the connection: {0}").format(error))
	if not code or not realmId:
		frappe.throw(_("QuickBooks did not send an authorization code"))
	complete_connection(code, realmId)
	frappe.db.commit()  # nosemgrep: GET requests are rolled back by default
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = get_url_to_form(c.SETTINGS, c.SETTINGS)


def complete_connection(code: str, realm_id: str) -> None:
	settings = get_settings()
	check_same_company(settings, realm_id)
	config = build_config(settings)
	try:
		tokens = qbo.exchange_code(config, code, realm_id)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	save_tokens(
		tokens,
		realm_id=realm_id,
		linked_realm_id=realm_id,
		connection_status=c.CONNECTED,
		connected_by=frappe.session.user,
		connected_on=now_datetime(),
	)
	try:
		company = get_client().company_info()
		frappe.db.set_single_value(c.SETTINGS, "qbo_company_name", company.get("CompanyName", ""))
	except QBOError:
		frappe.db.set_single_value(c.SETTINGS, "qbo_company_name", "")


def link_counts() -> dict[str, int]:
	return {
		"customers": frappe.db.count(c.CUSTOMER, {c.CUSTOMER_QBO_ID: ("is", "set")}),
		"invoices": frappe.db.count(c.SALES_INVOICE, {c.INVOICE_QBO_ID: ("is", "set")}),
	}


def check_same_company(settings, realm_id: str) -> None:
	"""Stored customer and invoice ids are small sequential numbers that mean other records in another
	QuickBooks company: refuse a different company while any link exists."""
	linked = settings.linked_realm_id or settings.realm_id
	if not linked or linked == realm_id:
		return
	counts = link_counts()
	if not counts["customers"] and not counts["invoices"]:
		return
	frappe.throw(
		_(
			"This site is linked to QuickBooks company {0} ({1} customers and {2} invoices carry its ids); "
			"connecting to company {3} would reuse those ids there and post invoices to the wrong "
			"customers. Connect to company {0} again, or first reset every link with Tools > Reset "
			"QuickBooks Links in QuickBooks Settings."
		).format(linked, counts["customers"], counts["invoices"], realm_id),
		title=_("A different QuickBooks company"),
	)


@frappe.whitelist(methods=["GET"])
def get_link_counts() -> dict:
	require_roles(c.ADMIN_ROLE)
	return {**link_counts(), "realm_id": frappe.db.get_single_value(c.SETTINGS, "linked_realm_id") or ""}


@frappe.whitelist(methods=["POST"])
def reset_links(confirm: str = "") -> str:
	"""Forget every link to the current QuickBooks company, so that another one can be connected:
	customer and invoice ids, sync states, the queue and open match reviews are cleared, the connection is
	revoked. QuickBooks itself is not touched. `confirm` must be "RESET"."""
	require_roles(c.ADMIN_ROLE)
	if confirm != "RESET":
		frappe.throw(_("Type RESET to confirm that every QuickBooks link is to be forgotten"))
	counts = link_counts()
	clear_columns(
		c.CUSTOMER,
		(c.CUSTOMER_QBO_ID, c.CUSTOMER_SYNC_STATUS, c.CUSTOMER_MATCH_STATUS, c.CUSTOMER_LAST_ERROR),
	)
	clear_columns(
		c.SALES_INVOICE,
		(
			c.INVOICE_QBO_ID,
			c.INVOICE_DOC_NUMBER,
			c.INVOICE_SYNC_STATUS,
			c.INVOICE_SYNC_TOKEN,
			c.INVOICE_LAST_SYNCED,
			c.INVOICE_LAST_ERROR,
		),
	)
	frappe.db.delete(c.SYNC_QUEUE)
	frappe.db.delete(c.CUSTOMER_MATCH, {"status": c.REVIEW_OPEN})
	if get_settings().connection_status != c.NOT_CONNECTED:
		disconnect()
	frappe.db.set_single_value(
		c.SETTINGS,
		{"realm_id": "", "linked_realm_id": "", "qbo_company_name": "", "last_sync_on": None},
	)
	return _("Forgot {0} customer and {1} invoice links: connect to the new QuickBooks company.").format(
		counts["customers"], counts["invoices"]
	)


def clear_columns(doctype: str, fields: tuple[str, ...]) -> None:
	"""One UPDATE: null the QBO columns of the rows that have an id or a status (fields[0], fields[2])."""
	table = frappe.qb.DocType(doctype)
	query = frappe.qb.update(table)
	for field in fields:
		query = query.set(table[field], None)
	query.where(table[fields[0]].isnotnull() | table[fields[2]].isnotnull()).run()


@frappe.whitelist(methods=["POST"])
def disconnect() -> None:
	"""Revoke the refresh token at Intuit and forget the tokens; queued work stays queued."""
	require_roles(c.ADMIN_ROLE)
	settings = get_settings()
	token = settings.get_password("refresh_token", raise_exception=False)
	if token:
		try:
			qbo.revoke_token(build_config(settings), token)
		except QBOError as exc:
			frappe.msgprint(_("QuickBooks did not confirm the revocation: {0}").format(exc.user_message()))
	save_tokens(TokenSet(), connection_status=c.NOT_CONNECTED, enabled=0)


@frappe.whitelist(methods=["POST"])
def test_connection() -> dict:
	require_roles(c.ADMIN_ROLE)
	try:
		company = get_client().company_info()
	except QBOError as exc:
		frappe.throw(exc.user_message())
	name = company.get("CompanyName", "")
	frappe.db.set_single_value(c.SETTINGS, "qbo_company_name", name)
	return {"company_name": name, "country": company.get("Country", "")}
