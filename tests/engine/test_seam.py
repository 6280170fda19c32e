"""The engine, the sandbox and the CLI never import frappe: importing every one of their modules in a
fresh interpreter leaves `frappe` out of sys.modules."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import qbo_connector

FRAMEWORK_FREE = ("qbo_connector.engine", "qbo_connector.sandbox", "qbo_connector.benchmarks")
FRAPPE_LAYER_SAMPLE = "qbo_connector.queue"


def list_framework_free_modules() -> list[str]:
	root = Path(qbo_connector.__file__).parent
	names = ["qbo_connector", "qbo_connector.cli", "qbo_connector.demo"]
	for package in FRAMEWORK_FREE:
		path = root / package.split(".")[-1]
		names.append(package)
		names.extend(f"{package}.{m.name}" for m in pkgutil.walk_packages([str(path)]))
	return names


def run_imports(modules: list[str]) -> subprocess.CompletedProcess:
	code = (
		"import importlib, sys\n"
		f"for name in {modules!r}:\n"
		"    importlib.import_module(name)\n"
		"print('frappe' in sys.modules, len([m for m in sys.modules if m.startswith('qbo_connector')]))\n"
	)
	return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)


def test_engine_modules_do_not_import_frappe():
	modules = list_framework_free_modules()
	assert any(m.startswith("qbo_connector.engine.client") for m in modules)
	assert any(m.startswith("qbo_connector.sandbox.") for m in modules)
	result = run_imports(modules)
	assert result.returncode == 0, result.stderr
	imported_frappe, count = result.stdout.split()
	assert imported_frappe == "False"
	assert int(count) >= len(modules)


def test_the_check_can_fail_on_a_frappe_module():
	"""The same check on a Frappe-layer module fails (it needs frappe), so the test above is not hollow."""
	result = run_imports([FRAPPE_LAYER_SAMPLE])
	assert result.returncode != 0
	assert "frappe" in result.stderr
