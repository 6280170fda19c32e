"""The site benchmark's sandbox, in a process of its own: the site's process then holds only the app, so its
CPU time and its peak RSS are the app's, not the sandbox's (which keeps every invoice it is sent). The
benchmark reads the sandbox through its control API (/_sandbox/, sandbox/control.py)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading

import requests


class SandboxProcess:
	"""`python -m qbo_connector.benchmarks.sandbox_process LIMITS TIME_SCALE`, driven over HTTP."""

	def __init__(self, limits: str, time_scale: float):
		self.process = subprocess.Popen(
			[sys.executable, "-m", __name__, limits, str(time_scale)], stdout=subprocess.PIPE, text=True
		)
		info = json.loads(self.process.stdout.readline())
		self.url, self.realm_ids = info["url"], info["realms"]
		self.default_client = (info["client_id"], info["client_secret"])
		self.batches_per_minute = info["batches_per_minute"]

	def control(self, path: str, **params) -> dict:
		response = requests.get(f"{self.url}/_sandbox/{path}", params=params, timeout=600)
		response.raise_for_status()
		return response.json()

	def now(self) -> float:
		"""The sandbox's clock (seconds; it runs `time_scale` times faster than the wall when limits are on)."""
		return self.control("clock")["now"]

	def log_length(self) -> int:
		return self.control("log", since=1 << 40)["next"]

	def log_since(self, index: int) -> list[dict]:
		return self.control("log", since=index)["entries"]

	def dump(self, realm_id: str) -> dict:
		return self.control(f"dump/{realm_id}")

	def stop(self) -> None:
		self.process.terminate()
		self.process.wait(timeout=30)


def serve(limits: str, time_scale: float) -> None:
	from qbo_connector.sandbox import Sandbox

	sandbox = Sandbox(limits=limits, time_scale=time_scale).start()
	client_id, client_secret = sandbox.default_client
	info = {
		"url": sandbox.url,
		"realms": sandbox.realm_ids,
		"client_id": client_id,
		"client_secret": client_secret,
		"batches_per_minute": sandbox.limiter.limits.batches_per_minute,
	}
	print(json.dumps(info), flush=True)
	threading.Event().wait()


if __name__ == "__main__":
	serve(sys.argv[1], float(sys.argv[2]))
