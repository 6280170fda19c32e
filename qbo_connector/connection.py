"""The Frappe side of the QuickBooks connection: tokens in Password fields, the refresh lock in Redis,
the OAuth callback, and building an engine client from QuickBooks Settings."""

from __future__ import annotations

import secrets
from contextlib import contextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

import frappe
from frappe import _
from frappe.model.document import Document
from frappe.utils import get_datetime, get_system_timezone, get_url, get_url_to_form, now_datetime
from frappe.utils.password import get_decrypted_password

from qbo_connector import constants as c
from qbo_connector.engine import client as qbo
from qbo_connector.engine.errors import NotConnected, QBOError, ReconnectRequired, Transient
from qbo_connector.engine.limiter import PACE, RateLimiter
from qbo_connector.engine.tokens import TokenSet
from qbo_connector.permissions import require_roles, system_managers
from qbo_connector.run_lock import hold

CALLBACK_PATH = "/api/method/qbo_connector.connection.callback"
TOKEN_FIELDS = ("access_token", "refresh_token")
EXPIRY_FIELDS = ["access_token_expires_on", "refresh_token_expires_on", "refresh_token_hard_expires_on"]


def get_redirect_uri() -> str:
	return get_url(CALLBACK_PATH)


def get_settings():
	return frappe.get_single(c.SETTINGS)


def default_company() -> str:
	"""The ERPNext company chosen on QuickBooks Settings: Connect there connects this one."""
	return frappe.db.get_single_value(c.SETTINGS, "company") or ""


def get_company_doc(company: str | None = None):
	"""The QuickBooks Company row of an ERPNext company (the default one when None); created empty
	(Not Connected) when missing."""
	company = company or default_company()
	if not company:
		frappe.throw(_("Choose the ERPNext Company that is synced to QuickBooks"))
	if not frappe.db.exists(c.QBO_COMPANY, company):
		frappe.get_doc(
			{"doctype": c.QBO_COMPANY, "company": company, "connection_status": c.NOT_CONNECTED}
		).insert(ignore_permissions=True)
	return frappe.get_doc(c.QBO_COMPANY, company)


def company_of_realm(realm_id: str) -> str:
	return frappe.db.get_value(c.QBO_COMPANY, {"realm_id": realm_id}, "name") or ""


def connected_companies() -> list[str]:
	return frappe.get_all(
		c.QBO_COMPANY, filters={"connection_status": c.CONNECTED}, pluck="name", order_by="name asc", limit=0
	)


def update_company(company: str, values: dict) -> None:
	"""Plain column update of a QuickBooks Company row, mirrored onto Settings for the default company."""
	frappe.db.set_value(c.QBO_COMPANY, company, values, update_modified=False)
	mirror_settings(company, values)


def mirror_settings(company: str, values: dict) -> None:
	"""QuickBooks Settings shows the default company's connection (read-only), as before companies."""
	mirrored = {k: v for k, v in values.items() if k in c.MIRRORED_FIELDS}
	if mirrored and company == default_company():
		frappe.db.set_single_value(c.SETTINGS, mirrored)


APP_FIELDS = ["client_id", "redirect_uri", "environment", "base_url", "realm_id"]


