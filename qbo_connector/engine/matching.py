"""Customer matcher: decides for each ERPNext customer whether to link it to an existing QBO customer,
send it to review, or create a new one, by a Fellegi-Sunter model fitted to the run's two directories
(match_model.py). Each decision is a probability explained per field ("same name +9.1, same phone
+7.4, city differs -1.2 -> 99.97%").

Link only when the expected wrong-link rate is at most 1 in 10,000 and the best candidate clearly beats
the others; review in a narrow band; create below. Never-rules stay: vendors and employees are never
candidates; inactive or "(deleted)" records, another currency, a different tax id, a record linked to
someone else or a company's contact person go to review, never to a link; two ERPNext customers never
link to one QBO customer. A pair sharing an address or phone is also weighed against "another party of
the same home" (a family member), so a shared home and surname cannot carry a housemate to a link."""

from __future__ import annotations

import math
import random
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from qbo_connector.engine.match_blocking import Blocker
from qbo_connector.engine.match_claims import credit_unclaimed, keep_one_to_one
from qbo_connector.engine.match_compare import (
	EMAIL_SAME,
	EMAIL_SHARED,
	FIELDS,
	NAME_CLOSE,
	NAME_NICKNAME,
	NAME_SAME,
	NAME_SHORT_FORM,
	NAME_SIMILAR,
	TAX_DIFFERS,
	Comparer,
	compare_names,
)
from qbo_connector.engine.match_model import (
	RANDOM_PAIRS,
	Model,
	explain,
	label,
	name_rarity,
	percent,
	sample_pairs,
	shares_home,
	tf_share,
)
from qbo_connector.engine.match_parallel import in_parallel, shared, without_gc
from qbo_connector.engine.match_profile import Profile, profile_erp, profile_qbo, profiles_beside
from qbo_connector.engine.match_reasons import add_details, same_email_label, same_name_label
from qbo_connector.engine.names import name_keys
from qbo_connector.engine.records import (
	CREATE,
	LINK,
	REVIEW,
	Candidate,
	ERPCustomer,
	MatchDecision,
	QBOCustomer,
)

P_LINK = 0.9999  # expected wrong links at most 1 in 10,000
P_REVIEW = 0.05  # below this the customer is created; a candidate this likely claims its QBO customer
P_CREATE = 0.3  # ... below this when the best candidate's name differs (see `_create_below`)
P_SHOW = 0.01  # candidates shown on a decision
MARGIN_BITS = 10.0  # the best candidate's weight above the second's
MIN_DIRECTORY = 1000  # a smaller directory is not taken as proof that a name is rare
MIN_SAMPLE = 50  # fewer records than this on a side: u stays at the prior
MAX_CANDIDATES = 5
MAX_HOME = 20  # an address or phone held by more QBO records is a building or switchboard, not a home
_SEVERAL = "several ERPNext customers"
ALREADY_LINKED = "already linked"


class Scored:
	"""One candidate pair, weighed."""

	__slots__ = ("bits", "blockers", "home", "index", "odds", "pattern", "probability")

	def __init__(self, index: int, bits: float, pattern: tuple[int, ...]):
		self.index, self.bits, self.pattern = index, bits, pattern
		self.odds = self.probability = self.home = 0.0
		self.blockers: list[str] | None = None  # worked out for the candidates a decision shows


