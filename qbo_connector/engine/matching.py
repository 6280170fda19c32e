"""Customer matcher: decides for each ERPNext customer whether to link it to an existing QBO customer,
send it to review, or create a new one. Precision first: a wrong link books invoices to the wrong
customer, so anything ambiguous, fuzzy-only or risky goes to review.

Speed: indexes are built once (exact name keys, emails, phones, tax ids, addresses, and name tokens
with their one-deletion variants for typo-tolerant blocking); each ERPNext customer is scored with
rapidfuzz only against the small block its rarest name tokens select."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from operator import itemgetter

from rapidfuzz import fuzz, process

from qbo_connector.engine.match_evidence import (
	CLOSE_NAMES,
	REVIEW_NAME,
	SUPPORT,
	Assessment,
	compare_value,
	competes,
	contains,
	describe,
)
from qbo_connector.engine.match_profile import (
	Profile,
	compare_names,
	is_generic_email,
	legal_forms_differ,
	places_differ,
	profile_erp,
	profile_qbo,
)
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

BLOCK_CAP = 400  # most entries a fuzzy block may hold before rarer tokens are required
FUZZY_CUTOFF = 75  # token_sort_ratio needed to come out of a block
FUZZY_HITS = 5  # best fuzzy hits per block assessed in full
MAX_CANDIDATES = 5
RARE_WORD = 3  # a word held by at most this many QBO names makes a company name distinctive
_SEVERAL = "several ERPNext customers"
ALREADY_LINKED = "already linked"


class Matcher:
	"""Indexes QBO name-list records once; `decide` then matches ERPNext customers against them."""

	def __init__(self, qbo_records: Iterable[QBOCustomer]):
		self.records: list[QBOCustomer] = []
		self.profiles: list[Profile] = []
		self.by_id: dict[str, int] = {}
		self.other_ids: dict[str, str] = {}  # Vendor/Employee id -> kind
		self.clashes: dict[str, str] = {}  # name key used by a Vendor/Employee -> kind
		self.taken_names: set[str] = set()  # lower-cased Vendor/Employee DisplayNames, for display_name_for
		self._maps: dict[str, defaultdict[str, list[int]]] = {
			k: defaultdict(list) for k in ("name", "email", "phone", "tax", "address")
		}
		self._entries: list[str] = []  # name strings scored by rapidfuzz
		self._owner: list[int] = []  # entry -> record index
		self._tokens: defaultdict[str, list[int]] = defaultdict(list)  # token or deletion variant -> entries
		self._name_only: set[str] = set()  # ERPNext ids linked on a unique name alone (in this batch)
		self._common: dict[str, set[int]] = {}  # common word -> entries holding it (filled on demand)
		for record in qbo_records:
			self._add(record)

	def _add(self, record: QBOCustomer) -> None:
		kind = (record.entity_type or "Customer").strip().lower()
		if kind in ("vendor", "employee"):
			self.other_ids[record.id] = kind
			self.taken_names.add(record.display_name.strip().lower())
			for key in name_keys(record.display_name):
				self.clashes.setdefault(key, kind)
			return
		index = len(self.records)
		profile = profile_qbo(record)
		self.records.append(record)
		self.profiles.append(profile)
		self.by_id[record.id] = index
		names = dict.fromkeys((*profile.keys, profile.alias) if profile.alias else profile.keys)
		for key in names:
			self._maps["name"][key].append(index)
			self._index_entry(key, index)
		for email in profile.emails:
			self._maps["email"][email].append(index)
		for kind_, value in (("phone", profile.phone), ("tax", profile.tax), ("address", profile.address)):
			if value:
				self._maps[kind_][value].append(index)

	def _index_entry(self, key: str, index: int) -> None:
		entry = len(self._entries)
		self._entries.append(" ".join(sorted(key.split())))
		self._owner.append(index)
		for variant in {v for token in key.split() for v in _token_variants(token)}:
			self._tokens[variant].append(entry)

	# ------------------------------------------------------------------------------------------ public API

	def decide(
		self, erp_customers: Sequence[ERPCustomer], already_linked: dict[str, str] | None = None
	) -> list[MatchDecision]:
		"""One decision per ERPNext customer, same order. `already_linked` maps qbo_id -> erpnext_id."""
		# a qbo_id stored on an ERPNext customer is an existing link too
		stored = Counter((c.qbo_id or "").strip() for c in erp_customers)
		linked = {c.qbo_id.strip(): c.id for c in erp_customers if (c.qbo_id or "").strip()}
		linked.update({qbo: _SEVERAL for qbo, n in stored.items() if n > 1 and qbo})
		linked.update(already_linked or {})
		linked_to = {erp: qbo for qbo, erp in linked.items()}
		profiles = [profile_erp(c) for c in erp_customers]
		batch = Counter()
		for p in profiles:
			batch.update([("name", p.keys[0])] if p.keys else [])
			batch.update(("email", e) for e in p.emails)
			batch.update([("phone", p.phone)] if p.phone else [])
		decisions = [
			self._decide(c, p, linked, linked_to.get(c.id, ""), batch)
			for c, p in zip(erp_customers, profiles, strict=True)
		]
		_review_shared_links(decisions, self._name_only)
		self._name_only.clear()
		return decisions

	def decide_one(
		self, erp_customer: ERPCustomer, already_linked: dict[str, str] | None = None
	) -> MatchDecision:
		return self.decide([erp_customer], already_linked)[0]

	# ---------------------------------------------------------------- one customer

	def _decide(
		self, erp: ERPCustomer, profile: Profile, linked: dict, linked_qbo: str, batch: Counter
	) -> MatchDecision:
		existing = (erp.qbo_id or "").strip() or linked_qbo
		if existing:
			decision = self._decide_existing(erp, existing, linked)
			if decision:
				return decision
		found = [self._assess(profile, i, linked, erp.id, batch) for i in self._gather(profile)]
		found = sorted((a for a in found if a.plausible), key=lambda a: (-a.score, -a.name_score))
		candidates = [self._candidate(a) for a in found[:MAX_CANDIDATES]]
		decision = self._choose(erp.id, found, candidates)
		if existing:  # a stored link that no longer resolves: never silently replace it
			note = (
				f"linked QBO id {existing} is a {self.other_ids[existing]}"
				if existing in self.other_ids
				else (f"linked QBO id {existing} not found")
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
		return MatchDecision(erp.id, LINK, qbo_id, 100, "already linked", [cand])

	def _gather(self, profile: Profile) -> set[int]:
		"""QBO customer indexes worth assessing: same key or identifier, or a fuzzy name hit in the block."""
		maps = self._maps
		found: set[int] = set()
		for key in profile.keys:
			found.update(maps["name"].get(key, ()))
		for email in profile.emails:
			found.update(maps["email"].get(email, ()))
		for kind, value in (("phone", profile.phone), ("tax", profile.tax), ("address", profile.address)):
			if value:
				found.update(maps[kind].get(value, ()))
		block = self._block(profile.keys)
		if block:
			# ratio on token-sorted strings is token_sort_ratio, at a fifth of the cost
			choices = itemgetter(*block)(self._entries) if len(block) > 1 else (self._entries[block[0]],)
			query = " ".join(sorted(profile.fuzzy.split()))
			hits = process.extract(
				query, choices, scorer=fuzz.ratio, processor=None, score_cutoff=FUZZY_CUTOFF, limit=FUZZY_HITS
			)
			found.update(self._owner[block[pos]] for _, _, pos in hits)
		return found

	def _block(self, keys: tuple[str, ...]) -> list[int]:
		"""Entries sharing the rarest name words, each allowing one typo. When every word is common,
		entries must share the two rarest words."""
		words = []
		for token in {t for key in keys for t in key.split()}:
			lists = [self._tokens[v] for v in _token_variants(token) if v in self._tokens]
			if lists:
				words.append((sum(map(len, lists)), token, lists))
		if not words:
			return []
		words.sort(key=lambda w: w[0])
		chosen: set[int] = set()
		if words[0][0] <= BLOCK_CAP:
			for size, _, lists in words[:3]:
				if chosen and len(chosen) + size > BLOCK_CAP:
					break
				chosen.update(*lists)
		elif len(words) > 1:
			chosen = self._common_word(words[0][1], words[0][2]) & self._common_word(words[1][1], words[1][2])
			if len(chosen) > 4 * BLOCK_CAP:
				return []
		return list(chosen)

	def _common_word(self, token: str, lists: list[list[int]]) -> set[int]:
		"""Entries holding a common word (or a one-typo variant), cached: common words recur."""
		cached = self._common.get(token)
		if cached is None:
			cached = self._common[token] = set().union(*lists)
		return cached

	def _assess(self, erp: Profile, index: int, linked: dict, erp_id: str, batch: Counter) -> Assessment:
		qbo = self.profiles[index]
		score, kind = compare_names(erp.keys, qbo.keys, person=not (erp.company or qbo.company))
		if kind != "exact" and qbo.alias and qbo.alias in erp.keys:
			# "John Smith (2)" is the same person's record; "Smith Plumbing" is his company: review only
			kind = "person" if set(qbo.alias.split()) <= set(qbo.fuzzy.split()) else "contact"
			score = 95
		elif kind == "fuzzy" and contains(erp.fuzzy, qbo.fuzzy):
			score, kind = max(score, REVIEW_NAME), "partial"
		a = Assessment(index, score, kind)
		maps = self._maps
		shared_email = erp.emails & qbo.emails
		if shared_email:
			email = min(shared_email)
			users = len(maps["email"][email])
			if is_generic_email(email) or users > 1 or batch[("email", email)] > 1:
				a.weak += 1
				a.notes.append("same email (generic or shared by several customers)")
			else:
				a.support += SUPPORT["email"]
				a.notes.append("same email")
		elif erp.emails and qbo.emails:
			a.against += 1
			a.notes.append("email differs")
		compare_value(
			a,
			"phone",
			erp.phone,
			qbo.phone,
			len(maps["phone"].get(qbo.phone, ())) + batch[("phone", erp.phone)] - 1,
		)
		compare_value(a, "tax id", erp.tax, qbo.tax, len(maps["tax"].get(qbo.tax, ())))
		if erp.address and erp.address == qbo.address:
			compare_value(a, "address", erp.address, qbo.address, len(maps["address"][qbo.address]))
		elif erp.postcode and qbo.postcode and erp.postcode != qbo.postcode:
			a.against += 1
			a.notes.append("postcode differs")
		elif erp.postcode and erp.postcode == qbo.postcode:
			a.weak += 1
			a.notes.append("same postcode")
		place = places_differ(erp.place, qbo.place)
		if place:
			a.against += 1
			a.notes.append(f"{place} differs")
		if kind == "exact" and legal_forms_differ(erp.legal, qbo.legal):
			a.against += 1
			a.notes.append("legal form differs")
		if not qbo.active:
			a.blockers.append("inactive in QBO (reactivate?)")
		if erp.currency and qbo.currency and erp.currency != qbo.currency:
			a.blockers.append(f"currency differs (QBO {qbo.currency}, ERPNext {erp.currency})")
		owner = linked.get(self.records[index].id)
		if owner and owner != erp_id:
			a.blockers.append(f"already linked to {'ERPNext ' if owner != _SEVERAL else ''}{owner}")
		a.rule = self._link_rule(erp, a, batch)
		return a

	def _link_rule(self, erp: Profile, a: Assessment, batch: Counter) -> str:
		"""Which link rule the evidence meets, ignoring blockers; "" when none."""
		if a.hard:
			return ""
		if a.name_kind == "exact":
			if a.support > a.against:
				return "corroborated"
			unique = len(set(self._maps["name"][erp.keys[0]])) == 1 and batch[("name", erp.keys[0])] == 1
			companies = erp.company and self.profiles[a.index].company
			if unique and not a.against and (a.weak or (companies and self._distinctive(erp.keys[0]))):
				return "unique"
			return ""
		# a tax id, a personal email, or two independent identifiers, with a close name
		if a.support >= 2 and a.support > a.against and a.name_kind in CLOSE_NAMES:
			return "strong id"
		if "same tax id" in a.notes and a.name_score >= REVIEW_NAME and not a.against:
			return "strong id"
		return ""

	def _distinctive(self, key: str) -> bool:
		"""A name alone identifies a company only when one of its words is rare among QBO names
		("Cyberdyne Systems"), not when it is made of common words ("Summit Plumbing")."""
		return min((len(self._tokens.get(t, ())) for t in key.split()), default=0) <= RARE_WORD

	def _candidate(self, a: Assessment) -> Candidate:
		record = self.records[a.index]
		return Candidate(record.id, record.display_name, a.score, describe(a), self.profiles[a.index].active)

	def _choose(self, erp_id: str, found: list[Assessment], candidates: list[Candidate]) -> MatchDecision:
		if not found:
			return MatchDecision(erp_id, CREATE, "", 0, "no plausible QBO customer")
		best = found[0]
		eligible = [a for a in found if a.rule]
		top = candidates[0]
		if len(eligible) == 1:
			pick = eligible[0]
			rivals = [a for a in found if a is not pick and competes(a, pick)]
			picked = self._candidate(pick)
			if pick.blockers:
				return _review(
					erp_id, picked, candidates, f"{'; '.join(pick.blockers)}: {describe(pick, False)}"
				)
			if rivals:
				return _review(
					erp_id, picked, candidates, f"another QBO customer is similar: {picked.reason}"
				)
			extra = "; unique name in QBO" if pick.rule == "unique" else ""
			if pick.rule == "unique":
				self._name_only.add(erp_id)
			return MatchDecision(erp_id, LINK, picked.qbo_id, picked.score, picked.reason + extra, candidates)
		if len(eligible) > 1:
			return _review(erp_id, top, candidates, f"{len(eligible)} QBO customers match: {top.reason}")
		why = "; ".join(best.blockers) + ": " if best.blockers else "needs a person to confirm: "
		return _review(erp_id, top, candidates, why + describe(best, False))


def _review(erp_id: str, chosen: Candidate, candidates: list[Candidate], reason: str) -> MatchDecision:
	return MatchDecision(erp_id, REVIEW, chosen.qbo_id, chosen.score, reason, candidates)


def _review_shared_links(decisions: list[MatchDecision], name_only: set[str]) -> None:
	"""Never link two ERPNext customers to one QBO customer: they all go to review. A link made on a
	unique name alone also goes to review when another ERPNext customer's best candidate is that record."""
	by_qbo: defaultdict[str, list[MatchDecision]] = defaultdict(list)
	for d in decisions:
		if d.qbo_id and d.decision in (LINK, REVIEW):
			by_qbo[d.qbo_id].append(d)
	for group in by_qbo.values():
		if len(group) < 2 or any(d.reason == ALREADY_LINKED for d in group):
			continue
		links = [d for d in group if d.decision == LINK]
		doubtful = links if len(links) > 1 else [d for d in links if d.erpnext_id in name_only]
		ids = [d.erpnext_id for d in group]
		for d in group:
			others = ", ".join(i for i in ids if i != d.erpnext_id)
			if d in doubtful or d.decision == REVIEW:
				d.reason = f"QBO customer also matches ERPNext {others}: {d.reason}"
				d.decision = REVIEW


@lru_cache(maxsize=1 << 16)
def _token_variants(token: str) -> tuple[str, ...]:
	"""The token and, for words of 4+ letters, every one-deletion variant (typo-tolerant blocking)."""
	if len(token) < 2 or token == "and":
		return ()
	if len(token) < 4:
		return (token,)
	return (token, *dict.fromkeys(token[:i] + token[i + 1 :] for i in range(len(token))))
