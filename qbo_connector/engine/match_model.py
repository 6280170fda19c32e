"""Fellegi-Sunter model of the matcher: for each field and comparison level, m = P(level | same party)
and u = P(level | different parties). u is counted on random pairs of the run's two directories; m is
estimated by EM on the candidate pairs (u of the blocked pairs free, since blocking makes agreement
likelier). Both are blended with prior counts, so a small directory falls back on sensible defaults.

A pair's match weight is the sum of log2(m/u) over its fields, plus a term-frequency adjustment of the
name (rare names count more than common ones); missing fields add nothing."""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence

from qbo_connector.engine import match_compare as mc
from qbo_connector.engine.match_compare import FIELDS, LEVELS

# Priors per level 1..n (normalised below); the weight of the prior in pseudo-counts.
PRIOR_M = {
	"name": (0.45, 0.2, 0.015, 0.015, 0.08, 0.04, 0.06, 0.02, 0.03, 0.005, 0.06, 0.045),
	"email": (0.8, 0.05, 0.05, 0.1),
	"phone": (0.75, 0.05, 0.05, 0.15),
	"tax id": (0.95, 0.05),
	"address": (0.7, 0.08, 0.08, 0.1, 0.02, 0.01, 0.02),
	"place": (0.55, 0.1, 0.1, 0.04, 0.05, 0.03, 0.08, 0.03, 0.02, 0.04),
	"country": (0.97, 0.03),
}
PRIOR_U = {
	"name": (1e-4, 2e-4, 1e-5, 1e-5, 1e-3, 5e-4, 3e-4, 3e-4, 1e-3, 2e-3, 0.03, 0.9646),
	"email": (1e-5, 1e-4, 1e-4, 0.9998),
	"phone": (1e-5, 1e-4, 1e-4, 0.9998),
	"tax id": (1e-5, 0.99999),
	"address": (1e-5, 1e-3, 2e-3, 0.9, 5e-5, 3e-3, 0.094),
	"place": (2e-3, 1e-3, 0.02, 0.02, 5e-3, 0.1, 0.5, 0.25, 0.101, 1e-3),
	"country": (0.8, 0.2),
}
M_PRIOR_COUNT = 30.0
U_PRIOR_COUNT = 200.0
RANDOM_PAIRS = 20000
EM_ROUNDS = 25
EM_MIN_PAIRS = 200  # fewer candidate pairs than this: m stays at the prior
# Name levels between two records that share a home (address, phone or mailbox) but are two parties:
# a family, flatmates, businesses in one building. Counted on such pairs inside the QBO directory.
# A nickname between housemates is not rare: many are names of their own (John and Jack Jones at one
# address; 1e-4 here linked them on held-out seed 53). A short form no one of the run goes by ("Ron"
# beside "Ronald") is as rare between two housemates as the same name.
PRIOR_HOME = (1e-4, 2e-4, 0.01, 1e-4, 5e-4, 0.02, 2e-4, 2e-4, 0.08, 0.5, 0.1, 0.2886)
HOME_PRIOR_COUNT = 30.0
COMPANY_HOME_FLOOR = 1e-4  # two businesses of one building: names at least this likely at any level
HOME_RATE = 0.05  # prior: other parties sharing one's home, per record
COMPANY_HOME_RATE = 0.01  # prior: other businesses sharing one's building or switchboard (rarely listed)
# "Email similar" (the same mailbox name at another domain, or one edit apart) between two parties of
# the same name: their mailboxes are made of that name. Counted on QBO namesakes, blended with this prior.
NAMESAKE_SIMILAR_EMAIL = 0.02
NAMESAKE_PRIOR_COUNT = 50.0
EMAIL_SIMILAR = 3
_NAMESAKE_LEVELS = (mc.NAME_SAME, mc.NAME_CLOSE, mc.NAME_NICKNAME, mc.NAME_SHORT_FORM)
TF_SHARE = {mc.NAME_SAME: 1.0, mc.NAME_CLOSE: 1.0, mc.NAME_NICKNAME: 1.0, mc.NAME_SHORT_FORM: 1.0}
TF_SHARE[mc.NAME_SIMILAR] = 0.5
TF_SHARE.update(
	dict.fromkeys((mc.NAME_GIVEN_MISSING, mc.NAME_TYPO_LIKELY, mc.NAME_LOOSE, mc.NAME_WORD_DIFFERS), 0.5)
)
TF_SHARE[mc.NAME_OTHER_GIVEN] = 0.5
TF_LIMIT = 8.0  # bits a name's rarity may add or take away
FLOOR = 1e-9

