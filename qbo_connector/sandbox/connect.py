"""HTTP side of Intuit OAuth: discovery document, consent page, token, revoke, userinfo and JWKS."""

from __future__ import annotations

import html
import json
from urllib.parse import urlencode

from qbo_connector.sandbox.api import scripted_response
from qbo_connector.sandbox.faults import OAuthError
from qbo_connector.sandbox.oauth import ACCOUNTING_SCOPE
from qbo_connector.sandbox.wire import Request, Response

DISCOVERY_PATHS = ("/.well-known/openid_configuration", "/.well-known/openid_configuration/")
AUTHORIZE_PATH = "/connect/oauth2"
TOKEN_PATH = "/oauth2/v1/tokens/bearer"
REVOKE_PATH = "/oauth2/v1/tokens/revoke"
USERINFO_PATH = "/v1/openid_connect/userinfo"
JWKS_PATH = "/op/v1/jwks"
PATHS = (*DISCOVERY_PATHS, AUTHORIZE_PATH, TOKEN_PATH, REVOKE_PATH, USERINFO_PATH, JWKS_PATH)


def route(sandbox, request: Request) -> Response:
	path = request.path
	if path in DISCOVERY_PATHS and request.method == "GET":
		request.kind = "discovery"
		return Response.json(200, discovery(sandbox.url))
	if path == AUTHORIZE_PATH and request.method in ("GET", "POST"):
		request.kind = "authorize"
		return authorize(sandbox, request)
	if path == JWKS_PATH and request.method == "GET":
		request.kind = "jwks"
		return Response.json(200, {"keys": []})
	if path == USERINFO_PATH and request.method == "GET":
		request.kind = "userinfo"
		return userinfo(sandbox, request)
	if path in (TOKEN_PATH, REVOKE_PATH) and request.method == "POST":
		request.kind = "token" if path == TOKEN_PATH else "revoke"
		scripted = sandbox.limiter.take_scripted(path, request.kind)
		if scripted:
			return scripted_response(sandbox, scripted)
		try:
			with sandbox.lock:
				return token(sandbox, request) if path == TOKEN_PATH else revoke(sandbox, request)
		except OAuthError as exc:
			extra = {"WWW-Authenticate": 'Basic realm="Intuit"'} if exc.status == 401 else {}
			return Response.json(exc.status, exc.body(), **extra)
	return Response.json(
		405, {"error": "invalid_request", "error_description": f"{request.method} not allowed"}
	)


def discovery(base: str) -> dict:
	return {
		"issuer": base,
		"authorization_endpoint": base + AUTHORIZE_PATH,
		"token_endpoint": base + TOKEN_PATH,
		"userinfo_endpoint": base + USERINFO_PATH,
		"revocation_endpoint": base + REVOKE_PATH,
		"jwks_uri": base + JWKS_PATH,
		"response_types_supported": ["code"],
		"subject_types_supported": ["public"],
		"id_token_signing_alg_values_supported": ["RS256"],
		"scopes_supported": ["openid", "email", "profile", "address", "phone", ACCOUNTING_SCOPE],
		"token_endpoint_auth_methods_supported": ["client_secret_post", "client_secret_basic"],
		"claims_supported": ["aud", "exp", "iat", "iss", "realmid", "sub"],
	}


def authorize(sandbox, request: Request) -> Response:
	params = request.query if request.method == "GET" else request.form()
	app = sandbox.tokens.apps.get(params.get("client_id", ""))
	redirect_uri = params.get("redirect_uri", "")
	if app is None:
		return error_page(400, "Unknown client_id.")
	if not redirect_uri or not app.allows(redirect_uri):
		return error_page(400, "The redirect_uri is not registered for this app.")
	state = params.get("state", "")

	def back(**values) -> Response:
		joiner = "&" if "?" in redirect_uri else "?"
		return Response.redirect(redirect_uri + joiner + urlencode({**values, "state": state}))

	if not state:
		return error_page(400, "The state parameter is required.")
	if params.get("response_type") != "code":
		return back(error="unsupported_response_type")
	if ACCOUNTING_SCOPE not in params.get("scope", "").split():
		return back(error="invalid_scope")
	if request.method == "GET":
		return consent_page(sandbox, params)
	if params.get("action") != "connect":
		return back(error="access_denied")
	realm_id = params.get("realm_id") or (sandbox.realm_ids[0] if sandbox.realm_ids else "")
	if realm_id not in sandbox.realm_ids:
		return error_page(400, "Choose a company.")
	with sandbox.lock:
		code = sandbox.tokens.issue_code(app, redirect_uri, realm_id)
	return back(code=code, realmId=realm_id)


def consent_page(sandbox, params: dict) -> Response:
	hidden = "".join(
		f'<input type="hidden" name="{name}" value="{html.escape(params.get(name, ""))}">'
		for name in ("client_id", "redirect_uri", "response_type", "scope", "state")
	)
	options = "".join(
		f'<option value="{rid}">{html.escape(sandbox.realms[rid].company.get("CompanyName", rid))} ({rid})</option>'
		for rid in sandbox.realm_ids
	)
	chooser = (
		f'<label for="realm_id">Company</label> <select id="realm_id" name="realm_id">{options}</select>'
		if len(sandbox.realm_ids) > 1
		else f'<input type="hidden" name="realm_id" value="{sandbox.realm_ids[0]}">'
		f"<p>Company: {html.escape(sandbox.realms[sandbox.realm_ids[0]].company.get('CompanyName', ''))}</p>"
	)
	page = (
		"<!doctype html><html><head><title>Connect to QuickBooks (sandbox)</title></head><body>"
		"<h1>Connect your app to QuickBooks</h1>"
		f"<p>The app <b>{html.escape(params.get('client_id', ''))}</b> wants access to your accounting data.</p>"
		f'<form id="consent" method="post" action="{AUTHORIZE_PATH}">{hidden}{chooser}'
		'<button type="submit" id="connect" name="action" value="connect">Connect</button> '
		'<button type="submit" id="cancel" name="action" value="cancel">Cancel</button>'
		"</form></body></html>"
	)
	return Response.html(200, page)


def error_page(status: int, message: str) -> Response:
	return Response.html(
		status, f"<!doctype html><html><body><h1>Error</h1><p>{html.escape(message)}</p></body></html>"
	)


def token(sandbox, request: Request) -> Response:
	app = sandbox.tokens.app_from_basic(request.headers.get("authorization"))
	payload, _realm = sandbox.tokens.exchange(app, request.form())
	return Response.json(200, payload, **{"Cache-Control": "no-store"})


def revoke(sandbox, request: Request) -> Response:
	app = sandbox.tokens.app_from_basic(request.headers.get("authorization"))
	try:
		data = json.loads(request.text() or "{}")
	except ValueError:
		data = request.form()
	if not isinstance(data, dict):
		raise OAuthError("invalid_request", 400, "body must be a JSON object")
	sandbox.tokens.revoke(app, str(data.get("token") or ""))
	return Response(200, b"", "application/json")


def userinfo(sandbox, request: Request) -> Response:
	header = request.headers.get("authorization", "")
	with sandbox.lock:
		found = (
			sandbox.tokens.access_tokens.get(header[7:].strip())
			if header.lower().startswith("bearer ")
			else None
		)
		valid = found is not None and not found.family.revoked and sandbox.clock.now() <= found.expires_at
	if not valid:
		return Response.json(401, {"error": "invalid_token"})
	return Response.json(
		200, {"sub": f"sandbox-user-{found.family.realm_id}", "email": "sandbox@example.invalid"}
	)
