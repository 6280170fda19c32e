"""`qbo-connector` console script. Each subcommand lives in its own module and is imported lazily,
so `qbo-connector sandbox` never pays for the matcher and vice versa."""

from __future__ import annotations

import argparse
import sys


def build_parser() -> argparse.ArgumentParser:
	parser = argparse.ArgumentParser(
		prog="qbo-connector", description="QuickBooks Online connector for ERPNext"
	)
	sub = parser.add_subparsers(dest="command", required=True)

	sandbox = sub.add_parser("sandbox", help="serve the offline QuickBooks Online sandbox")
	sandbox.add_argument("--host", default="127.0.0.1")
	sandbox.add_argument("--port", type=int, default=8765)
	sandbox.add_argument(
		"--sample",
		choices=["us", "intl", "both"],
		default="us",
		help="sample company served when no --seed is given: us = Larkspur Landscaping & Supply (US, Automated "
		"Sales Tax); intl = Fenwick & Daughters Joinery Ltd (UK VAT, multicurrency GBP/EUR/USD); both = the two "
		"as two realms of one sandbox. Default: us",
	)
	sandbox.add_argument(
		"--seed", help="JSON file with the initial state (realms, customers, items...); replaces --sample"
	)
	sandbox.add_argument("--limits", choices=["intuit", "off"], default="intuit")
	sandbox.add_argument(
		"--time-scale", type=float, default=1.0, help="compress time: 60 makes a minute last 1 s"
	)

	demo = sub.add_parser("demo", help="run the real engine against an in-process sandbox and print a report")
	demo.add_argument("--json", action="store_true", help="print the report as JSON")

	match = sub.add_parser("match", help="preview customer matching from two CSV files")
	match.add_argument("--erpnext", required=True, help="CSV of ERPNext customers")
	match.add_argument("--qbo", required=True, help="CSV of QuickBooks customers/vendors/employees")
	match.add_argument("--out", required=True, help="where to write decisions.csv")

	bench = sub.add_parser("bench", help="benchmarks that print figures")
	bench_sub = bench.add_subparsers(dest="bench_command", required=True)
	bench_match = bench_sub.add_parser("match", help="match N x N synthetic customers")
	bench_match.add_argument("--size", type=int, default=50000, help="speed run size (0: none)")
	bench_match.add_argument("--seeds", default="11,12,13", help="corpus seeds (1-3 were used for tuning)")
	bench_export = bench_sub.add_parser(
		"export", help="export N invoices to the sandbox with Intuit's limits on"
	)
	bench_export.add_argument("--invoices", type=int, default=10000)
	bench_export.add_argument("--time-scale", type=float, default=20.0, help="20 makes a minute last 3 s")
	return parser


def main(argv: list[str] | None = None) -> int:
	args = build_parser().parse_args(argv)
	if args.command == "sandbox":
		from qbo_connector.sandbox.cli import run
	elif args.command == "demo":
		from qbo_connector.demo import run
	elif args.command == "match":
		from qbo_connector.engine.match_cli import run
	elif args.bench_command == "match":
		from qbo_connector.benchmarks.match import run
	else:
		from qbo_connector.benchmarks.export import run
	return run(args)


if __name__ == "__main__":
	sys.exit(main())