def build_config(settings=None, realm_id: str | None = None) -> qbo.ClientConfig:
	"""The Intuit app (Settings: read field by field when not given, two queries instead of the document
	with its mapping tables) and, when given, the realm of one company."""
	if settings is None:
		settings = frappe._dict(frappe.db.get_value(c.SETTINGS, None, APP_FIELDS, as_dict=True) or {})
	if isinstance(settings, Document):  # a form being saved: its secret may not be stored yet
		secret = settings.get_password("client_secret", raise_exception=False)
	else:  # read, or a run's context (company_settings), which holds the Settings' values
		secret = get_decrypted_password(c.SETTINGS, c.SETTINGS, "client_secret", raise_exception=False)
	return qbo.ClientConfig(
		client_id=settings.client_id or "",
		client_secret=secret or "",
		redirect_uri=settings.redirect_uri or get_redirect_uri(),
		realm_id=realm_id if realm_id is not None else (settings.get("realm_id") or ""),
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


class CompanyTokenStore:
	"""Tokens live in the company's QuickBooks Company Password fields; saves commit at once, because a
	rotated refresh token that is not persisted is a lost connection. The lock is a Redis lock per
	realm shared by every worker of the site."""

	def __init__(self, realm_id: str, company: str | None = None):
		self.realm_id = realm_id
		self.company = company or company_of_realm(realm_id) or default_company()
		self._read: TokenSet | None = None

	def load(self) -> TokenSet:
		"""The tokens as last read (three queries the first time): a run's calls reuse them; the refresh
		decision re-reads them under the lock (`lock`), and `save` keeps what it wrote."""
		if self._read is None:
			row = frappe.db.get_value(c.QBO_COMPANY, self.company, EXPIRY_FIELDS, as_dict=True) or {}
			self._read = TokenSet(
				access_token=self._password("access_token"),
				refresh_token=self._password("refresh_token"),
				access_expires_at=_epoch(row.get("access_token_expires_on")),
				refresh_expires_at=_epoch(row.get("refresh_token_expires_on")),
				hard_expires_at=_epoch(row.get("refresh_token_hard_expires_on")),
			)
		return self._read

	def _password(self, field: str) -> str:
		return get_decrypted_password(c.QBO_COMPANY, self.company, field, raise_exception=False) or ""

	def save(self, tokens: TokenSet) -> None:
		save_tokens(tokens, company=self.company)
		frappe.db.commit()  # nosemgrep: the rotated refresh token must survive a later rollback
		self._read = None  # read back as stored (expiries at the precision of a Datetime)

	@contextmanager
	def lock(self):
		"""A refresh killed half-way leaves no lock behind: a lease, taken over at once on this host when
		its holder's process is gone (run_lock.py)."""
		key = frappe.cache.make_key(f"qbo:token-refresh:{self.realm_id}")
		with hold(frappe.cache, key, lease=120, wait=120, on_timeout=refresh_busy):
			self._read = None  # another worker may have refreshed: decide on what is stored now
			yield


SettingsTokenStore = CompanyTokenStore  # the name before companies


def refresh_busy() -> Transient:
	return Transient(_("Another process is renewing the QuickBooks connection; the sync will try again."))


def save_tokens(tokens: TokenSet, company: str | None = None, **extra) -> None:
	"""Write tokens and expiries to the company's row without running its validation (no user action)."""
	doc = get_company_doc(company)
	for field in TOKEN_FIELDS:
		doc.set(field, getattr(tokens, field))
	doc.access_token_expires_on = _datetime(tokens.access_expires_at)
	refresh_expiry = tokens.refresh_expiry()
	doc.refresh_token_expires_on = _datetime(refresh_expiry) if refresh_expiry else None
	doc.refresh_token_hard_expires_on = _datetime(tokens.hard_expires_at) if tokens.hard_expires_at else None
	doc.update(extra)
	doc.flags.ignore_validate = True
	doc.flags.ignore_permissions = True
	doc.save()
	mirror_settings(doc.name, {f: doc.get(f) for f in c.MIRRORED_FIELDS})


def build_limiter(realm_id: str) -> RateLimiter:
	from qbo_connector.limits import RedisWindows

	return RateLimiter(realm_id, backend=RedisWindows(), pace=PACE)


def get_client(company: str | None = None, context=None):
	"""An engine client for the company's realm (the default company when None); raises NotConnected
	when it has none, ReconnectRequired (and marks the company) when Intuit refuses its tokens. A run
	passes its context (company_settings), which holds the connection and the Intuit app already."""
	company = company or default_company()
	row = context or frappe.db.get_value(
		c.QBO_COMPANY, company, ["connection_status", "realm_id"], as_dict=True
	)
	if not row or row.connection_status != c.CONNECTED or not row.realm_id:
		raise NotConnected(_("QuickBooks is not connected"), detail="not connected")
	config = build_config(context, row.realm_id)
	try:
		return qbo.QBOClient(
			config, CompanyTokenStore(config.realm_id, company), limiter=build_limiter(config.realm_id)
		)
	except ReconnectRequired:
		mark_reconnect_required(company)
		raise


def mark_reconnect_required(company: str | None = None) -> None:
	"""invalid_grant: pause this company's syncing (others go on), keep everything queued, tell the
	System Managers once."""
	company = company or default_company()
	if frappe.db.get_value(c.QBO_COMPANY, company, "connection_status") == c.RECONNECT_REQUIRED:
		return
	update_company(company, {"connection_status": c.RECONNECT_REQUIRED})
	is_default = company == default_company()
	for user in system_managers():
		frappe.get_doc(
			{
				"doctype": "Notification Log",
				"for_user": user,
				"type": "Alert",
				"document_type": c.SETTINGS if is_default else c.QBO_COMPANY,
				"document_name": c.SETTINGS if is_default else company,
				"subject": _(
					"QuickBooks disconnected for {0}: click Reconnect in QuickBooks Settings"
				).format(company),
				"email_content": _(
					"QuickBooks refused the stored refresh token. Syncing is paused for this company and "
					"nothing queued is lost."
				),
			}
		).insert(ignore_permissions=True)
	frappe.db.commit()  # nosemgrep: the paused state must survive the failing job's rollback


# -- OAuth ---------------------------------------------------------------------------------------
@frappe.whitelist(methods=["POST"])
def get_authorization_url(company: str | None = None) -> str:
	"""Start Connect for a company (the default one when None): a single-use state for this user, valid
	ten minutes, remembering which company is being connected."""
	require_roles(c.ADMIN_ROLE)
	settings = get_settings()
	if not settings.client_id or not settings.get_password("client_secret", raise_exception=False):
		frappe.throw(_("Enter the Client ID and Client Secret and save before connecting"))
	company = company or default_company()
	if not company or not frappe.db.exists("Company", company):
		frappe.throw(_("Choose the ERPNext Company that is synced to QuickBooks"))
	state = secrets.token_urlsafe(32)
	frappe.cache.set_value(
		c.OAUTH_STATE_KEY, state, user=frappe.session.user, expires_in_sec=c.OAUTH_STATE_TTL
	)
	frappe.cache.set_value(
		c.OAUTH_COMPANY_KEY, company, user=frappe.session.user, expires_in_sec=c.OAUTH_STATE_TTL
	)
	try:
		return qbo.authorization_url(build_config(settings, ""), state)
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
	single-use state, Intuit's error parameter, then tokens into the company's Password fields and a
	commit (Frappe rolls back GET requests). A refusal is a page saying why, with the way back to the
	form, never a traceback."""
	require_roles(c.ADMIN_ROLE)
	expected = frappe.cache.get_value(c.OAUTH_STATE_KEY, user=frappe.session.user)
	company = frappe.cache.get_value(c.OAUTH_COMPANY_KEY, user=frappe.session.user) or default_company()
	frappe.cache.delete_value(c.OAUTH_STATE_KEY, user=frappe.session.user)
	frappe.cache.delete_value(c.OAUTH_COMPANY_KEY, user=frappe.session.user)
	back = (
		get_url_to_form(c.SETTINGS, c.SETTINGS)
		if company == default_company()
		else get_url_to_form(c.QBO_COMPANY, company)
	)
	try:
		if not state or not expected or not secrets.compare_digest(str(state), str(expected)):
			frappe.throw(
				_("This QuickBooks authorization link is invalid or was already used. Click Connect again.")
			)
		if error:
			frappe.throw(_("QuickBooks did not authorize the connection: {0}").format(error))
		if not code or not realmId:
			frappe.throw(_("QuickBooks did not send an authorization code"))
		complete_connection(code, realmId, company)
	except frappe.ValidationError as exc:
		frappe.db.rollback()
		frappe.clear_messages()
		frappe.respond_as_web_page(
			_("QuickBooks not connected"),
			frappe.utils.escape_html(str(exc)),
			http_status_code=400,
			primary_action=back,
			primary_label=_("Back to {0}").format(company or _("QuickBooks Settings")),
		)
		return
	frappe.db.commit()  # nosemgrep: GET requests are rolled back by default
	frappe.local.response["type"] = "redirect"
	frappe.local.response["location"] = back


def complete_connection(code: str, realm_id: str, company: str | None = None) -> None:
	company = company or default_company()
	doc = get_company_doc(company)
	check_realm_free(company, realm_id)
	check_same_company(doc, realm_id)
	config = build_config(get_settings(), realm_id)
	try:
		tokens = qbo.exchange_code(config, code, realm_id)
	except QBOError as exc:
		frappe.throw(exc.user_message())
	save_tokens(
		tokens,
		company=company,
		realm_id=realm_id,
		linked_realm_id=realm_id,
		connection_status=c.CONNECTED,
		connected_by=frappe.session.user,
		connected_on=now_datetime(),
		directory_cursor="",  # a new connection reads QuickBooks' lists whole (the site's copy may be old)
		balance_cursor="",  # and every open balance
	)
	try:
		info = get_client(company).company_info()
		update_company(company, {"qbo_company_name": info.get("CompanyName", "")})
	except QBOError:
		update_company(company, {"qbo_company_name": ""})


def check_realm_free(company: str, realm_id: str) -> None:
	"""One QuickBooks company serves one ERPNext company: its links would otherwise mix two ledgers."""
	other = frappe.get_all(
		c.QBO_COMPANY,
		filters={"name": ("!=", company)},
		or_filters=[["realm_id", "=", realm_id], ["linked_realm_id", "=", realm_id]],
		pluck="name",
		limit=1,
	)
	other = other or frappe.get_all(
		c.LINK, filters={"realm_id": realm_id, "company": ("!=", company)}, pluck="company", limit=1
	)
	if other:
		frappe.throw(
			_(
				"QuickBooks company {0} is already connected to ERPNext company {1}; one QuickBooks "
				"company can be synced to one ERPNext company only."
			).format(realm_id, other[0]),
			title=_("QuickBooks company in use"),
		)


def link_counts(company: str | None = None) -> dict[str, int]:
	from qbo_connector.links import count_links

	return count_links(company or default_company())


def check_same_company(doc, realm_id: str) -> None:
	"""Stored customer and invoice ids are small sequential numbers that mean other records in another
	QuickBooks company: refuse a different realm for a company while any of its links exists."""
	linked = doc.linked_realm_id or doc.realm_id
	if not linked or linked == realm_id:
		return
	counts = link_counts(doc.name)
	if not counts["customers"] and not counts["invoices"] and not counts["payments"]:
		return
	frappe.throw(
		_(
			"{4} is linked to QuickBooks company {0} ({1} customers and {2} invoices carry its ids); "
			"connecting to company {3} would reuse those ids there and post invoices to the wrong "
			"customers. Connect to company {0} again, or first reset every link with Tools > Reset "
			"QuickBooks Links."
		).format(linked, counts["customers"], counts["invoices"], realm_id, doc.name),
		title=_("A different QuickBooks company"),
	)


@frappe.whitelist(methods=["GET"])
def get_link_counts(company: str | None = None) -> dict:
	require_roles(c.ADMIN_ROLE)
	company = company or default_company()
	realm = frappe.db.get_value(c.QBO_COMPANY, company, "linked_realm_id") if company else ""
	return {**link_counts(company), "realm_id": realm or ""}


@frappe.whitelist(methods=["POST"])
def reset_links(confirm: str = "", company: str | None = None) -> str:
	"""Forget every link of one ERPNext company (the default one when None) to its QuickBooks company, so
	that another one can be connected: its links (and their view on the documents), its queue rows and
	open match reviews are cleared, its connection is revoked. QuickBooks itself is not touched and other
	companies are left alone. `confirm` must be "RESET"."""
	from qbo_connector.links import delete_links

	require_roles(c.ADMIN_ROLE)
	if confirm != "RESET":
		frappe.throw(_("Type RESET to confirm that every QuickBooks link is to be forgotten"))
	company = company or default_company()
	counts = link_counts(company)
	delete_links(company)
	frappe.db.delete(c.SYNC_QUEUE, {"company": company})
	frappe.db.delete(c.CUSTOMER_MATCH, {"status": c.REVIEW_OPEN, "company": company})
	if frappe.db.get_value(c.QBO_COMPANY, company, "connection_status") not in (None, c.NOT_CONNECTED):
		disconnect(company)
	if frappe.db.exists(c.QBO_COMPANY, company):
		update_company(
			company,
			{
				"realm_id": "",
				"linked_realm_id": "",
				"qbo_company_name": "",
				"last_sync_on": None,
				"cdc_cursor": "",
				"balance_cursor": "",
				"directory_cursor": "",
			},
		)
	return _("Forgot {0} customer and {1} invoice links: connect to the new QuickBooks company.").format(
		counts["customers"], counts["invoices"]
	)


@frappe.whitelist(methods=["POST"])
def disconnect(company: str | None = None) -> None:
	"""Revoke the company's refresh token at Intuit and forget its tokens; queued work stays queued and
	other companies go on. The integration is switched off only when no company is left connected."""
	require_roles(c.ADMIN_ROLE)
	doc = get_company_doc(company)
	token = doc.get_password("refresh_token", raise_exception=False)
	if token:
		try:
			qbo.revoke_token(build_config(get_settings(), doc.realm_id or ""), token)
		except QBOError as exc:
			frappe.msgprint(_("QuickBooks did not confirm the revocation: {0}").format(exc.user_message()))
	save_tokens(TokenSet(), company=doc.name, connection_status=c.NOT_CONNECTED)
	if not connected_companies():
		frappe.db.set_single_value(c.SETTINGS, "enabled", 0)


@frappe.whitelist(methods=["POST"])
def test_connection(company: str | None = None) -> dict:
	require_roles(c.ADMIN_ROLE)
	company = company or default_company()
	try:
		info = get_client(company).company_info()
	except QBOError as exc:
		frappe.throw(exc.user_message())
	name = info.get("CompanyName", "")
	update_company(company, {"qbo_company_name": name})
	return {"company_name": name, "country": info.get("Country", "")}
