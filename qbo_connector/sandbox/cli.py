"""`qbo-connector sandbox`: serve the sandbox in the foreground until Ctrl-C."""

from __future__ import annotations

import sys
import threading

from qbo_connector.sandbox.seed import SeedError


def run(args) -> int:
	from qbo_connector.sandbox.samples import sample_seed
	from qbo_connector.sandbox.server import Sandbox

	try:
		sandbox = Sandbox(
			seed=args.seed or sample_seed(getattr(args, "sample", None) or "us"),
			limits=args.limits,
			time_scale=args.time_scale,
			host=args.host,
			port=args.port,
		)
		sandbox.start()
	except SeedError as exc:
		return fail(f"bad seed: {exc}")
	except OSError as exc:
		return fail(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
	except ValueError as exc:
		return fail(str(exc))
	client_id, client_secret = sandbox.default_client
	print(f"QuickBooks Online sandbox listening on {sandbox.url}")
	print(f"  company:        {next(iter(sandbox.realms.values())).company['CompanyName']}")
	print(
		f"  realm id:       {sandbox.realm_ids[0]}"
		+ (f" (all: {', '.join(sandbox.realm_ids)})" if len(sandbox.realm_ids) > 1 else "")
	)
	print(f"  client id:      {client_id}")
	print(f"  client secret:  {client_secret}")
	print(f"  discovery URL:  {sandbox.discovery_url}")
	print(f"  API base:       {sandbox.api_url_v3}")
	print(f"  limits: {args.limits}, time scale: {args.time_scale}. Ctrl-C to stop.", flush=True)
	try:
		threading.Event().wait()
	except KeyboardInterrupt:
		print("stopping", file=sys.stderr)
	finally:
		sandbox.stop()
	return 0


def fail(message: str) -> int:
	print(f"qbo-connector sandbox: {' '.join(message.split())}", file=sys.stderr)
	return 2