Pattern = tuple[int, ...]
EMAIL, PHONE, TAX, ADDRESS = (FIELDS.index(f) for f in ("email", "phone", "tax id", "address"))


HOME_ADDRESS = (
	1,
	2,
	3,
	5,
	6,
)  # address levels two parties of one home may show (same address, street, number)
HOME_PHONE = (1, 2, 3)
_PERSONAL = ("email", "tax id")  # fields two parties of one home do not share


def shares_home(pattern: Pattern) -> bool:
	"""Could the two be two parties of one home? (street address or number, phone, or a shared mailbox agree)"""
	return pattern[ADDRESS] in HOME_ADDRESS or pattern[PHONE] in HOME_PHONE or pattern[EMAIL] == 2


def _normalised(values: Sequence[float]) -> list[float]:
	total = sum(values)
	return [v / total for v in values]


class Model:
	"""m and u per field and level, and the weights derived from them."""

	def __init__(self):
		self.m = {f: _normalised(PRIOR_M[f]) for f in FIELDS}
		self.u = {f: _normalised(PRIOR_U[f]) for f in FIELDS}
		self.weights: dict[str, list[float]] = {}
		self.share = 0.5  # share of candidate pairs that are matches (EM)
		self.by_chance = 0.0  # share of candidate pairs that only share a blocking key by chance (EM)
		self.home = _normalised(PRIOR_HOME)  # name levels of two parties sharing a home
		self.home_rate = HOME_RATE
		self.company_home_rate = COMPANY_HOME_RATE
		self.home_weights: list[float] = []
		self.company_home_weights: list[float] = []
		self.namesake_similar = NAMESAKE_SIMILAR_EMAIL
		self.namesake_email = 0.0  # the weight of "email similar" when the names agree
		self._u_tallies: dict[str, Counter] = {}
		self._u_count = 0
		self._set_weights()

	def _set_weights(self) -> None:
		self.weights = {
			f: [
				0.0,
				*(
					math.log2(max(m, FLOOR) / max(u, FLOOR))
					for m, u in zip(self.m[f], self.u[f], strict=True)
				),
			]
			for f in FIELDS
		}
		for weights in self.weights.values():  # agreeing exactly is the strongest evidence a field gives
			weights[2:] = [min(w, weights[1]) for w in weights[2:]]
		name = self.weights["name"]
		name[mc.NAME_TYPO_LIKELY] = min(name[mc.NAME_TYPO_LIKELY], name[mc.NAME_CLOSE])
		name[mc.NAME_LOOSE] = min(name[mc.NAME_LOOSE], name[mc.NAME_TYPO_LIKELY])
		similar = self.weights["email"][EMAIL_SIMILAR]
		m_similar = self.m["email"][EMAIL_SIMILAR - 1]
		self.namesake_email = min(similar, math.log2(max(m_similar, FLOOR) / self.namesake_similar))
		given_missing = mc.NAME_GIVEN_MISSING - 1  # as common among a household's records as among matches
		self.home_weights = [
			0.0,
			*(
				0.0 if i == given_missing else math.log2(max(m, FLOOR) / max(h, FLOOR))
				for i, (m, h) in enumerate(zip(self.m["name"], self.home, strict=True))
			),
		]

		# Businesses sharing a building or switchboard are unrelated firms: their names are as alike as any
		# two businesses' (u), not a family's; a name that agrees is strong evidence against "a neighbour".
		self.company_home_weights = [
			0.0,
			*(
				math.log2(max(m, FLOOR) / max(u, COMPANY_HOME_FLOOR))
				for m, u in zip(self.m["name"], self.u["name"], strict=True)
			),
		]

	def weigh(self, pattern: Pattern) -> list[float]:
		weights = [self.weights[f][level] for f, level in zip(FIELDS, pattern, strict=True)]
		if pattern[EMAIL] == EMAIL_SIMILAR and pattern[0] in _NAMESAKE_LEVELS:
			weights[EMAIL] = self.namesake_email
		return weights

	def estimate_namesakes(self, levels: Counter) -> None:
		"""How often two parties of one name (QBO records sharing a name, both with an email) have
		similar mailboxes ("charles.young61@" at two providers): "email similar" is worth only what it
		adds to a name that already agrees."""
		seen = sum(levels.values())
		self.namesake_similar = (levels[EMAIL_SIMILAR] + NAMESAKE_PRIOR_COUNT * NAMESAKE_SIMILAR_EMAIL) / (
			seen + NAMESAKE_PRIOR_COUNT
		)
		self._set_weights()

	# ---------------------------------------------------------------------------------- estimation

	def estimate_u(self, count: int, sample: Callable[[int], Pattern | None]) -> None:
		"""u from `count` random pairs (`sample(i)` compares one, None when it cannot), blended with the prior."""
		tallies = {f: Counter() for f in FIELDS}
		for i in range(count):
			pattern = sample(i)
			if pattern is None:
				continue
			for f, level in zip(FIELDS, pattern, strict=True):
				if level:
					tallies[f][level] += 1
		self.u = {f: _blend(tallies[f], PRIOR_U[f], U_PRIOR_COUNT) for f in FIELDS}
		self._u_tallies, self._u_count = tallies, count
		self._set_weights()

	def correct_u(self, matches: float) -> None:
		"""Random pairs include true matches (about `matches` of the sampled pairs, as many as the EM
		expects): take out what they contribute, m x matches per level, so that "same phone" is not
		credited to chance when it came from the partners the sample happened to draw. A level's count
		never drops below half a pair of what was seen (the sample cannot tell smaller rates apart)."""
		if not self._u_count or matches <= 0:
			return
		corrected = {}
		for f in FIELDS:
			tally = Counter()
			for level, seen in self._u_tallies[f].items():
				tally[level] = max(seen - matches * self.m[f][level - 1], min(seen, 0.5))
			corrected[f] = _blend(tally, PRIOR_U[f], U_PRIOR_COUNT)
		self.u = corrected
		self._set_weights()

	def estimate_home(self, levels: Counter, records: int, firm_pairs: int = 0, firms: int = 0) -> None:
		"""Name levels of pairs of QBO records sharing a home (`levels`), and how many such pairs a record
		has on average, both blended with the prior; the same rate for businesses alone (`firm_pairs`
		pairs of the directory's `firms` businesses share a building or switchboard)."""
		self.home = _blend(levels, PRIOR_HOME, HOME_PRIOR_COUNT)
		pairs = sum(levels.values())
		self.home_rate = (2 * pairs + HOME_RATE * 1000) / (max(records, 0) + 1000)
		self.company_home_rate = (2 * firm_pairs + COMPANY_HOME_RATE * 1000) / (max(firms, 0) + 1000)
		self._set_weights()

	def home_bits(self, pattern: Pattern, company: bool = False) -> float:
		"""The weight of a pair against the hypothesis "another party of the same home": the name's
		level, and what a home does not share (a personal email or tax id that agrees or differs)."""
		bits = (self.company_home_weights if company else self.home_weights)[pattern[0]]
		email, tax = pattern[EMAIL], pattern[TAX]
		if email in (3, 4) or (email == 1 and shares_home(pattern)):
			bits += self.weigh(pattern)[EMAIL]
		if tax:
			bits += self.weights["tax id"][tax]
		return bits

	def estimate_m(self, patterns: Counter, customers: int) -> None:
		"""EM over the candidate pairs' comparison patterns, three kinds of pair: a match, another party
		of the same home (its name levels fixed by `estimate_home`, its address, place and phone agreeing
		as a match's do), a pair that shares one blocking key by chance (`_by_chance`), and any other
		pair (u of blocked pairs, estimated alongside). Without the second kind a family member at the
		same address would be learnt as a match with a typo; without the third, pairs like "name differs,
		same street number, city differs" (the number-and-street key) were taken for matches (tuning seed
		1: m of "name differs" 0.063, true 0.001, now 0.020; "city differs" 0.047 -> 0.011, true 0.010)."""
		if sum(patterns.values()) < EM_MIN_PAIRS:
			return
		items = list(patterns.items())
		m = {f: list(self.m[f]) for f in FIELDS}
		chance = {f: [max(x, FLOOR) for x in self.u[f]] for f in FIELDS}  # random pairs' u, fixed
		u = {f: [max(x, 1e-4) for x in self.u[f]] for f in FIELDS}
		home_names = self.home
		total = sum(patterns.values())
		share, by_chance = 0.3, 0.1
		home_share = min(0.3, self.home_rate * customers / total)  # each customer's housemates are candidates
		# per pattern: its count, _by_chance, whether it may be a home's, its (field, level) where not missing
		rows = [
			(
				count,
				_by_chance(pattern, chance),
				shares_home(pattern),
				[(f, lv) for f, lv in zip(FIELDS, pattern, strict=True) if lv],
			)
			for pattern, count in items
		]
		for _ in range(EM_ROUNDS):
			match_t = {f: Counter() for f in FIELDS}
			other_t = {f: Counter() for f in FIELDS}
			matched = chanced = 0.0
			for count, keyed, homely, present in rows:
				lu = max(1e-6, 1.0 - share - home_share - by_chance)
				lm, lc = share, by_chance * keyed
				lh = home_share if homely else 0.0
				for f, level in present:
					lm *= m[f][level - 1]
					lu *= u[f][level - 1]
					if f == "name":
						lh *= m[f][level - 1] if level == mc.NAME_GIVEN_MISSING else home_names[level - 1]
					else:
						lh *= u[f][level - 1] if f in _PERSONAL else m[f][level - 1]
				whole = lm + lu + lh + lc
				post = lm / whole if whole > 0 else 0.0
				matched += count * post
				chanced += count * (lc / whole if whole > 0 else 0.0)
				as_match, as_other = count * post, count * (lu / whole if whole > 0 else 1.0)
				for f, level in present:
					match_t[f][level] += as_match
					other_t[f][level] += as_other
			share = min(0.95, max(1e-4, matched / total))
			by_chance = min(0.5, max(1e-4, chanced / total))
			m = {f: _blend(match_t[f], PRIOR_M[f], M_PRIOR_COUNT) for f in FIELDS}
			u = {f: _blend(other_t[f], PRIOR_U[f], M_PRIOR_COUNT) for f in FIELDS}
		self.by_chance = by_chance
		self.m, self.share = m, share
		self._set_weights()


