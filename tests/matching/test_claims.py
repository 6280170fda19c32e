"""A QBO customer that no other ERPNext customer claims (engine/match_claims.py)."""

from qbo_connector.engine.match_claims import UNCLAIMED, credit_unclaimed, unclaimed_bits
from qbo_connector.engine.records import LINK, REVIEW, Candidate, MatchDecision, QBOCustomer

RECORDS = [QBOCustomer(str(i), f"Customer {i}") for i in range(2000)]
# 1,000 of 2,000 QBO customers confidently claimed by one ERPNext customer each
BACKGROUND = [[(i, 1e6)] for i in range(10, 1010)]
BACKGROUND_BEST = [(i, 0.999, 1e6, 1e6 + 1, True) for i in range(10, 1010)]


def _review(odds: float, total: float) -> MatchDecision:
	p = odds / total
	reason = f"same name +14.0, same street +6.5, same postcode and city +8.2 -> {100 * p:.3f}%"
	candidate = Candidate("0", "Customer 0", int(p * 100), reason)
	return MatchDecision("E", REVIEW, "0", int(p * 100), f"needs a person to confirm: {reason}", [candidate])


def _run(decision, found, top, others=()):
	"""Credit `decision` (its candidates `found`, its best `top`) among the background claims and
	`others` (other ERPNext customers' claims)."""
	decisions = [decision, *(MatchDecision(f"X{i}", REVIEW, "", 0, "x", []) for i, _ in enumerate(others))]
	decisions += [MatchDecision(f"B{i}", LINK, "", 99, "x", []) for i in range(len(BACKGROUND))]
	claimed = [found, *others, *BACKGROUND]
	best = [top, *(None for _ in others), *BACKGROUND_BEST]
	credit_unclaimed(decisions, claimed, best, RECORDS, 0.9999)
	return decisions[0]


def test_half_the_qbo_customers_claimed_is_about_one_bit():
	assert 0.9 < unclaimed_bits(BACKGROUND, BACKGROUND_BEST, len(RECORDS)) < 1.0
	assert unclaimed_bits(BACKGROUND[:5], BACKGROUND_BEST[:5], 6) < 0.01  # a small run: next to nothing


def test_an_unclaimed_qbo_customer_carries_a_close_review_to_a_link():
	odds = 6000.0  # 99.983%: short of 99.99% against "no partner in QBO" alone
	d = _run(_review(odds, odds + 1), [(0, odds)], (0, odds / (odds + 1), odds, odds + 1, True))
	assert d.decision == LINK and UNCLAIMED in d.reason and d.reason.endswith("-> 99.99%")
	assert d.candidates[0].reason == d.reason


def test_a_qbo_customer_someone_else_claims_gets_no_credit():
	odds = 6000.0
	other = [(0, 3.0)]  # another ERPNext customer claims QBO customer 0 too
	d = _run(_review(odds, odds + 1), [(0, odds)], (0, odds / (odds + 1), odds, odds + 1, True), [other])
	assert d.decision == REVIEW


def _with_housemate(odds: float, housemate: float) -> MatchDecision:
	total = 1.0 + odds + housemate
	return _run(_review(odds, total), [(0, odds), (1, housemate)], (0, odds / total, odds, total, True))


def test_an_unclaimed_housemate_gets_the_same_credit():
	"""The second candidate (a housemate nobody claims either) gets the credit too: only "no partner in
	QBO" loses. A housemate at odds 0.1 keeps 99.99% out of reach (crediting the best alone would
	have linked); a weaker one does not."""
	assert _with_housemate(6000.0, 0.1).decision == REVIEW
	assert _with_housemate(6000.0, 0.01).decision == LINK


def test_no_credit_without_a_clear_margin():
	odds = 6000.0
	d = _run(_review(odds, odds + 1), [(0, odds)], (0, odds / (odds + 1), odds, odds + 1, False))
	assert d.decision == REVIEW
