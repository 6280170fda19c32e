"""The test control API under /_sandbox/ (JSON in, JSON out). Each route calls the Sandbox method of the
same meaning, so Python tests and HTTP clients drive the sandbox the same way."""

from __future__ import annotations

import json

from qbo_connector.sandbox.faults import Fault
from qbo_connector.sandbox.wire import Request, Response

PREFIX = "/_sandbox/"


def route(sandbox, request: Request) -> Response:
	name = request.path[len(PREFIX) :].strip("/")
	try:
		data = json.loads(request.text() or "{}") if request.method == "POST" else {}
		if not isinstance(data, dict | list):
			raise ValueError("the body must be a JSON object")
		result = call(sandbox, request, name, data)
	except Fault as fault:
		return Response.json(fault.status, fault.body(sandbox.stamp()))
	except (ValueError, TypeError, KeyError) as exc:
		return Response.json(400, {"error": str(exc) or exc.__class__.__name__})
	if result is None:
		return Response.json(404, {"error": f"no control route {request.method} {request.path}"})
	return Response.json(200, result)


def call(sandbox, request: Request, name: str, data):
	get, post = request.method == "GET", request.method == "POST"
	head, _, tail = name.partition("/")
	if get and name == "info":
		return sandbox.info()
	if post and name == "reset":
		sandbox.reset(data.get("seed"))
		return {"ok": True, "realms": sandbox.realm_ids}
	if post and name == "seed":
		sandbox.load_seed(data)
		return {"ok": True, "realms": sandbox.realm_ids}
	if post and name == "faults":
		return {"ok": True, "pending": sandbox.script_fault(**data)}
	if get and name == "faults":
		return {"pending": sandbox.pending_faults()}
	if post and name == "faults/clear":
		sandbox.clear_faults()
		return {"ok": True}
	if post and name == "tokens/expire":
		return {"ok": True, "expired": sandbox.expire_access_tokens(str(data.get("realm") or ""))}
	if post and name == "tokens/revoke":
		return {"ok": True, "revoked": sandbox.revoke_refresh_tokens(str(data.get("realm") or ""))}
	if post and name == "tokens/issue":
		return sandbox.issue_tokens(str(data.get("realm") or sandbox.realm_ids[0]))
	if post and name == "clock/advance":
		return {"ok": True, "now": sandbox.advance_clock(float(data["seconds"]))}
	if get and name == "clock":
		return {"now": sandbox.clock.now(), "stamp": sandbox.stamp(), "time_scale": sandbox.clock.scale}
	if get and name == "log":
		since = int(request.param("since", "0") or 0)
		return {"entries": sandbox.log_since(since), "next": len(sandbox.request_log)}
	if post and name == "log/clear":
		sandbox.clear_log()
		return {"ok": True}
	if get and head == "dump":
		return sandbox.dump(tail or request.param("realm") or sandbox.realm_ids[0])
	if get and name == "settings":
		return sandbox.settings()
	if post and name == "settings":
		return sandbox.configure(**data)
	if post and name == "webhook":
		return sandbox.configure_webhook(**{k: v for k, v in data.items() if k != "sender"})
	if get and name == "webhook":
		return {**sandbox.webhooks.settings(), "deliveries": sandbox.webhooks.deliveries}
	if post and name == "webhook/deliver":
		return {"ok": True, "deliveries": sandbox.deliver_webhooks()}
	if post and name == "merge":
		return sandbox.merge(str(data["realm"]), str(data["from"]), str(data["into"]))
	return None