_KEYS = {ADDRESS: (1, 2, 3, 5), PHONE: (1, 2, 3), EMAIL: (1, 2, 3)}  # levels a blocking key may force
PLACE = FIELDS.index("place")


def _by_chance(pattern: Pattern, chance: dict[str, list[float]]) -> float:
	"""How likely a non-match that shares one blocking key by chance (a street number and street word,
	a postcode and number, a phone, a mailbox) shows this pattern: the key's field agrees by construction
	(and the postcode with a postcode-and-number key), every other field as in random pairs. Without
	this class, the EM's other non-matches (u fitted under independence, mostly look-alike names) cannot
	explain "name differs, same street number" and hands such pairs to the matches."""
	best = 0.0
	for field, levels in _KEYS.items():
		if pattern[field] not in levels:
			continue
		p = 1.0
		for i, (f, level) in enumerate(zip(FIELDS, pattern, strict=True)):
			if level and i != field and not (field == ADDRESS and i == PLACE and level in (1, 2)):
				p *= chance[f][level - 1]
		best = max(best, p)
	return best


def _blend(tally: Counter, prior: Sequence[float], weight: float) -> list[float]:
	total = sum(tally.values())
	prior = _normalised(prior)
	return [(tally[level] + weight * p) / (total + weight) for level, p in enumerate(prior, start=1)]


