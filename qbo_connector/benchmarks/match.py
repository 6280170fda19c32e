"""`qbo-connector bench match --seeds 11,12,13 --size 50000`: the matcher on the dirty corpora
(benchmarks/corpora.py, frozen; seeds 1-3 were used for tuning, 11-13 never), printing per corpus and
seed the wrong auto-links, duplicates created (a create where a true partner existed), the review share
and link recall; then time and peak RSS at --size ERPNext persons (about 1.08 x --size QBO records, the
same generator) (0 skips it). The last line is JSON."""

from __future__ import annotations

import json
import resource
import sys
import time
from collections import Counter

from qbo_connector.benchmarks.corpora import businesses, persons
from qbo_connector.benchmarks.match_data import Dataset
from qbo_connector.engine.matching import Matcher
from qbo_connector.engine.records import CREATE, LINK, REVIEW, MatchDecision

SUMMARY = ("wrong_links", "duplicates", "duplicate_share", "review_share", "recall", "seconds")


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


def measure(data: Dataset) -> dict:
	"""Match one corpus; quality against its truth, seconds and peak RSS so far."""
	start = time.perf_counter()
	decisions = Matcher(data.qbo).decide(data.erp)
	stats = score_decisions(data, decisions)
	stats["seconds"] = round(time.perf_counter() - start, 3)
	scale = 1024 * 1024 if sys.platform == "darwin" else 1024
	stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / scale, 1)
	stats["worker_rss_mb"] = round(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / scale, 1)
	return stats


def run(args) -> int:
	"""Quality on the dirty corpora (persons ~5,000, businesses ~530) per seed, then speed at --size."""
	seeds = [int(s) for s in str(args.seeds).split(",") if s.strip()]
	rows = []
	for corpus, make, size in (("persons", persons, 5000), ("businesses", businesses, 530)):
		for seed in seeds:
			stats = measure(make(size, seed))
			rows.append({"corpus": corpus, "seed": seed, **{k: stats[k] for k in SUMMARY}})
			print(
				f"{corpus:10} seed {seed:>3}: {stats['wrong_links']} wrong links, "
				f"duplicates {stats['duplicate_share']:.2%}, review {stats['review_share']:.2%}, "
				f"recall {stats['recall']:.2%} ({stats['seconds']:.2f} s)"
			)
	speed = {}
	if args.size:
		data = persons(args.size, seeds[0] if seeds else 7)
		stats = measure(data)
		speed = {k: stats[k] for k in ("seconds", "peak_rss_mb", "worker_rss_mb", *SUMMARY[:-1])}
		speed["size"] = args.size
		print(
			f"speed: {len(data.erp)} ERPNext x {len(data.qbo)} QBO (persons corpus) in {stats['seconds']:.2f} s, "
			f"peak RSS {stats['peak_rss_mb']:.0f} MB (a worker process at most {stats['worker_rss_mb']:.0f} MB); "
			f"{stats['wrong_links']} wrong links, duplicates {stats['duplicate_share']:.2%}, "
			f"review {stats['review_share']:.2%}, recall {stats['recall']:.2%}"
		)
	print(json.dumps({"quality": rows, "speed": speed}))
	return 0
