"""The QBO v3 API under /v3/company/{realmId}/: bearer check, throttles, scripted faults, requestid replay and
dispatch to query / read / create / update / delete / void / batch / cdc."""

from __future__ import annotations

import time

from qbo_connector.sandbox import faults, ops, taxservice
from qbo_connector.sandbox.entities import BY_PATH, CANONICAL, SPECS
from qbo_connector.sandbox.limits import ScriptedFault
from qbo_connector.sandbox.oauth import WRONG_REALM
from qbo_connector.sandbox.wire import Request, Response

PREFIX = "/v3/company/"
MAX_BATCH = 30
MAX_REQUEST_ID = 50
WRITE_KINDS = ("create", "update", "delete", "void", "batch")


def route(sandbox, request: Request) -> Response:
	realm_id, _, rest = request.path[len(PREFIX) :].partition("/")
	request.realm = realm_id
	parts = [part for part in rest.split("/") if part]
	request.kind = classify(request, parts)
	scripted = sandbox.limiter.take_scripted(request.path, request.kind, realm_id)
	if scripted and not scripted.after:
		return scripted_response(sandbox, scripted)
	with sandbox.lock:
		problem = sandbox.tokens.check_bearer(request.headers.get("authorization"), realm_id)
	if problem == WRONG_REALM:
		return Response.json(
			401, faults.wrong_realm().body(sandbox.stamp()), **{"WWW-Authenticate": 'Bearer realm="Intuit"'}
		)
	if problem:
		return Response.json(
			401, faults.gateway_401(problem, sandbox.stamp()), **{"WWW-Authenticate": 'Bearer realm="Intuit"'}
		)
	if not sandbox.limiter.enter(realm_id, request.kind == "batch"):
		return throttle_response(sandbox)
	try:
		if sandbox.limiter.latency:
			time.sleep(sandbox.limiter.latency)
		response = execute(sandbox, request, parts)
	finally:
		sandbox.limiter.leave(realm_id)
	return scripted_response(sandbox, scripted) if scripted else response


def classify(request: Request, parts: list[str]) -> str:
	head = parts[0].lower() if parts else ""
	if head in ("query", "batch", "cdc"):
		return head
	if head in ("companyinfo", "preferences") and request.method == "GET":
		return "read"
	if head == "exchangerate" and request.method == "GET" and len(parts) == 1:
		return "read"  # ExchangeRate reference: GET /exchangerate?sourcecurrencycode=EUR
	if head == "taxservice" and request.method == "POST" and parts[1:] and parts[1].lower() == "taxcode":
		return "create"  # TaxService reference: POST /taxservice/taxcode
	if request.method == "GET":
		return "read" if len(parts) == 2 else "unknown"
	if request.method != "POST" or len(parts) != 1:
		return "unknown"
	operation = request.param("operation").lower()
	if operation in ("void", "delete"):
		return operation
	try:
		body = request.json()
	except faults.Fault:
		return "create"
	return "update" if isinstance(body, dict) and body.get("Id") else "create"


def execute(sandbox, request: Request, parts: list[str]) -> Response:
	"""Writes carrying a requestid already seen in this realm (or app: `replay_scope`) get the original
	response, without running again."""
	realm = sandbox.realms.get(request.realm)
	request_id = (
		request.param("requestid") if request.method == "POST" and request.kind in WRITE_KINDS else ""
	)
	replies = sandbox.replies if sandbox.replay_scope == "app" or realm is None else realm.replies
	try:
		if realm is None:
			raise faults.Fault(
				100, "General Authentication Error", f"Unknown realm {request.realm}", status=401
			)
		if len(request_id) > MAX_REQUEST_ID:
			raise faults.business(
				f"You cannot enter more than {MAX_REQUEST_ID} characters in the request_id field. You tried "
				f"entering {request_id[:10]}..., which is {len(request_id)} characters.",
				"requestid",
			)
		with sandbox.lock:
			if request_id in replies:
				request.replayed = True
				status, body, content_type = replies[request_id]
				return Response(status, body, content_type)
			response = dispatch(sandbox, request, realm, parts)
	except faults.Fault as fault:
		response = Response.json(fault.status, fault.body(sandbox.stamp()))
	keep = response.status < 400 or sandbox.replay_faults
	if request_id and realm is not None and len(request_id) <= MAX_REQUEST_ID and keep:
		with sandbox.lock:
			replies[request_id] = (response.status, response.body, response.content_type)
	return response