def sample_pairs(rng: random.Random, left: int, right: int, count: int) -> list[tuple[int, int]]:
	return [(rng.randrange(left), rng.randrange(right)) for _ in range(count)] if left and right else []


def tf_adjustment(level: int, rarity: float) -> float:
	"""Bits a name's rarity adds at agreeing levels (`rarity`: log2 of the average name's frequency over
	this name's, positive for rare names)."""
	return tf_share(level) * bounded_rarity(rarity)


def tf_share(level: int) -> float:
	return TF_SHARE.get(level, 0.0)


def bounded_rarity(rarity: float) -> float:
	return max(-TF_LIMIT, min(TF_LIMIT, rarity))


def name_rarity(qbo: list, erp: list) -> list[float]:
	"""Per QBO record: log2 of the average name's token frequency over this name's (positive when rare),
	within the bounds `tf_adjustment` keeps."""
	counts = Counter(t for p in (*qbo, *erp) for t in {t for tokens in p.names for t in tokens})
	total = len(qbo) + len(erp) + 1
	logs = [sum(math.log2((counts[t] + 0.5) / total) for t in p.names[0]) if p.names else 0.0 for p in qbo]
	mean = sum(logs) / len(logs) if logs else 0.0
	return [bounded_rarity(mean - value) for value in logs]


def explain(contributions: list[tuple[str, float]], probability: float) -> str:
	"""'same name +9.1, same phone +7.4, city differs -1.2 -> 99.7%'"""
	parts = [f"{label} {bits:+.1f}" for label, bits in contributions if abs(bits) >= 0.05]
	return f"{', '.join(parts) or 'no evidence'} -> {percent(probability)}"


def percent(p: float) -> str:
	"""A probability as a percentage that never rounds up to 100% or down to 0%."""
	if p >= 0.99999:
		return ">99.999%"
	if p < 0.00001:
		return "<0.001%"
	for digits in range(1, 6):
		text = f"{100 * p:.{digits}f}"
		if 0 < float(text) < 100 or digits == 5:
			return text.rstrip("0").rstrip(".") + "%"
	return f"{100 * p:.5f}%"


def label(field: str, level: int) -> str:
	return LEVELS[field][level - 1]
