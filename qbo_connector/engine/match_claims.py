"""What the run's other ERPNext customers say about a QBO customer: one QBO customer is the partner of
at most one ERPNext customer. Several claim one QBO customer: a link stands only if it still clears the
link threshold against the other claims (`keep_one_to_one`). Nobody else claims it: that is evidence
too (`credit_unclaimed`), since a QBO customer that is someone else's partner (a housemate's, a
namesake's) would often be claimed by that partner in the same run."""

from __future__ import annotations

import math
from collections import Counter, defaultdict

from qbo_connector.engine.match_model import percent
from qbo_connector.engine.records import CREATE, LINK, REVIEW, Candidate, MatchDecision

CONFIDENT = 0.5  # a best candidate this likely counts as found, for the share of claimed QBO customers
MIN_DIRECTORY = 1000  # a smaller directory is not taken as proof that most QBO customers are claimed
OTHER_CLAIM_PRIOR = (0.05, 50.0)  # another claimant beside a partner: prior share and its pseudo-count
NEEDS_A_PERSON = "needs a person to confirm"
UNCLAIMED = "no other ERPNext customer claims it"


def keep_one_to_one(
	decisions: list[MatchDecision], claimed: list[list[tuple[int, float]]], records, p_link: float, skip: str
) -> None:
	"""One QBO customer, one ERPNext customer: when several ERPNext customers claim one QBO customer,
	a link stands only if it still clears the link threshold against the other claims; the others
	go to review, naming who else claims it."""
	claims: defaultdict[str, list[tuple[MatchDecision, float]]] = defaultdict(list)
	for decision, found in zip(decisions, claimed, strict=True):
		if decision.reason == skip:
			continue
		for index, odds in found:
			claims[records[index].id].append((decision, odds))
	for qbo_id, group in claims.items():
		if len(group) < 2:
			continue
		total = 1.0 + sum(odds for _, odds in group)
		ids = [d.erpnext_id for d, _ in group]
		for decision, odds in group:
			if decision.qbo_id != qbo_id or decision.decision == CREATE:
				continue
			others = ", ".join(i for i in ids if i != decision.erpnext_id)
			if decision.decision == LINK and odds / total >= p_link:
				continue
			decision.decision = REVIEW
			decision.reason = f"QBO customer also matches ERPNext {others}: {decision.reason}"


def unclaimed_bits(claimed: list[list[tuple[int, float]]], best: list, qbo_count: int) -> float:
	"""Bits of "no other ERPNext customer claims this QBO customer". If the pair is not a match, the QBO
	customer is someone else's and is claimed by its own partner about as often as QBO customers are
	claimed at all (c: the share with a confident claimant, over at least MIN_DIRECTORY records, so a
	small run counts for little); if it is a match, another claimant beside the partner shows up for a
	share k of the confidently claimed QBO customers (duplicates, housemates, namesakes). The weight
	is log2((1 - k) / (1 - c)), never below 0."""
	claimants = Counter(index for found in claimed for index, _ in found)
	confident = {b[0] for b in best if b is not None and b[1] >= CONFIDENT}
	if not confident:
		return 0.0
	share, weight = OTHER_CLAIM_PRIOR
	k = (sum(1 for j in confident if claimants[j] >= 2) + share * weight) / (len(confident) + weight)
	c = len(confident) / max(qbo_count, MIN_DIRECTORY)
	return max(0.0, math.log2((1.0 - k) / (1.0 - c)))


def credit_unclaimed(
	decisions: list[MatchDecision], claimed: list, best: list, records, p_link: float
) -> None:
	"""A review that waits only for its probability (no blocker, a clear margin over the second
	candidate) becomes a link when its QBO customer is claimed by no other ERPNext customer and that
	evidence (`unclaimed_bits`) carries the probability over the link threshold. The other candidates
	nobody else claims get the same credit, so it only weighs against "no partner in QBO": a housemate
	as unclaimed as the partner keeps the odds between the two as they were."""
	bits = unclaimed_bits(claimed, best, len(records))
	if bits <= 0.0:
		return
	claimants = Counter(index for found in claimed for index, _ in found)
	ratio = 2.0**bits
	for decision, found, top in zip(decisions, claimed, best, strict=True):
		if top is None or decision.decision != REVIEW or not decision.reason.startswith(NEEDS_A_PERSON):
			continue
		index, _, odds, total, clear = top
		if not clear or claimants[index] > (1 if any(j == index for j, _ in found) else 0):
			continue
		# every candidate nobody else claims gets the same credit (the weaker ones, below P_REVIEW, too);
		# only "no partner in QBO" does not
		taken = sum(o for j, o in found if claimants[j] > 1)
		probability = odds * ratio / (1.0 + ratio * (total - 1.0) - (ratio - 1.0) * taken)
		if probability < p_link or records[index].id != decision.qbo_id:
			continue
		head, _, _ = decision.candidates[0].reason.rpartition(" -> ")
		reason = f"{head}, {UNCLAIMED} {bits:+.1f} -> {percent(probability)}"
		score = max(0, min(100, math.floor(probability * 100)))
		decision.decision, decision.reason, decision.score = LINK, reason, score
		first = decision.candidates[0]
		decision.candidates[0] = Candidate(first.qbo_id, first.display_name, score, reason, first.active)
