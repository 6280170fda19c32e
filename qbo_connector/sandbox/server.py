"""`Sandbox`: the emulator's state, clock, limits and HTTP server in one object."""

from __future__ import annotations

import base64
import hashlib
import socket
import sys
import threading
import time
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from qbo_connector.sandbox import api, connect, control, faults, ops, pages, webhooks
from qbo_connector.sandbox import seed as seeding
from qbo_connector.sandbox.clock import Clock
from qbo_connector.sandbox.limits import Limiter, parse_fault
from qbo_connector.sandbox.oauth import DEFAULT_GRACE, Family, Tokens
from qbo_connector.sandbox.wire import Request, Response


class Handler(BaseHTTPRequestHandler):
	protocol_version = "HTTP/1.1"
	server_version = "QBOSandbox/1.0"
	disable_nagle_algorithm = True  # headers and body leave together: no 40 ms delayed-ACK stalls

	def serve(self) -> None:
		try:
			length = int(self.headers.get("Content-Length") or 0)
		except ValueError:
			length = 0
		body = self.rfile.read(length) if length > 0 else b""
		request = Request.build(self.command, self.path, self.headers, body)
		response = self.server.sandbox.handle(request)
		if response.drop_after is not None:
			time.sleep(response.drop_after)
			self.close_connection = True
			try:
				self.connection.shutdown(socket.SHUT_RDWR)
			except OSError:
				pass
			return
		self.send_response(response.status)
		self.send_header("Content-Type", response.content_type)
		self.send_header("Content-Length", str(len(response.body)))
		for name, value in response.headers.items():
			self.send_header(name, value)
		self.end_headers()
		if self.command != "HEAD":
			self.wfile.write(response.body)

	do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = serve

	def log_message(self, format, *args) -> None:  # quiet; the sandbox keeps its own request log
		pass


class Server(ThreadingHTTPServer):
	daemon_threads = True
	request_queue_size = 128  # the default 5 drops SYNs under bursts: clients then stall for a 1 s retransmit


