"""Words for what agreed, true to the pair (issue 14, #7): "same name" only when the names are written
alike; otherwise what had to be set aside for them to agree (case and punctuation, the legal suffix, word
order, accents and '&'). A shared mailbox says whether it is a generic one (info@) or one several
customers hold. A review's candidates carry their contact details."""

from __future__ import annotations

import re

from qbo_connector.engine.match_profile import Profile, is_generic_email
from qbo_connector.engine.names import LEGAL_WORDS
from qbo_connector.engine.records import REVIEW, MatchDecision, QBOCustomer, describe_contact

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[^\w\s&]+")

SAME_NAME = "same name"
SAME_APART_FROM_CASE = "same name apart from case or punctuation"
SAME_WITHOUT_LEGAL = "same name after removing the legal suffix"
SAME_OTHER_ORDER = "same name, words in another order"
SAME_NORMALISED = "same name once accents, '&' and abbreviations are normalised"


def _plain(name: str) -> str:
	return _SPACES.sub(" ", _PUNCTUATION.sub("", name.casefold())).strip()


def _without_legal(plain: str) -> list[str]:
	return [w for w in plain.split() if w not in LEGAL_WORDS]


def _how_alike(a: str, b: str) -> int:
	"""0 written alike, 1 apart from case or punctuation, 2 apart from the legal suffix, 3 in another
	word order, 4 only once normalised."""
	if _SPACES.sub(" ", a).strip() == _SPACES.sub(" ", b).strip():
		return 0
	plain_a, plain_b = _plain(a), _plain(b)
	if plain_a == plain_b:
		return 1
	words_a, words_b = _without_legal(plain_a), _without_legal(plain_b)
	if words_a == words_b:
		return 2
	if sorted(words_a) == sorted(words_b):
		return 3
	return 4


_LABELS = (SAME_NAME, SAME_APART_FROM_CASE, SAME_WITHOUT_LEGAL, SAME_OTHER_ORDER, SAME_NORMALISED)


def same_name_label(erp: Profile, qbo: Profile) -> str:
	"""The closest of the pair's written names (a QBO record is also known by its company name and its
	person's name), in words."""
	pairs = [(a, b) for a in erp.written for b in qbo.written if a and b]
	if not pairs:
		return SAME_NAME
	return _LABELS[min(_how_alike(a, b) for a, b in pairs)]


def same_email_label(erp: Profile, qbo: Profile, shared: bool) -> str:
	"""A shared address is weak evidence; say why: a generic mailbox, or one several customers hold."""
	if not shared:
		return "same email"
	common = sorted(erp.emails & qbo.emails)
	generic = [e for e in common if is_generic_email(e)]
	if generic:
		return f"same generic mailbox ({generic[0].split('@', 1)[0]}@)"
	return "same email, also on other customers"


def add_details(decisions: list[MatchDecision], records: list[QBOCustomer], by_id: dict[str, int]) -> None:
	"""A review's candidates carry their email, phone and address: a person compares them with the
	ERPNext customer's (issue 14, #13). Decisions nobody reviews skip the work."""
	for decision in decisions:
		if decision.decision != REVIEW:
			continue
		for candidate in decision.candidates:
			index = by_id.get(candidate.qbo_id)
			candidate.details = describe_contact(records[index]) if index is not None else ""
