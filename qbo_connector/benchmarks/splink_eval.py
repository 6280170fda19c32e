"""A quick evaluation of splink (issue 12) on one persons corpus, NOT part of the app or its tests.

splink is not a dependency: run it from a separate environment,
	python3 -m venv /tmp/splink && /tmp/splink/bin/pip install splink rapidfuzz
	PYTHONPATH=. /tmp/splink/bin/python qbo_connector/benchmarks/splink_eval.py 1 5000
It gives splink the matcher's own normalisation (profiles: name words, email, phone digits, street
number and words, postcode, city, state), a usual splink model (forename/surname, email, phone,
number, street, postcode, city, state; u by random sampling, m by EM blocked on surname, then on
postcode) and the matcher's decision rule (link at P >= 0.9999 with a 10-bit margin, create below 5%,
inactive or other-currency partners and two claims on one QBO record to review), and prints the
bench's figures. Results are in docs/DESIGN.md."""

import math
import resource
import sys
import time
from collections import defaultdict

from qbo_connector.benchmarks.corpora import persons
from qbo_connector.benchmarks.match import score_decisions
from qbo_connector.engine.match_profile import profile_erp, profile_qbo
from qbo_connector.engine.records import CREATE, LINK, REVIEW, MatchDecision


def main() -> None:
	import duckdb  # splink's environment only (the package's modules import without it)
	import splink.comparison_library as cl
	from splink import DuckDBAPI, Linker, SettingsCreator, block_on

	seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
	size = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
	data = persons(size, seed)
	t0 = time.perf_counter()

	def row(rid, p, source):
		words = p.names[0] if p.names else ()
		return {
			"unique_id": rid,
			"source_dataset": source,
			"first_name": words[0] if len(words) > 1 else None,
			"surname": words[-1] if words else None,
			"email": min(p.emails) if p.emails else None,
			"phone": p.phone or None,
			"number": p.number or None,
			"street": p.street or None,
			"postcode": p.postcode or None,
			"city": p.city or None,
			"state": p.state or None,
		}

	qbo = [q for q in data.qbo if (q.entity_type or "Customer") == "Customer"]
	qprof = {q.id: profile_qbo(q) for q in qbo}
	left = [row(e.id, profile_erp(e), "erp") for e in data.erp]
	right = [row(q.id, qprof[q.id], "qbo") for q in qbo]
	con = duckdb.connect()
	cols = list(left[0])
	for name, rows in (("erp", left), ("qbo", right)):
		con.execute(f"create table {name} (" + ", ".join(f"{c} varchar" for c in cols) + ")")
		con.executemany(
			f"insert into {name} values (" + ",".join("?" * len(cols)) + ")",
			[tuple(r[c] for c in cols) for r in rows],
		)
	db = DuckDBAPI(connection=con)
	settings = SettingsCreator(
		link_type="link_only",
		comparisons=[
			cl.ForenameSurnameComparison("first_name", "surname"),
			cl.EmailComparison("email"),
			cl.LevenshteinAtThresholds("phone", [1]),
			cl.ExactMatch("number"),
			cl.JaroWinklerAtThresholds("street", [0.9]),
			cl.LevenshteinAtThresholds("postcode", [1]),
			cl.JaroWinklerAtThresholds("city", [0.9]),
			cl.ExactMatch("state"),
		],
		blocking_rules_to_generate_predictions=[
			block_on("surname"),
			block_on("first_name", "postcode"),
			block_on("phone"),
			block_on("email"),
			block_on("postcode", "number"),
			block_on("number", "street"),
		],
	)
	linker = Linker([db.register("erp"), db.register("qbo")], settings, log_level=40)
	linker.training.estimate_probability_two_random_records_match(
		[block_on("first_name", "surname", "postcode"), block_on("email")], recall=0.6
	)
	linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
	linker.training.estimate_parameters_using_expectation_maximisation(block_on("surname"))
	linker.training.estimate_parameters_using_expectation_maximisation(block_on("postcode"))
	pred = linker.inference.predict(threshold_match_probability=0.01)
	rows = pred.as_record_list()
	fit_s = time.perf_counter() - t0
	by_erp = defaultdict(list)
	for r in rows:
		erp_id, qbo_id = (
			(r["unique_id_l"], r["unique_id_r"])
			if r["source_dataset_l"] == "erp"
			else (r["unique_id_r"], r["unique_id_l"])
		)
		by_erp[erp_id].append((r["match_weight"], r["match_probability"], qbo_id))
	qrec = {q.id: q for q in qbo}
	decisions, claims = [], defaultdict(list)
	for e in data.erp:
		found = sorted(by_erp.get(e.id, []), reverse=True)
		if not found or found[0][1] < 0.05:
			decisions.append(MatchDecision(e.id, CREATE, "", 0, "", []))
			continue
		w, p, qid = found[0]
		second = found[1][0] if len(found) > 1 else -math.inf
		q = qrec[qid]
		blocked = not q.active or (q.currency and e.currency and q.currency != e.currency)
		d = LINK if p >= 0.9999 and w - second >= 10 and not blocked else REVIEW
		decisions.append(MatchDecision(e.id, d, qid, int(p * 100), "", []))
		claims[qid].append(decisions[-1])
	for group in claims.values():
		if len(group) > 1:
			for d in group:
				if d.decision == LINK:
					d.decision = REVIEW
	stats = score_decisions(data, decisions)
	stats["seconds"] = round(time.perf_counter() - t0, 2)
	stats["fit_predict_seconds"] = round(fit_s, 2)
	stats["pairs_scored"] = len(rows)
	stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
	print(stats)


if __name__ == "__main__":
	main()
