"""`qbo-connector bench match --size N --seed S`: match N synthetic ERPNext customers against about N QBO
records and print time, peak memory, link precision/recall against the generator's truth, the share
sent to review, and the speed-up over naive all-pairs rapidfuzz (measured on a sample, extrapolated).
The last line is one JSON object."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter

from rapidfuzz import fuzz, process

from qbo_connector.benchmarks.match_data import Dataset, generate
from qbo_connector.engine.matching import Matcher
from qbo_connector.engine.names import normalize_name
from qbo_connector.engine.records import CREATE, LINK, REVIEW, MatchDecision

NAIVE_SAMPLE = 300


def score_decisions(data: Dataset, decisions: list[MatchDecision]) -> dict:
	"""Precision/recall of link decisions against the truth, and the decision shares."""
	links = [d for d in decisions if d.decision == LINK]
	right = sum(1 for d in links if data.truth.get(d.erpnext_id) == d.qbo_id)
	duplicates = sum(1 for d in decisions if d.decision == CREATE and data.truth.get(d.erpnext_id))
	recalled = sum(1 for d in links if d.erpnext_id in data.linkable and data.truth[d.erpnext_id] == d.qbo_id)
	counts = Counter(d.decision for d in decisions)
	total = max(1, len(decisions))
	return {
		"links": len(links),
		"wrong_links": len(links) - right,
		"precision": round(right / len(links), 4) if links else 1.0,
		"recall": round(recalled / max(1, len(data.linkable)), 4),
		"duplicates": duplicates,
		"duplicate_share": round(duplicates / total, 4),
		"review_share": round(counts[REVIEW] / total, 4),
		"counts": dict(counts),
	}


def time_naive(data: Dataset, sample: int = NAIVE_SAMPLE) -> float:
	"""Seconds naive all-pairs rapidfuzz would take for every ERPNext customer (sample, extrapolated)."""
	choices = [normalize_name(q.display_name) for q in data.qbo]
	queries = [normalize_name(e.customer_name) for e in data.erp[:sample]]
	start = time.perf_counter()
	for query in queries:
		process.extractOne(query, choices, scorer=fuzz.token_sort_ratio, processor=None)
	return (time.perf_counter() - start) * len(data.erp) / max(1, len(queries))


def run(args) -> int:
	size, seed = args.size, args.seed
	started = time.perf_counter()
	data = generate(size, seed)
	generated = time.perf_counter() - started
	print(
		f"generated {len(data.erp)} ERPNext and {len(data.qbo)} QBO records in {generated:.2f} s (seed {seed})"
	)
	start = time.perf_counter()
	matcher = Matcher(data.qbo)
	indexed = time.perf_counter() - start
	decisions = matcher.decide(data.erp)
	seconds = time.perf_counter() - start
	peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
	if sys.platform == "darwin":
		peak_mb /= 1024
	stats = score_decisions(data, decisions)
	print(f"matched in {seconds:.2f} s (index {indexed:.2f} s, decide {seconds - indexed:.2f} s)")
	print(f"peak RSS {peak_mb:.0f} MB")
	print(f"decisions {stats['counts']}")
	print(
		f"links {stats['links']}: precision {stats['precision']:.4f} ({stats['wrong_links']} wrong), "
		f"recall {stats['recall']:.4f} of {len(data.linkable)} linkable; review share {stats['review_share']:.1%}"
	)
	naive = time_naive(data)
	speedup = naive / seconds if seconds else 0.0
	print(
		f"naive all-pairs token_sort_ratio: ~{naive:.0f} s extrapolated from {NAIVE_SAMPLE} rows; speed-up x{speedup:.0f}"
	)
	summary = {
		"size": size,
		"seconds": round(seconds, 3),
		"peak_rss_mb": round(peak_mb, 1),
		"speedup_vs_naive": round(speedup, 1),
		"precision": stats["precision"],
		"recall": stats["recall"],
		"review_share": stats["review_share"],
		"wrong_links": stats["wrong_links"],
	}
	print(json.dumps(summary))
	return 0
