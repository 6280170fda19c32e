"""Intuit OAuth 2.0 as the sandbox plays it: registered apps, single-use authorization codes, access tokens
(1 h), rotating refresh tokens with a grace period for the previous one, and revocation by token family."""

from __future__ import annotations

import base64
import secrets
from dataclasses import dataclass, field

from qbo_connector.sandbox.clock import Clock
from qbo_connector.sandbox.faults import OAuthError

ACCOUNTING_SCOPE = "com.intuit.quickbooks.accounting"
ACCESS_TTL = 3600
REFRESH_TTL = 8726400
CODE_TTL = 600
DEFAULT_GRACE = 86400
# check_bearer's answer for a live token of another company. Intuit binds a token to the company consented
# to: a call with "the incorrect token/realm combination" answers HTTP 401, fault code 100 "General
# Authentication Error" (reproduced by Intuit's SDK maintainer, intuit/oauth-jsclient#91, 2020-08-19); the
# error-codes page reads 401 as "the token in use won't work for API calls" (developer.intuit.com/app/
# developer/qbo/docs/develop/troubleshooting/error-codes). See faults.wrong_realm.
WRONG_REALM = "wrong-realm"


@dataclass
class App:
	client_id: str
	client_secret: str
	redirect_uris: list[str] | str = "*"

	def allows(self, redirect_uri: str) -> bool:
		return self.redirect_uris == "*" or redirect_uri in self.redirect_uris


@dataclass
class Family:
	"""One connection (app x realm): every refresh and access token minted from one consent."""

	client_id: str
	realm_id: str
	revoked: bool = False


@dataclass
class RefreshToken:
	family: Family
	expires_at: float
	superseded_at: float | None = None


@dataclass
class AccessToken:
	family: Family
	expires_at: float


@dataclass
class Code:
	client_id: str
	redirect_uri: str
	realm_id: str
	expires_at: float
	used: bool = False


@dataclass
class Tokens:
	clock: Clock
	grace: float = DEFAULT_GRACE
	apps: dict[str, App] = field(default_factory=dict)
	codes: dict[str, Code] = field(default_factory=dict)
	refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
	access_tokens: dict[str, AccessToken] = field(default_factory=dict)

	def register(self, app: App) -> None:
		self.apps[app.client_id] = app

	def app_from_basic(self, header: str | None) -> App:
		"""HTTP Basic client authentication, as the token and revoke endpoints require."""
		if not header or not header.lower().startswith("basic "):
			raise OAuthError("invalid_client", 401, "Client authentication is required")
		try:
			client_id, _, secret = base64.b64decode(header[6:].strip()).decode().partition(":")
		except (ValueError, UnicodeDecodeError):
			raise OAuthError("invalid_client", 401, "Malformed Basic authorization")
		app = self.apps.get(client_id)
		if app is None or not secrets.compare_digest(app.client_secret, secret):
			raise OAuthError("invalid_client", 401, "Unknown client or wrong secret")
		return app

	def issue_code(self, app: App, redirect_uri: str, realm_id: str) -> str:
		code = "AB11" + secrets.token_urlsafe(24)
		self.codes[code] = Code(app.client_id, redirect_uri, realm_id, self.clock.now() + CODE_TTL)
		return code

	def mint(self, family: Family) -> dict:
		now = self.clock.now()
		access = "eyJ" + secrets.token_urlsafe(32)
		refresh = "AB11" + secrets.token_urlsafe(32)
		self.access_tokens[access] = AccessToken(family, now + ACCESS_TTL)
		self.refresh_tokens[refresh] = RefreshToken(family, now + REFRESH_TTL)
		return {
			"token_type": "bearer",
			"access_token": access,
			"refresh_token": refresh,
			"expires_in": ACCESS_TTL,
			"x_refresh_token_expires_in": REFRESH_TTL,
		}

	def exchange(self, app: App, form: dict) -> tuple[dict, str]:
		"""The token endpoint. Returns (token response, realm id)."""
		grant = form.get("grant_type")
		if grant == "authorization_code":
			return self.redeem(app, form.get("code", ""), form.get("redirect_uri", ""))
		if grant == "refresh_token":
			return self.refresh(app, form.get("refresh_token", ""))
		raise OAuthError("unsupported_grant_type", 400, f"grant_type {grant!r} is not supported")

	def redeem(self, app: App, code: str, redirect_uri: str) -> tuple[dict, str]:
		found = self.codes.get(code)
		if found is None or found.used or found.client_id != app.client_id:
			raise OAuthError("invalid_grant", 400, "Invalid or already used authorization code")
		found.used = True
		if self.clock.now() > found.expires_at:
			raise OAuthError("invalid_grant", 400, "Authorization code has expired")
		if redirect_uri != found.redirect_uri:
			raise OAuthError("invalid_grant", 400, "redirect_uri does not match the authorization request")
		return self.mint(Family(app.client_id, found.realm_id)), found.realm_id

	def refresh(self, app: App, token: str) -> tuple[dict, str]:
		found = self.refresh_tokens.get(token)
		now = self.clock.now()
		if found is None or found.family.client_id != app.client_id:
			raise OAuthError("invalid_grant", 400, "Incorrect or invalid refresh token")
		if found.family.revoked or now > found.expires_at:
			raise OAuthError("invalid_grant", 400, "Token has been expired or revoked")
		if found.superseded_at is not None and now > found.superseded_at + self.grace:
			raise OAuthError("invalid_grant", 400, "Incorrect or invalid refresh token")
		if found.superseded_at is None:
			found.superseded_at = now
		return self.mint(found.family), found.family.realm_id

	def revoke(self, app: App, token: str) -> None:
		found = self.refresh_tokens.get(token) or self.access_tokens.get(token)
		if found is not None and found.family.client_id == app.client_id:
			found.family.revoked = True
		elif token:
			raise OAuthError("invalid_request", 400, "Unknown token")
		else:
			raise OAuthError("invalid_request", 400, "token is required")

	def check_bearer(self, header: str | None, realm_id: str) -> str | None:
		"""None when the bearer token may call this realm, WRONG_REALM for a live token of another realm,
		else the gateway's 401 detail."""
		if not header or not header.lower().startswith("bearer "):
			return "Authorization header is missing or is not a Bearer token"
		token = header[7:].strip()
		found = self.access_tokens.get(token)
		if found is None:
			return f"Token invalid: {token[:8]}..."
		if found.family.revoked:
			return f"Token revoked: {token[:8]}..."
		if self.clock.now() > found.expires_at:
			return f"Token expired: {token[:8]}..."
		if found.family.realm_id != realm_id:
			return WRONG_REALM
		return None

	def expire_access_tokens(self, realm_id: str = "") -> int:
		"""Expire the access tokens of one realm (all realms when empty)."""
		now = self.clock.now()
		tokens = [t for t in self.access_tokens.values() if not realm_id or t.family.realm_id == realm_id]
		for token in tokens:
			token.expires_at = min(token.expires_at, now - 1)
		return len(tokens)

	def revoke_all(self, realm_id: str = "") -> int:
		"""Revoke every connection (token family) to one realm (all realms when empty): Intuit's revoke and a
		disconnect from the company end one app x company connection, not the app's other companies."""
		families = {
			id(t.family): t.family
			for t in self.refresh_tokens.values()
			if not realm_id or t.family.realm_id == realm_id
		}
		for family in families.values():
			family.revoked = True
		return len(families)
