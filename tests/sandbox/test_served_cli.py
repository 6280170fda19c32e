"""The console script itself: `qbo-connector sandbox` in its own process, used by the unmodified
intuit-oauth and python-quickbooks clients through configuration alone."""

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
from quickbooks.objects.customer import Customer

from .test_library_clients import client, connect


def free_port() -> int:
	with socket.socket() as s:
		s.bind(("127.0.0.1", 0))
		return s.getsockname()[1]


@pytest.fixture
def served(monkeypatch):
	monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
	port = free_port()
	script = shutil.which("qbo-connector", path=str(Path(sys.executable).parent)) or shutil.which(
		"qbo-connector"
	)
	process = subprocess.Popen(
		[script, "sandbox", "--port", str(port), "--limits", "intuit"],
		stdout=subprocess.PIPE,
		stderr=subprocess.STDOUT,
		text=True,
	)
	url = f"http://127.0.0.1:{port}"
	for _ in range(100):
		try:
			requests.get(url + "/.well-known/openid_configuration", timeout=1)
			break
		except requests.ConnectionError:
			time.sleep(0.05)
	yield SimpleNamespace(
		url=url,
		discovery_url=url + "/.well-known/openid_configuration",
		api_url_v3=url + "/v3",
		default_client=("sandbox-client-id", "sandbox-client-secret"),
		realm_ids=["9341453050000001"],
	)
	process.terminate()
	process.wait(timeout=10)


def test_console_script_serves_oauth_and_the_api(served):
	ac, realm = connect(served)
	qb = client(served, ac, realm)
	created = Customer()
	created.DisplayName = "Served By The CLI"
	created.save(qb=qb)
	names = [c.DisplayName for c in Customer.filter(DisplayName="Served By The CLI", qb=qb)]
	assert names == ["Served By The CLI"]
	first = ac.refresh_token
	ac.refresh()
	assert ac.refresh_token != first
