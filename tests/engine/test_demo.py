"""`qbo-connector demo` (qbo_connector/demo): exit 0 and its payments-both-ways lines, and its checks: a skipped
import plan, or a payment that never reaches QuickBooks, makes it exit non-zero."""

import json
import re
from types import SimpleNamespace

from qbo_connector import demo
from qbo_connector.demo import payments as demo_payments
from qbo_connector.engine.payment_import import ImportPlan
from qbo_connector.engine.payments import PaymentExporter


def run_demo(capsys, as_json=False):
	code = demo.run(SimpleNamespace(json=as_json))
	return code, capsys.readouterr().out


def test_the_demo_shows_payments_both_ways(capsys):
	code, out = run_demo(capsys)
	assert code == 0, out
	assert re.search(r"sent +ACC-PAY-2026-00001 +1000\.00 -> qbo=\d+ +ACC-SINV-2026-00003 1000\.00\n", out)
	assert re.search(
		r"sent +ACC-PAY-2026-00002 .* ACC-SINV-2026-00001 12529\.10, ACC-SINV-2026-00002 2850", out
	)
	assert "credit    ACC-SINV-2026-00037 800.00 applied to ACC-SINV-2026-00020" in out
	qbo_side = re.search(r"in QBO    payment (\d+) 646\.75 against ACC-SINV-2026-00011", out).group(1)
	notified = re.search(r"webhook   \d+ signed notification\(s\) verified, naming payments ([\d, ]+);", out)
	assert qbo_side in notified.group(1).split(", ")
	assert "a tampered copy refused" in out
	assert f"plans 1 to create: payment {qbo_side} -> a Payment Entry for ACC-SINV-2026-00011 646.75\n" in out
	own = re.search(r"own payments skipped: ([\d, ]+); a rerun plans nothing\n", out).group(1).split(", ")
	assert len(own) == 3 and qbo_side not in own
	assert re.search(
		r"balances  (\d+) of \1 exported invoices: QuickBooks Balance = ERPNext outstanding", out
	)
	assert out.rstrip().endswith("problems                     none")


def test_the_json_report_counts_payments(capsys):
	code, out = run_demo(capsys, as_json=True)
	report = json.loads(out)
	assert code == 0 and report["problems"] == []
	assert report["payments_sent"] == 2 and report["credits_applied"] == 1
	assert report["qbo_payments_planned"] == 1 and report["own_payments_skipped"] == 3
	equal, total = report["balances_equal"].split("/")
	assert equal == total and int(total) > 20


def test_a_skipped_import_plan_fails_the_demo(capsys, monkeypatch):
	monkeypatch.setattr(demo_payments, "plan_payment_import", lambda *args, **kwargs: ImportPlan())
	code, out = run_demo(capsys)
	assert code == 1
	assert "import plan: expected one Payment Entry" in out and "plans 0 to create: nothing" in out


def test_a_payment_that_never_reaches_quickbooks_fails_the_balance_check(capsys, monkeypatch):
	class Dropping(PaymentExporter):
		def export(self, payments, **kwargs):
			return super().export([p for p in payments if p.name != "ACC-PAY-2026-00001"], **kwargs)

	monkeypatch.setattr(demo_payments, "PaymentExporter", Dropping)
	code, out = run_demo(capsys)
	assert code == 1
	assert "ACC-PAY-2026-00001 has no outcome (lost)" in out
	assert "ACC-SINV-2026-00003: QuickBooks balance 2245.21 != ERPNext 1245.21" in out