def dispatch(sandbox, request: Request, realm, parts: list[str]) -> Response:
	stamp = sandbox.stamp()
	head = parts[0].lower() if parts else ""
	if request.kind == "query":
		text = request.param("query") if request.method == "GET" else request.text()
		return Response.json(200, {"QueryResponse": ops.run_query(realm, text), "time": stamp})
	if request.kind == "cdc" and request.method == "GET":
		found = ops.changed_since(
			realm, request.param("entities"), request.param("changedSince"), sandbox.clock.now()
		)
		return Response.json(200, {"CDCResponse": [{"QueryResponse": found}], "time": stamp})
	if request.kind == "batch" and request.method == "POST":
		return Response.json(200, {"BatchItemResponse": run_batch(request, realm), "time": stamp})
	if head == "companyinfo" and request.method == "GET" and parts[1:] == [realm.realm_id]:
		return Response.json(200, {"CompanyInfo": ops.read(realm, "CompanyInfo", ""), "time": stamp})
	if head == "taxservice" and request.kind == "create":
		return Response.json(200, taxservice.create_tax_code(realm, request.json()))
	if head == "exchangerate" and request.method == "GET" and len(parts) == 1:
		rate = ops.read(realm, "ExchangeRate", request.param("sourcecurrencycode"))
		return Response.json(200, {"ExchangeRate": rate, "time": stamp})
	spec = BY_PATH.get(head)
	if spec is None or request.kind == "unknown" or (head == "companyinfo"):
		raise faults.unsupported(f"{request.method} /{'/'.join(parts)}", status=400)
	if request.method == "GET":
		return Response.json(200, {spec.name: ops.read(realm, spec.name, parts[-1]), "time": stamp})
	body = request.json()
	result = write(realm, spec.name, request.kind, body, options_of(request.param("include")))
	return Response.json(200, {spec.name: result, "time": stamp})


def options_of(include: str) -> dict:
	return {
		option.strip().lower(): True
		for option in include.replace("include=", "").split(",")
		if option.strip()
	}


def write(realm, entity: str, operation: str, body, options: dict) -> dict:
	"""One write; a successful one is also remembered for the webhook (sandbox/webhooks.py)."""
	result = apply_write(realm, entity, operation, body, options)
	kind = "void" if operation == "update" and options.get("void") else operation
	realm.events.append((entity, str(result.get("Id") or body.get("Id") or ""), kind, ""))
	return result


def apply_write(realm, entity: str, operation: str, body, options: dict) -> dict:
	if not isinstance(body, dict):
		raise faults.invalid_property(f"the request body for {entity} must be a JSON object")
	if operation == "create":
		return ops.create(realm, entity, body, options)
	if operation == "update" and options.get(
		"void"
	):  # Payment and SalesReceipt: ?operation=update&include=void
		return ops.void(realm, entity, body)
	if operation == "update":
		return ops.update(realm, entity, body, options)
	if operation == "delete":
		return ops.delete(realm, entity, body)
	if operation == "void":
		return ops.void(realm, entity, body)
	raise faults.unsupported(f"{operation} for entity {entity}")


def run_batch(request: Request, realm) -> list[dict]:
	payload = request.json()
	items = payload.get("BatchItemRequest") if isinstance(payload, dict) else None
	if not isinstance(items, list) or not items:
		raise faults.required("BatchItemRequest")
	request.batch_items = len(items)
	if len(items) > MAX_BATCH:
		raise faults.business(
			f"A batch request can carry at most {MAX_BATCH} BatchItemRequest items; this one has {len(items)}.",
			"BatchItemRequest",
		)
	bids = [str(item.get("bId") or "") if isinstance(item, dict) else "" for item in items]
	if not all(bids):
		raise faults.required("bId", "Every BatchItemRequest needs a bId")
	if len(set(bids)) != len(bids):
		raise faults.business("bId values must be unique within a batch request.", "bId")
	out = []
	for bid, item in zip(bids, items, strict=True):
		try:
			out.append({**run_item(realm, item), "bId": bid})
		except faults.Fault as fault:
			out.append({"Fault": fault.fault(), "bId": bid})
	return out


def run_item(realm, item: dict) -> dict:
	if "Query" in item:
		return {"QueryResponse": ops.run_query(realm, str(item["Query"]))}
	names = [key for key in item if key not in ("bId", "operation", "optionsData")]
	if len(names) != 1 or names[0].lower() not in CANONICAL:
		raise faults.invalid_property(f"batch item must carry exactly one entity, got {names}")
	entity = SPECS[CANONICAL[names[0].lower()]].name
	operation = str(item.get("operation") or "").lower()
	if operation not in ("create", "update", "delete", "void"):
		raise faults.unsupported(f"{operation or '(missing)'} in a batch item")
	result = write(realm, entity, operation, item[names[0]], options_of(str(item.get("optionsData") or "")))
	return {entity: result}


def throttle_response(sandbox) -> Response:
	if sandbox.limiter.next_throttle_is_xml():
		return Response(429, faults.throttle_xml(sandbox.stamp()), "application/xml")
	return Response.json(429, faults.throttled().body(sandbox.stamp()))


def scripted_response(sandbox, scripted: ScriptedFault) -> Response:
	if scripted.fault == "429xml":
		return Response(429, faults.throttle_xml(sandbox.stamp()), "application/xml")
	if scripted.fault == "429":
		return Response.json(429, faults.throttled().body(sandbox.stamp()))
	if scripted.fault == "500":
		return Response.json(500, faults.application_error().body(sandbox.stamp()))
	if scripted.fault == "503":
		page = (
			"<html><head><title>503 Service Unavailable</title></head><body>Service Unavailable</body></html>"
		)
		return Response.html(503, page)
	return Response(504, drop_after=scripted.delay)
