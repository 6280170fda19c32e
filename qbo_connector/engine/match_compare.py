"""Field comparisons for the probabilistic matcher: each field of a pair of profiles falls into one
comparison level (0 = missing on a side: neither for nor against). The levels and their labels are
the model's vocabulary; match_model.py learns what each level is worth."""

from __future__ import annotations

from collections import Counter

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from qbo_connector.engine.match_profile import Profile, is_generic_email, legal_forms_differ

# field -> labels of levels 1..n (level 0 is "missing")
LEVELS = {
	"name": ("same name", "name close", "name similar", "name partly differs", "name differs"),
	"email": ("same email", "same shared email", "email similar", "email differs"),
	"phone": ("same phone", "same shared phone", "phone one digit off", "phone differs"),
	"tax id": ("same tax id", "tax id differs"),
	"address": ("same street address", "same street", "same street number", "address differs"),
	"place": (
		"same postcode and city",
		"same postcode",
		"same city",
		"same city, postcode differs",
		"postcode close",
		"same state",
		"city differs",
		"postcode differs",
		"state differs",
	),
	"country": ("same country", "country differs"),
}
FIELDS = tuple(LEVELS)
NAME_SAME, NAME_CLOSE, NAME_SIMILAR = 1, 2, 3
TAX_DIFFERS = 2


def tokens_close(a: str, b: str, person: bool) -> bool:
	"""One typo in a word of 5+ letters, two in 8+ ("Mary"/"Gary" may be two people). In a person's name
	the last two letters must agree: an edit there is more often another name ("Daniel"/"Daniela")."""
	if person and a[-2:] != b[-2:]:
		return False
	shortest = min(len(a), len(b))
	limit = 2 if shortest >= 8 else 1 if shortest >= 5 else 0
	return limit > 0 and OSA.distance(a, b, score_cutoff=limit) <= limit


def _loosely_close(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
	"""The words the names do not share are one edit apart (two for 7+ letters), first letters equal."""
	x, y = [t for t in ta if t not in tb], [t for t in tb if t not in ta]
	if len(x) != 1 or len(y) != 1 or x[0][:1] != y[0][:1]:
		return False
	limit = 2 if min(len(x[0]), len(y[0])) >= 7 else 1
	return min(len(x[0]), len(y[0])) >= 4 and OSA.distance(x[0], y[0], score_cutoff=limit) <= limit


def _align(short: tuple[str, ...], long: tuple[str, ...], person: bool) -> tuple[int, int, int]:
	"""Greedy pairing of the shorter name's tokens with the longer's -> (equal, close or initial, unmatched)."""
	free = list(long)
	equal = close = 0
	pending = []
	for token in short:
		if token in free:
			free.remove(token)
			equal += 1
		else:
			pending.append(token)
	unmatched = 0
	for token in pending:
		hit = next(
			(
				other
				for other in free
				if (len(token) == 1 and other.startswith(token))
				or (len(other) == 1 and token.startswith(other))
				or tokens_close(token, other, person)
			),
			None,
		)
		if hit is None:
			unmatched += 1
		else:
			free.remove(hit)
			close += 1
	return equal, close, unmatched


def compare_names(a: Profile, b: Profile) -> int:
	if not a.names or not b.names:
		return 0
	person = not (a.company or b.company)
	best = 5
	for ta in a.names:
		for tb in b.names:
			short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
			equal, close, unmatched = _align(short, long, person)
			if not unmatched and len(short) == len(long):
				level = NAME_SAME if not close else NAME_CLOSE
			elif not unmatched and (equal >= 2 or (equal and len(short) == 1 and not person)):
				level = NAME_SIMILAR  # one name holds all the other's words ("Smith" in "John Smith" is not enough)
			elif person and equal and unmatched == 1 and _loosely_close(ta, tb):
				level = NAME_SIMILAR  # a typo the strict rule refuses ("Jonea"/"Jones"): similar, no more
			elif person and equal:
				level = 4  # a word in common, another that is not a typo of it: "Mary Perry", "Gary Perry"
			else:
				ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb), processor=None)
				level = NAME_SIMILAR if ratio >= 90 else 4 if (equal or close or ratio >= 75) else 5
			best = min(best, level)
	if best == NAME_SAME and legal_forms_differ(a.legal, b.legal):
		return NAME_SIMILAR  # "Allied Foods LLC" is not "Allied Foods Ltd" for sure
	return best


class Comparer:
	"""Compares pairs of profiles; knows how many records share an email or phone (shared values are
	weak evidence: a family's mailbox, a switchboard)."""

	def __init__(self, qbo: list[Profile], erp: list[Profile]):
		self.emails = Counter(e for p in (*qbo, *erp) for e in p.emails)
		self.phones = Counter(p.phone for p in (*qbo, *erp) if p.phone)

	def compare(self, a: Profile, b: Profile) -> tuple[int, ...]:
		return (
			compare_names(a, b),
			self._email(a, b),
			self._phone(a, b),
			_two_way(a.tax, b.tax),
			_address(a, b),
			_place(a, b),
			_two_way(a.country, b.country),
		)

	def _email(self, a: Profile, b: Profile) -> int:
		if not a.emails or not b.emails:
			return 0
		shared = a.emails & b.emails
		if shared:
			email = min(shared)
			return 2 if is_generic_email(email) or self.emails[email] > 2 else 1
		for x in a.emails:
			for y in b.emails:
				if x.split("@")[0] == y.split("@")[0] or OSA.distance(x, y, score_cutoff=1) <= 1:
					return 3
		return 4

	def _phone(self, a: Profile, b: Profile) -> int:
		x, y = a.phone, b.phone
		if not x or not y:
			return 0
		if x == y:
			return 2 if self.phones[x] > 2 else 1
		if x[-7:] == y[-7:] or (len(x) == len(y) and OSA.distance(x, y, score_cutoff=1) <= 1):
			return 3
		return 4


def _two_way(x: str, y: str) -> int:
	return 0 if not x or not y else 1 if x == y else 2


def _address(a: Profile, b: Profile) -> int:
	if not (a.street or a.number) or not (b.street or b.number):
		return 0
	street = bool(a.street and b.street) and (
		a.street == b.street or fuzz.ratio(a.street, b.street, processor=None) >= 85
	)
	number = bool(a.number) and a.number == b.number
	if street:
		return 1 if number else 2
	if number and (not a.street or not b.street or fuzz.ratio(a.street, b.street, processor=None) >= 60):
		return 3
	return 4


def _place(a: Profile, b: Profile) -> int:
	codes = bool(a.postcode and b.postcode)
	code_same = codes and a.postcode == b.postcode
	cities = bool(a.city and b.city)
	city_same = cities and (
		a.city == b.city
		or (min(len(a.city), len(b.city)) >= 6 and OSA.distance(a.city, b.city, score_cutoff=1) <= 1)
	)
	if code_same:
		return 1 if city_same else 2
	if city_same:
		return 4 if codes else 3
	if (
		codes
		and len(a.postcode) == len(b.postcode)
		and OSA.distance(a.postcode, b.postcode, score_cutoff=1) <= 1
	):
		return 5
	states = bool(a.state and b.state)
	if states and a.state == b.state and not cities:
		return 6
	if cities:
		return 7
	if codes:
		return 8
	return 9 if states else 0