class Matcher:
	"""Indexes QBO name-list records once (on the first `decide`, while a large run's ERPNext profiles are
	built in a forked process); `decide` matches ERPNext customers against them."""

	@without_gc
	def __init__(self, qbo_records: Iterable[QBOCustomer]):
		self.records: list[QBOCustomer] = []
		self.profiles: list[Profile] = []
		self.by_id: dict[str, int] = {}
		self.other_ids: dict[str, str] = {}  # Vendor/Employee id -> kind
		self.clashes: dict[str, str] = {}  # name key used by a Vendor/Employee -> kind
		self.taken_names: set[str] = set()  # lower-cased Vendor/Employee DisplayNames, for display_name_for
		for record in qbo_records:
			self._add(record)
		self.blocker: Blocker | None = None  # indexed by the first `decide`, beside its customers' profiles
		self.model = Model()
		self._bits: dict[tuple[int, ...], tuple] = {}  # pattern -> (weight, its name's rarity share, home?)
		self._home_bits: dict[tuple, float] = {}  # (pattern, business) -> weight against "same home"
		self._parts: dict[tuple[int, ...], list] = {}  # pattern -> (label, weight) per field, to explain
		self._home = 0.0  # chance that a given QBO record is another party of one's home
		self._firm_home = 0.0  # the same for a business: another firm in its building
		self._homes: list[list[int]] = []  # QBO records sharing an address or phone

	def _add(self, record: QBOCustomer) -> None:
		kind = (record.entity_type or "Customer").strip().lower()
		if kind in ("vendor", "employee"):
			self.other_ids[record.id] = kind
			self.taken_names.add(record.display_name.strip().lower())
			for key in name_keys(record.display_name):
				self.clashes.setdefault(key, kind)
			return
		self.by_id[record.id] = len(self.records)
		self.records.append(record)

	def _index(self) -> None:
		if self.blocker is None:
			self.profiles = [profile_qbo(record) for record in self.records]
			self.blocker = Blocker(self.profiles)

	# ------------------------------------------------------------------------------------------ public API

	@without_gc
	def decide(
		self, erp_customers: Sequence[ERPCustomer], already_linked: dict[str, str] | None = None
	) -> list[MatchDecision]:
		"""One decision per ERPNext customer, same order. `already_linked` maps qbo_id -> erpnext_id."""
		stored = Counter((c.qbo_id or "").strip() for c in erp_customers)
		linked = {c.qbo_id.strip(): c.id for c in erp_customers if (c.qbo_id or "").strip()}
		linked.update({qbo: _SEVERAL for qbo, n in stored.items() if n > 1 and qbo})
		linked.update(already_linked or {})
		linked_to = {erp: qbo for qbo, erp in linked.items()}
		profiles = profiles_beside(profile_erp, erp_customers, self._index)
		comparer = Comparer(self.profiles, profiles)
		left, sample = self._random_pairs(profiles)
		work = (self, profiles, comparer, left, sample)  # candidates, then the random pairs (for u)
		compared = in_parallel(_compare_part, work, len(profiles) + len(sample))
		pairs, sampled = compared[: len(profiles)], compared[len(profiles) :]
		prior = self._fit(comparer, profiles, pairs, left, sampled)
		rarity = name_rarity(self.profiles, profiles)
		data = (self, erp_customers, profiles, pairs, prior, rarity, linked, linked_to)
		done = in_parallel(_decide_part, data, len(profiles))
		decisions = [_rebuilt(fields) for fields, _, _ in done]
		claimed, best = [claims for _, claims, _ in done], [top for _, _, top in done]
		credit_unclaimed(decisions, claimed, best, self.records, P_LINK)
		keep_one_to_one(decisions, claimed, self.records, P_LINK, ALREADY_LINKED)
		add_details(decisions, self.records, self.by_id)
		return decisions

	def decide_one(
		self, erp_customer: ERPCustomer, already_linked: dict[str, str] | None = None
	) -> MatchDecision:
		return self.decide([erp_customer], already_linked)[0]

	# ------------------------------------------------------------------------------------------ the model

	def _random_pairs(self, profiles: list[Profile]) -> tuple[list[Profile], list[tuple[int, int]]]:
		"""The random pairs u is counted on: ERPNext x QBO, or QBO x QBO when the ERPNext side is tiny;
		none when either side is (u stays at the prior)."""
		qbo = self.profiles
		left = profiles if len(profiles) >= MIN_SAMPLE else qbo
		if len(left) < MIN_SAMPLE or len(qbo) < MIN_SAMPLE:
			return left, []
		rng = random.Random(len(left) * 7919 + len(qbo))
		return left, sample_pairs(rng, len(left), len(qbo), RANDOM_PAIRS)

	def _fit(
		self, comparer: Comparer, profiles: list[Profile], pairs: list, left: list, sampled: list
	) -> float:
		"""Fit the model to this run (`sampled`: the random pairs' patterns, None for a record paired with
		itself); return the prior odds of one candidate being the partner."""
		qbo = self.profiles
		if sampled:
			self.model.estimate_u(len(sampled), sampled.__getitem__)
		firms = sum(1 for p in qbo if p.company)
		self.model.estimate_home(*self._home_levels(comparer), len(qbo), *self._firm_pairs(), firms)
		self.model.estimate_namesakes(self._namesake_emails(comparer))
		self.model.estimate_m(Counter(pattern for found in pairs for _, pattern in found), len(profiles))
		if left is profiles and len(left) >= MIN_SAMPLE and len(qbo) >= MIN_SAMPLE:
			partners = self.model.share * sum(map(len, pairs))  # true pairs the EM expects
			self.model.correct_u(RANDOM_PAIRS * partners / (len(left) * len(qbo)))
		self._home = self.model.home_rate / max(len(qbo), MIN_DIRECTORY)
		self._firm_home = self.model.company_home_rate / max(len(qbo), MIN_DIRECTORY)
		self._bits, self._home_bits, self._parts = {}, {}, {}
		total_pairs = sum(map(len, pairs))
		share = self.model.share * total_pairs / max(1, len(profiles)) if total_pairs >= 200 else 0.5
		share = min(0.95, max(0.05, share))
		return share / ((1 - share) * max(len(qbo), MIN_DIRECTORY))

	def _firm_pairs(self) -> tuple[int]:
		"""Pairs of QBO businesses that share a street address or a phone."""
		profiles = self.profiles
		pairs = {
			(x, y)
			for members in self._homes
			for k, x in enumerate(members)
			for y in members[k + 1 :]
			if profiles[x].company and profiles[y].company
		}
		return (len(pairs),)

	def _namesake_emails(self, comparer: Comparer) -> Counter:
		"""Email levels of the pairs of QBO records that share a name and both have an email."""
		names: defaultdict[str, list[Profile]] = defaultdict(list)
		for p in self.profiles:
			if p.keys and p.emails:
				names[p.keys[0]].append(p)
		return Counter(
			comparer.email_level(x, y)
			for group in names.values()
			if 2 <= len(group) <= MAX_HOME
			for k, x in enumerate(group)
			for y in group[k + 1 :]
		)

	def _home_levels(self, comparer: Comparer) -> tuple[Counter]:
		"""Name levels of the pairs of QBO records that share a street address or a phone: two parties
		of one home (a family, flatmates, one building), what a home looks like in this directory."""
		homes: defaultdict[str, list[int]] = defaultdict(list)
		for i, p in enumerate(self.profiles):
			if p.number and p.street:
				homes[f"a:{p.postcode}|{p.number}|{p.street}"].append(i)
			if p.phone:
				homes["p:" + p.phone].append(i)
		self._homes = [members for members in homes.values() if 2 <= len(members) <= MAX_HOME]
		pairs = {(x, y) for members in self._homes for k, x in enumerate(members) for y in members[k + 1 :]}
		own = comparer.own_name
		levels = Counter(
			compare_names(self.profiles[x], self.profiles[y], comparer.common, own) for x, y in pairs
		)
		levels.pop(0, None)
		return (levels,)

	def _weigh(self, found: list, prior: float, rarity: list[float], company: bool = False) -> list[Scored]:
		"""Each candidate's weight: the Fellegi-Sunter sum plus the name's rarity; for a pair that shares
		a home, the chance of "another party of that home" is added to the non-match side, so a family
		member needs a name that tells them apart (a shared address, phone and surname do not)."""
		scored, home, known = [], self._home, self._bits
		for j, pattern in found:
			weights = known.get(pattern)
			if weights is None:
				weights = known[pattern] = (
					sum(self.model.weigh(pattern)),
					tf_share(pattern[0]),
					shares_home(pattern),
				)
			bits, share, homely = weights
			s = Scored(j, bits + share * rarity[j], pattern)  # rarity[j]: bounded (`name_rarity`)
			if homely:
				firm = company or self.profiles[j].company
				against = self._home_bits.get((pattern, firm))
				if against is None:
					against = self._home_bits[(pattern, firm)] = self.model.home_bits(pattern, firm)
				h = self._firm_home if firm else home
				either = (1.0 - h) * 2.0 ** -min(s.bits, 1000.0) + h * 2.0 ** -min(against, 1000.0)
				effective = -math.log2(either)
				s.home, s.bits = effective - s.bits, effective
			s.odds = prior * 2.0 ** min(s.bits, 1000.0)
			scored.append(s)
		total = 1.0 + sum(s.odds for s in scored)
		for s in scored:
			s.probability = s.odds / total
		scored.sort(key=lambda s: -s.bits)
		return scored

	def _explain(self, s: Scored, erp: Profile) -> str:
		parts = self._parts.get(s.pattern)
		if parts is None:
			parts = self._parts[s.pattern] = [
				(label(f, level), w)
				for f, level, w in zip(FIELDS, s.pattern, self.model.weigh(s.pattern), strict=True)
				if level
			]
		parts = list(parts)
		if parts and s.pattern[0]:
			name = s.bits - s.home - sum(w for _, w in parts[1:])
			words = same_name_label(erp, self.profiles[s.index]) if s.pattern[0] == NAME_SAME else parts[0][0]
			parts[0] = (words, name)  # the name with its rarity
		if s.pattern[1] in (EMAIL_SAME, EMAIL_SHARED):
			at = 1 if s.pattern[0] else 0
			shared = s.pattern[1] == EMAIL_SHARED
			parts[at] = (same_email_label(erp, self.profiles[s.index], shared), parts[at][1])
		if s.home <= -0.05:
			parts.append(("could be another party at that address or phone", s.home))
		return explain(parts, s.probability)

	def _blockers(self, erp: Profile, j: int, pattern: tuple, linked: dict, erp_id: str) -> list[str]:
		qbo, blockers = self.profiles[j], []
		if not qbo.active:
			blockers.append("inactive in QBO (reactivate?)")
		if erp.currency and qbo.currency and erp.currency != qbo.currency:
			blockers.append(f"currency differs (QBO {qbo.currency}, ERPNext {erp.currency})")
		if pattern[FIELDS.index("tax id")] == TAX_DIFFERS:
			blockers.append("tax id differs")
		if qbo.alias and qbo.company and not erp.company and pattern[0] <= NAME_SIMILAR:
			if not set(erp.keys) & set(qbo.keys):
				blockers.append("same name as the contact person of a QBO company")
		owner = linked.get(self.records[j].id)
		if owner and owner != erp_id:
			blockers.append(f"already linked to {'ERPNext ' if owner != _SEVERAL else ''}{owner}")
		return blockers

	# ------------------------------------------------------------------------------------------ decisions

	def _decide(
		self,
		erp: ERPCustomer,
		profile: Profile,
		scored: list[Scored],
		linked: dict,
		linked_qbo: str,
		context: tuple,
	) -> MatchDecision:
		existing = (erp.qbo_id or "").strip() or linked_qbo
		if existing:
			decision = self._decide_existing(erp, existing, linked)
			if decision:
				return decision
		decision = self._choose(erp.id, scored, context)
		if existing:  # a stored link that no longer resolves: never silently replace it
			note = (
				f"linked QBO id {existing} is a {self.other_ids[existing]}"
				if existing in self.other_ids
				else f"linked QBO id {existing} not found"
			)
			decision.decision = REVIEW
			decision.reason = f"{note}; " + decision.reason
		if decision.decision == CREATE and profile.keys and profile.keys[0] in self.clashes:
			decision.reason += f"; name used by a QBO {self.clashes[profile.keys[0]]}"
		return decision

	def _decide_existing(self, erp: ERPCustomer, qbo_id: str, linked: dict) -> MatchDecision | None:
		index = self.by_id.get(qbo_id)
		if index is None:
			return None
		record, profile = self.records[index], self.profiles[index]
		cand = Candidate(qbo_id, record.display_name, 100, ALREADY_LINKED, profile.active)
		owner = linked.get(qbo_id, erp.id)
		if owner != erp.id:
			reason = f"QBO customer is linked to {'ERPNext ' if owner != _SEVERAL else ''}{owner}"
			return MatchDecision(erp.id, REVIEW, qbo_id, 100, reason, [cand])
		if not profile.active:
			reason = "already linked to a QBO customer that is inactive (reactivate or relink)"
			return MatchDecision(erp.id, REVIEW, qbo_id, 100, reason, [cand])
		return MatchDecision(erp.id, LINK, qbo_id, 100, ALREADY_LINKED, [cand])

	def _candidate(self, s: Scored, context: tuple) -> Candidate:
		self._check(s, context)
		record = self.records[s.index]
		reason = "; ".join([self._explain(s, context[0]), *s.blockers])
		return Candidate(
			record.id, record.display_name, _score(s.probability), reason, self.profiles[s.index].active
		)

	def _check(self, s: Scored, context: tuple) -> None:
		if s.blockers is None:
			erp, linked, erp_id = context
			s.blockers = self._blockers(erp, s.index, s.pattern, linked, erp_id)

	def _choose(self, erp_id: str, scored: list[Scored], context: tuple) -> MatchDecision:
		ranked = sorted(scored, key=lambda s: -s.probability)
		shown = [self._candidate(s, context) for s in ranked[:MAX_CANDIDATES] if s.probability >= P_SHOW]
		if not ranked or ranked[0].probability < _create_below(ranked[0]):
			best = f"; best candidate {percent(ranked[0].probability)}" if ranked else ""
			return MatchDecision(erp_id, CREATE, "", 0, "no likely QBO customer" + best, shown)
		best = ranked[0]
		self._check(best, context)
		top = shown[0]
		second = ranked[1].bits if len(ranked) > 1 else -math.inf
		if best.probability >= P_LINK and not best.blockers and best.bits - second >= MARGIN_BITS:
			return MatchDecision(erp_id, LINK, top.qbo_id, top.score, top.reason, shown)
		if best.blockers:
			why = "; ".join(best.blockers)
		elif best.probability >= P_LINK:
			why = "another QBO customer is similar"
		else:
			why = "needs a person to confirm"
		return MatchDecision(
			erp_id, REVIEW, top.qbo_id, top.score, f"{why}: {self._explain(best, context[0])}", shown
		)


