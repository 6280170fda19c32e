"""`qbo-connector match`: CSV in, decisions.csv out, exit 2 with one line on bad input."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

from qbo_connector.cli import main

DATA = Path(__file__).parent / "data"
QBO_HEADER = "Id,DisplayName,PrimaryEmailAddr,Active,EntityType\n"


def write(path: Path, text: str, encoding: str = "utf-8") -> str:
	path.write_text(text, encoding=encoding)
	return str(path)


def run_match(erp: str, qbo: str, out: str) -> int:
	return main(["match", "--erpnext", erp, "--qbo", qbo, "--out", out])


def read_out(path) -> list[dict]:
	with open(path, encoding="utf-8", newline="") as handle:
		return list(csv.DictReader(handle))


def test_happy_path_on_the_labelled_set(tmp_path, capsys):
	out = tmp_path / "decisions.csv"
	assert run_match(str(DATA / "erpnext.csv"), str(DATA / "qbo.csv"), str(out)) == 0
	rows = read_out(out)
	assert list(rows[0]) == ["erpnext_id", "decision", "qbo_id", "score", "reason"]
	with open(DATA / "erpnext.csv", encoding="utf-8") as handle:
		assert [r["erpnext_id"] for r in rows] == [r["id"] for r in csv.DictReader(handle)]
	assert all(r["qbo_id"] == "" for r in rows if r["decision"] == "create")
	assert all(r["qbo_id"] for r in rows if r["decision"] in ("link", "review"))
	assert all(0 <= int(r["score"]) <= 100 and r["reason"] for r in rows)
	err = capsys.readouterr().err
	assert "link" in err and "review" in err and "create" in err and " s " in err


def test_bom_whitespace_headers_and_unknown_columns(tmp_path):
	erp = write(
		tmp_path / "erp.csv", "\ufeff id , customer_name ,colour\nE1,Acme Inc,red\nE2,Brand New Co,blue\n"
	)
	qbo = write(tmp_path / "qbo.csv", '\ufeffId , DisplayName,Whatever\n1,"Acme, Inc.",x\n')
	out = tmp_path / "out.csv"
	assert run_match(erp, qbo, str(out)) == 0
	rows = read_out(out)
	assert [r["erpnext_id"] for r in rows] == ["E1", "E2"]
	assert rows[1]["decision"] == "create"


@pytest.mark.parametrize("value", ["false", "FALSE", "0", "no", "No"])
def test_active_values(tmp_path, value):
	erp = write(tmp_path / "erp.csv", "id,customer_name,email\nE1,Acme Inc,a@acme.com\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER + f"1,Acme Inc,a@acme.com,{value},Customer\n")
	out = tmp_path / "out.csv"
	assert run_match(erp, qbo, str(out)) == 0
	assert read_out(out)[0]["decision"] == "review"


@pytest.mark.parametrize("value", ["true", "TRUE", "1", "yes", ""])
def test_active_true_values(tmp_path, value):
	erp = write(tmp_path / "erp.csv", "id,customer_name,email\nE1,Acme Inc,a@acme.com\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER + f"1,Acme Inc,a@acme.com,{value},\n")
	out = tmp_path / "out.csv"
	assert run_match(erp, qbo, str(out)) == 0
	assert read_out(out)[0]["decision"] == "link"


def test_vendor_entity_type_in_any_case(tmp_path):
	erp = write(tmp_path / "erp.csv", "id,customer_name\nE1,Hooli Ltd\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER + "7,Hooli Ltd,,true,VENDOR\n")
	out = tmp_path / "out.csv"
	assert run_match(erp, qbo, str(out)) == 0
	row = read_out(out)[0]
	assert row["decision"] == "create" and "vendor" in row["reason"]


def assert_one_line_exit_2(capsys, code: int, *words: str) -> None:
	err = capsys.readouterr().err
	assert code == 2
	assert len(err.strip().splitlines()) == 1, err
	assert "Traceback" not in err
	for word in words:
		assert word in err


def test_missing_required_column(tmp_path, capsys):
	erp = write(tmp_path / "erp.csv", "id,name\nE1,Acme\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(erp, qbo, str(tmp_path / "o.csv")), "customer_name")


def test_missing_qbo_column(tmp_path, capsys):
	erp = write(tmp_path / "erp.csv", "id,customer_name\nE1,Acme\n")
	qbo = write(tmp_path / "qbo.csv", "Id,Name\n1,Acme\n")
	assert_one_line_exit_2(capsys, run_match(erp, qbo, str(tmp_path / "o.csv")), "DisplayName")


def test_missing_file(tmp_path, capsys):
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	code = run_match(str(tmp_path / "nope.csv"), qbo, str(tmp_path / "o.csv"))
	assert_one_line_exit_2(capsys, code, "nope.csv")


def test_directory(tmp_path, capsys):
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(str(tmp_path), qbo, str(tmp_path / "o.csv")))


def test_not_utf8(tmp_path, capsys):
	erp = tmp_path / "erp.csv"
	erp.write_bytes(b"id,customer_name\nE1,Caf\xe9 \xff\xfe\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(str(erp), qbo, str(tmp_path / "o.csv")), "UTF-8")


def test_binary_file(tmp_path, capsys):
	erp = tmp_path / "erp.csv"
	erp.write_bytes(bytes(range(256)) * 4)
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(str(erp), qbo, str(tmp_path / "o.csv")))


def test_empty_file(tmp_path, capsys):
	erp = write(tmp_path / "erp.csv", "")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(erp, qbo, str(tmp_path / "o.csv")))


def test_unwritable_output(tmp_path, capsys):
	erp = write(tmp_path / "erp.csv", "id,customer_name\nE1,Acme\n")
	qbo = write(tmp_path / "qbo.csv", QBO_HEADER)
	assert_one_line_exit_2(capsys, run_match(erp, qbo, str(tmp_path / "missing-dir" / "o.csv")))


def test_as_a_module(tmp_path):
	out = tmp_path / "decisions.csv"
	args = [
		"match",
		"--erpnext",
		str(DATA / "erpnext.csv"),
		"--qbo",
		str(DATA / "qbo.csv"),
		"--out",
		str(out),
	]
	done = subprocess.run([sys.executable, "-m", "qbo_connector.cli", *args], capture_output=True, text=True)
	assert done.returncode == 0, done.stderr
	assert len(read_out(out)) > 40