class Sandbox:
	"""A strict, stateful QuickBooks Online v3 + Intuit OAuth 2.0 emulator. See the package docstring."""

	def __init__(
		self, seed=None, limits: str = "off", time_scale: float = 1.0, host: str = "127.0.0.1", port: int = 0
	):
		self.clock = Clock(time_scale)
		self.limiter = Limiter(self.clock, limits)
		self.tokens = Tokens(self.clock, DEFAULT_GRACE)
		self.lock = threading.RLock()
		self.host, self.port = host, port
		self.request_log: list[dict] = []
		self.internal_errors: list[str] = []
		# Intuit documents that a repeated requestid gets the original response, not whether a fault is an
		# original response worth keeping: both ways are served, and the engine must be right under both.
		self.replay_faults = True
		# Intuit: a requestid "must be unique for all requests for a given company" (blog 2015-04-06 "Request ID
		# update for QuickBooks Online integration"; docs learn-basic-field-definitions#request-id). Whether the
		# answers are remembered per company or per app is not said: "realm" keeps them per company, "app"
		# answers a requestid seen in any company of the app with that first answer. The engine must be right
		# under both (its requestids hash the realm: engine/request_ids.py).
		self.replay_scope = "realm"
		self.replies: dict[str, tuple[int, bytes, str]] = {}  # the "app" scope's cache
		self._seed = seeding.read_seed(seed)
		self.realms = {}
		self._install(self._seed)
		digest = hashlib.sha256(self.default_client[0].encode("utf-8")).digest()
		self.webhooks = webhooks.Webhooks(source="intuit." + base64.b64encode(digest).decode("ascii"))
		self._server: ThreadingHTTPServer | None = None
		self._thread: threading.Thread | None = None

	# -- lifecycle --------------------------------------------------------------------------------
	def start(self) -> Sandbox:
		server = Server((self.host, self.port), Handler)
		server.sandbox = self
		self._server, self.port = server, server.server_address[1]
		self._thread = threading.Thread(
			target=server.serve_forever, args=(0.05,), name="qbo-sandbox", daemon=True
		)
		self._thread.start()
		return self

	def stop(self) -> None:
		if self._server is not None:
			self._server.shutdown()
			self._server.server_close()
			self._server = None

	def __enter__(self) -> Sandbox:
		return self.start()

	def __exit__(self, *exc) -> None:
		self.stop()

	@property
	def url(self) -> str:
		return f"http://{self.host}:{self.port}"

	@property
	def discovery_url(self) -> str:
		return self.url + connect.DISCOVERY_PATHS[0]

	@property
	def api_url_v3(self) -> str:
		return self.url + "/v3"

	@property
	def realm_ids(self) -> list[str]:
		return list(self.realms)

	@property
	def default_client(self) -> tuple[str, str]:
		app = next(iter(self.tokens.apps.values()))
		return app.client_id, app.client_secret

	@property
	def refresh_grace(self) -> float:
		"""Virtual seconds a rotated refresh token keeps working (Intuit: about 24 h)."""
		return self.tokens.grace

	@refresh_grace.setter
	def refresh_grace(self, seconds: float) -> None:
		self.tokens.grace = float(seconds)

	def stamp(self) -> str:
		return self.clock.stamp(millis=True)

	# -- request handling -------------------------------------------------------------------------
	def handle(self, request: Request) -> Response:
		if request.path.startswith(control.PREFIX):
			return self._guard(request, control.route)
		if request.path.startswith(api.PREFIX):
			response = self._guard(request, api.route)
			self.collect_events()
		elif request.path in connect.PATHS:
			response = self._guard(request, connect.route)
		elif request.path.startswith(pages.PREFIX):
			response = self._guard(request, pages.route)
		else:
			response = Response.json(
				404, faults.unsupported(f"{request.method} {request.path}", 404).body(self.stamp())
			)
		self._record(request, response)
		return response

	def _guard(self, request: Request, route) -> Response:
		try:
			return route(self, request)
		except Exception:
			self.internal_errors.append(traceback.format_exc())
			print(self.internal_errors[-1], file=sys.stderr)
			return Response.json(500, faults.application_error().body(self.stamp()))

	def _record(self, request: Request, response: Response) -> None:
		entry = {
			"t": self.clock.now(),
			"method": request.method,
			"path": request.path,
			"realm": request.realm,
			"status": response.status if response.drop_after is None else 0,
			"kind": request.kind,
			"batch_items": request.batch_items,
			"requestid": request.param("requestid"),
			"replayed": request.replayed,
		}
		with self.lock:
			self.request_log.append(entry)

	# -- state ------------------------------------------------------------------------------------
	def _install(self, data: dict) -> None:
		realms, apps = seeding.build(data, self.clock)
		with self.lock:
			self.realms = realms
			self.tokens.apps.clear()
			for app in apps:
				self.tokens.register(app)

	def reset(self, new_seed=None) -> None:
		"""Back to the start seed (or `new_seed`): state, tokens, scripted faults, windows and the log."""
		data = seeding.read_seed(new_seed) if new_seed is not None else self._seed
		self._install(data)
		with self.lock:
			self.replies.clear()
			self.tokens.codes.clear()
			self.tokens.refresh_tokens.clear()
			self.tokens.access_tokens.clear()
			self.limiter.reset()
			self.request_log.clear()
			for realm in self.realms.values():
				realm.events.clear()
		self.webhooks.pending.clear()
		self.webhooks.deliveries.clear()

	def load_seed(self, data) -> None:
		"""Replace the state with another seed (dict or file); tokens of realms that still exist keep working."""
		self._install(seeding.read_seed(data))

	def dump(self, realm_id: str) -> dict:
		with self.lock:
			if realm_id not in self.realms:
				raise KeyError(f"unknown realm {realm_id}")
			return self.realms[realm_id].dump()

	def merge(self, realm_id: str, source_id: str, target_id: str) -> dict:
		with self.lock:
			merged = ops.merge_customers(self.realms[realm_id], source_id, target_id)
			self.realms[realm_id].events.append(("Customer", str(target_id), "merge", str(source_id)))
		self.collect_events()
		return merged

	# -- webhooks (sandbox/webhooks.py) -------------------------------------------------------------
	def configure_webhook(self, **options) -> dict:
		"""url, verifier_token, format (cloudevents/legacy), auto, timeout, entities, sender (tests)."""
		return self.webhooks.configure(**options)

	def collect_events(self) -> None:
		"""Hand the realms' new writes to the webhook; deliver them now while `auto` is on."""
		with self.lock:
			stamp = self.clock.stamp(millis=True)
			for realm in self.realms.values():
				events, realm.events = realm.events, []
				for entity, ident, kind, deleted_id in events:
					operation = webhooks.OPERATIONS[kind]
					self.webhooks.note(
						webhooks.Event(realm.realm_id, entity, ident, operation, stamp, deleted_id)
					)
		if self.webhooks.auto:
			self.webhooks.deliver()

	def deliver_webhooks(self) -> list[dict]:
		self.collect_events()
		return self.webhooks.deliver()

	def info(self) -> dict:
		client_id, client_secret = self.default_client
		return {
			"url": self.url,
			"discovery_url": self.discovery_url,
			"api_url_v3": self.api_url_v3,
			"realms": self.realm_ids,
			"client_id": client_id,
			"client_secret": client_secret,
		}

	# -- tokens -----------------------------------------------------------------------------------
	def issue_tokens(self, realm_id: str) -> dict:
		if realm_id not in self.realms:
			raise KeyError(f"unknown realm {realm_id}")
		with self.lock:
			payload = self.tokens.mint(Family(self.default_client[0], realm_id))
		return {
			key: payload[key]
			for key in ("access_token", "refresh_token", "expires_in", "x_refresh_token_expires_in")
		}

	def expire_access_tokens(self, realm_id: str = "") -> int:
		"""Expire the access tokens of `realm_id` (of every realm when empty)."""
		with self.lock:
			return self.tokens.expire_access_tokens(realm_id)

	def revoke_refresh_tokens(self, realm_id: str = "") -> int:
		"""Revoke the connections to `realm_id` (to every realm when empty), as a disconnect does."""
		with self.lock:
			return self.tokens.revoke_all(realm_id)

	# -- clock, limits, faults, log ----------------------------------------------------------------
	def advance_clock(self, seconds: float) -> float:
		return self.clock.advance(seconds)

	def set_limits(self, mode: str) -> None:
		if mode not in ("off", "intuit"):
			raise ValueError(f"limits must be 'off' or 'intuit', got {mode!r}")
		self.limiter.mode = mode

	def set_time_scale(self, time_scale: float) -> None:
		self.clock.set_scale(float(time_scale))

	def settings(self) -> dict:
		limits = self.limiter.limits
		return {
			"limits": self.limiter.mode,
			"time_scale": self.clock.scale,
			"refresh_grace": self.refresh_grace,
			"throttle_format": self.limiter.throttle_format,
			"latency": self.limiter.latency,
			"replay_faults": self.replay_faults,
			"replay_scope": self.replay_scope,
			"requests_per_minute": limits.requests_per_minute,
			"requests_per_second": limits.requests_per_second,
			"concurrent": limits.concurrent,
			"batches_per_minute": limits.batches_per_minute,
		}

	def configure(self, **options) -> dict:
		"""Change settings at runtime; keys as returned by settings()."""
		unknown = set(options) - set(self.settings())
		if unknown:
			raise ValueError(f"unknown setting(s): {', '.join(sorted(unknown))}")
		if "limits" in options:
			self.set_limits(options["limits"])
		if "time_scale" in options:
			self.set_time_scale(options["time_scale"])
		if "refresh_grace" in options:
			self.refresh_grace = options["refresh_grace"]
		if "throttle_format" in options:
			if options["throttle_format"] not in ("alternate", "json", "xml"):
				raise ValueError("throttle_format must be alternate, json or xml")
			self.limiter.throttle_format = options["throttle_format"]
		if "latency" in options:
			self.limiter.latency = float(options["latency"])
		if "replay_faults" in options:
			self.replay_faults = bool(options["replay_faults"])
		if "replay_scope" in options:
			if options["replay_scope"] not in ("realm", "app"):
				raise ValueError("replay_scope must be realm or app")
			self.replay_scope = options["replay_scope"]
		for name in ("requests_per_minute", "requests_per_second", "concurrent", "batches_per_minute"):
			if name in options:
				setattr(self.limiter.limits, name, int(options[name]))
		return self.settings()

	def script_fault(
		self, fault: str, count: int = 1, path: str = "", kind: str = "", delay=None, after=False, realm=""
	) -> int:
		"""The next `count` matching requests fail: fault is 429, 429xml, 500, 503 or timeout; `realm` limits
		it to that realm's API requests."""
		spec = {"fault": fault, "count": count, "path": path, "kind": kind, "after": after, "realm": realm}
		if delay is not None:
			spec["delay"] = delay
		with self.lock:
			self.limiter.scripted.append(parse_fault(spec))
			return len(self.limiter.scripted)

	def pending_faults(self) -> list[dict]:
		return [vars(fault).copy() for fault in self.limiter.scripted if fault.count > 0]

	def clear_faults(self) -> None:
		self.limiter.scripted = []

	def log_since(self, index: int = 0) -> list[dict]:
		with self.lock:
			return [dict(entry) for entry in self.request_log[index:]]

	def clear_log(self) -> None:
		with self.lock:
			self.request_log.clear()