def _create_below(best: Scored) -> float:
	"""The probability under which a new customer is created rather than reviewed. A duplicate under a
	name of its own can be merged later, a review costs a person now: below 30%. A candidate whose name
	agrees (same, close, a nickname, one name within the other) keeps 5%: creating would set a second
	customer of that name beside it, which QuickBooks refuses as a display-name clash."""
	return P_REVIEW if best.pattern[0] in _NAME_AGREES else P_CREATE


_NAME_AGREES = (NAME_SAME, NAME_CLOSE, NAME_NICKNAME, NAME_SHORT_FORM, NAME_SIMILAR)


def _score(probability: float) -> int:
	return max(0, min(100, math.floor(probability * 100)))


def _compare_part(bounds: tuple[int, int]) -> list:
	"""Indexes below len(profiles): an ERPNext customer's candidates [(QBO index, pattern)]; above: one
	random pair's pattern (None for a record paired with itself)."""
	matcher, profiles, comparer, left, sample = shared()
	qbo, candidates, compare = matcher.profiles, matcher.blocker.candidates, comparer.compare
	seen: dict[tuple, tuple] = {}  # one object per distinct pattern: pickled once, a reference after
	lo, hi, n = *bounds, len(profiles)
	done: list = [
		[(j, seen.setdefault(pattern, pattern)) for j in candidates(p) for pattern in (compare(p, qbo[j]),)]
		for p in profiles[lo:hi]
	]
	for i, j in sample[max(0, lo - n) : max(0, hi - n)]:
		pattern = None if left is qbo and i == j else compare(left[i], qbo[j])
		done.append(seen.setdefault(pattern, pattern) if pattern else None)
	return done


def _decide_part(bounds: tuple[int, int]) -> list:
	"""Weigh and decide ERPNext customers bounds[0]..bounds[1]-1 -> [(decision, [(QBO index, odds)] of
	the candidates that claim a QBO customer, for the one-to-one check, the best candidate as (QBO index,
	probability, odds, 1 + the odds of all, whether it beats the second by the margin) or None)]."""
	matcher, customers, profiles, pairs, prior, rarity, linked, linked_to = shared()
	done = []
	for i in range(*bounds):
		customer, profile = customers[i], profiles[i]
		weighed = matcher._weigh(pairs[i], prior, rarity, profile.company)
		context = (profile, linked, customer.id)
		decision = matcher._decide(
			customer, profile, weighed, linked, linked_to.get(customer.id, ""), context
		)
		claims = [(s.index, s.odds) for s in weighed if s.probability >= P_REVIEW]
		top = None
		if weighed:
			b, second = weighed[0], weighed[1].bits if len(weighed) > 1 else -math.inf
			total = 1.0 + sum(s.odds for s in weighed)
			top = (b.index, b.probability, b.odds, total, b.bits - second >= MARGIN_BITS)
		shown = [(c.qbo_id, c.display_name, c.score, c.reason, c.active) for c in decision.candidates]
		d = decision
		done.append(((d.erpnext_id, d.decision, d.qbo_id, d.score, d.reason, shown), claims, top))
	return done  # plain tuples: a process pickles them several times faster than dataclasses


def _rebuilt(fields: tuple) -> MatchDecision:
	*head, shown = fields
	return MatchDecision(*head, [Candidate(*c) for c in shown])
