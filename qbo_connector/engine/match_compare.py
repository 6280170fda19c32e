"""Field comparisons for the probabilistic matcher: each field of a pair of profiles falls into one
comparison level (0 = missing on a side: neither for nor against). The levels and their labels are
the model's vocabulary; match_model.py learns what each level is worth."""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from functools import lru_cache
from itertools import permutations

from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA

from qbo_connector.engine.match_places import address_level, city_aliases, place_level, same_mailbox_name
from qbo_connector.engine.match_profile import Profile, is_generic_email, legal_forms_differ
from qbo_connector.engine.names import KNOWN_GIVEN_NAMES, LEGAL_WORDS, formal_name, phonetic_code

# field -> labels of levels 1..n (level 0 is "missing")
LEVELS = {
	"name": (
		"same name",
		"name close",
		"same name (a nickname)",
		"same name (a nickname no one here goes by)",
		"name similar",
		"given name missing",
		"other name word a likely typo",
		"every name word a likely typo",
		"other name word differs",
		"another common given name",
		"name partly differs",
		"name differs",
	),
	"email": ("same email", "same shared email", "email similar", "email differs"),
	"phone": ("same phone", "same shared phone", "phone one digit off", "phone differs"),
	"tax id": ("same tax id", "tax id differs"),
	"address": (
		"same street address",
		"same street",
		"same street number",
		"address differs",
		"same street, number one digit off",
		"street number one digit off, a street missing",
		"street number differs, a street missing",
	),
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
		"city and district",
	),
	"country": ("same country", "country differs"),
}
FIELDS = tuple(LEVELS)
(
	NAME_SAME,
	NAME_CLOSE,
	NAME_NICKNAME,
	NAME_SHORT_FORM,
	NAME_SIMILAR,
	NAME_GIVEN_MISSING,
	NAME_TYPO_LIKELY,
	NAME_LOOSE,
	NAME_WORD_DIFFERS,
	NAME_OTHER_GIVEN,
	NAME_PARTLY,
	NAME_DIFFERS,
) = range(1, 13)
TAX_DIFFERS = 2
EMAIL_SAME, EMAIL_SHARED = 1, 2
FEW_RECORDS = 1000  # fewer records than this say nothing about which words are common
COMMON_WORD = 3  # records holding a name word for it to count as a real name rather than a typo
TYPO_RATIO = 20  # ... unless a word this many times as frequent is within an edit or two of it


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


def _one_word_garbled(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
	"""Two business names that share all words but one, in any order, at least two shared; the odd words
	start alike and are two edits apart at most, or one abbreviates the other ("Rest"/"Restaurant")."""
	x = [t for t in ta if t not in tb and t not in LEGAL_WORDS]  # "Peak Steakhouse Inc Wolf"
	y = [t for t in tb if t not in ta and t not in LEGAL_WORDS]
	if len(x) != 1 or len(y) != 1 or len(ta) - 1 < 2 or len(tb) - 1 < 2:
		return False
	if x[0][:1] != y[0][:1]:  # first letters differ: only two letters swapped ("Valley cAme Cafe")
		return len(x[0]) >= 4 and sorted(x[0]) == sorted(y[0]) and OSA.distance(x[0], y[0]) == 1
	x, y = sorted((x[0], y[0]), key=len)
	if len(x) >= 3 and y.startswith(x):
		return True
	return len(x) >= 3 and OSA.distance(x, y, score_cutoff=2) <= 2


def _company_names(a: Profile, b: Profile) -> int:
	best = NAME_DIFFERS
	for ta in a.names:
		for tb in b.names:
			short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
			equal, close, unmatched = _align(short, long, False)
			if not unmatched and len(short) == len(long):
				level = NAME_SAME if not close else NAME_CLOSE
			elif not unmatched and (equal >= 2 or (equal and len(short) == 1)):
				level = NAME_SIMILAR  # one name holds all the other's words
			elif _one_word_garbled(ta, tb):
				level = NAME_TYPO_LIKELY  # "Prime Union Grill" / "Prirne Union Grill"
			else:
				ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb), processor=None)
				level = (
					NAME_SIMILAR
					if ratio >= 90
					else NAME_PARTLY
					if (equal or close or ratio >= 75)
					else NAME_DIFFERS
				)
			best = min(best, level)
	if best == NAME_SAME and legal_forms_differ(a.legal, b.legal):
		return NAME_SIMILAR  # "Allied Foods LLC" is not "Allied Foods Ltd" for sure
	return best


# How two words of persons' names compare, best first.
_EQUAL, _NICK, _TYPO, _LOOSE, _OTHER = range(5)


def _word_class(x: str, y: str, rx: str, ry: str) -> int:
	return _same_word(rx, ry) if x == y else _unlike_words(x, y)


def _same_word(rx: str, ry: str) -> int:
	"""Two words that compare equal: a nickname when one was written as one ("Bob"/"Robert")."""
	return _NICK if rx != ry and (formal_name(rx) != rx or formal_name(ry) != ry) else _EQUAL


@lru_cache(maxsize=1 << 18)
def _unlike_words(x: str, y: str) -> int:
	if (len(x) == 1 and y.startswith(x)) or (len(y) == 1 and x.startswith(y)) or tokens_close(x, y, True):
		return _TYPO
	shortest = min(len(x), len(y))
	limit = 1 if shortest <= 4 and x[0] != y[0] else 2  # "Paool"/"Paul", "Smkh"/"Smith"
	if shortest >= 3 and OSA.distance(x, y, score_cutoff=limit) <= limit:
		return _LOOSE  # "Joh"/"John", "Robinsori"/"Robinson"; also "Mary"/"Gary", told apart below
	if shortest >= 5 and x[0] == y[0] and phonetic_code(x) == phonetic_code(y):
		return _LOOSE  # a phonetic respelling: "Marzaquic"/"Marzakwyc"
	return _OTHER


def _pairing(ta, ra, tb, rb) -> list[tuple[int, str, str]]:
	"""The best pairing of the shorter name's words with the longer's: [(class, word, word)]."""
	if len(ta) > len(tb):
		ta, ra, tb, rb = tb, rb, ta, ra
	if len(ta) == 1:  # one word against several: its best partner
		x, rx = ta[0], ra[0]
		c, y = min((_word_class(x, y, rx, ry), y) for y, ry in zip(tb, rb, strict=True))
		return [(c, x, y)]
	if len(ta) == 2 and len(tb) == 2:  # the common case: as written, or the two words swapped
		straight = (_word_class(ta[0], tb[0], ra[0], rb[0]), _word_class(ta[1], tb[1], ra[1], rb[1]))
		if straight == (_EQUAL, _EQUAL):
			return [(_EQUAL, ta[0], tb[0]), (_EQUAL, ta[1], tb[1])]
		crossed = (_word_class(ta[0], tb[1], ra[0], rb[1]), _word_class(ta[1], tb[0], ra[1], rb[0]))
		if (sum(crossed), max(crossed)) < (sum(straight), max(straight)):
			return [(crossed[0], ta[0], tb[1]), (crossed[1], ta[1], tb[0])]
		return [(straight[0], ta[0], tb[0]), (straight[1], ta[1], tb[1])]
	grid = [
		[_word_class(x, y, rx, ry) for y, ry in zip(tb, rb, strict=True)]
		for x, rx in zip(ta, ra, strict=True)
	]
	if len(tb) <= 4:
		best = min(
			permutations(range(len(tb)), len(ta)),
			key=lambda chosen: (
				sum(grid[i][j] for i, j in enumerate(chosen)),
				max(grid[i][j] for i, j in enumerate(chosen)),
			),
		)
	else:  # long names: greedy
		free, best = set(range(len(tb))), []
		for i in range(len(ta)):
			j = min(free, key=lambda j: grid[i][j])
			free.discard(j)
			best.append(j)
	return [(grid[i][j], ta[i], tb[j]) for i, j in enumerate(best)]


def _two_and_two(ta, ra, tb, rb, common) -> int:
	"""`_person_names` for two words against two (most pairs), the pairing worked out inline."""
	a0, a1 = ta
	b0, b1 = tb
	r0, r1 = ra
	s0, s1 = rb  # words written alike are equal (_same_word), without the call
	c0 = _EQUAL if r0 == s0 else _same_word(r0, s0) if a0 == b0 else _unlike_words(a0, b0)
	c1 = _EQUAL if r1 == s1 else _same_word(r1, s1) if a1 == b1 else _unlike_words(a1, b1)
	best, worst = (c0, c1) if c0 <= c1 else (c1, c0)
	if worst:  # not both equal: the two words swapped may pair better (smaller sum, then smaller worst)
		x0 = _EQUAL if r0 == s1 else _same_word(r0, s1) if a0 == b1 else _unlike_words(a0, b1)
		x1 = _EQUAL if r1 == s0 else _same_word(r1, s0) if a1 == b0 else _unlike_words(a1, b0)
		low, high = (x0, x1) if x0 <= x1 else (x1, x0)
		if x0 + x1 < c0 + c1 or (x0 + x1 == c0 + c1 and high < worst):
			c0, c1, b0, b1, best, worst = x0, x1, b1, b0, low, high
	if worst <= _TYPO:
		return NAME_SAME if worst == _EQUAL else NAME_NICKNAME if _TYPO not in (c0, c1) else NAME_CLOSE
	if best <= _TYPO:  # one pair of words disagrees
		x, y = (a0, b0) if c0 >= _LOOSE else (a1, b1)
		if common(x) and common(y):
			return NAME_OTHER_GIVEN
		return NAME_TYPO_LIKELY if worst == _LOOSE else NAME_WORD_DIFFERS
	if worst == _LOOSE and not ((common(a0) and common(b0)) or (common(a1) and common(b1))):
		return NAME_LOOSE
	if best <= _LOOSE:
		return NAME_PARTLY
	ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb), processor=None)
	return NAME_PARTLY if ratio >= 75 else NAME_DIFFERS


def _person_names(ta, ra, tb, rb, common) -> int:
	pairs = _pairing(ta, ra, tb, rb)
	classes = [c for c, _, _ in pairs]
	worst = max(classes)
	if worst <= _TYPO:
		if len(ta) != len(tb):
			return NAME_GIVEN_MISSING if min(len(ta), len(tb)) == 1 else NAME_SIMILAR
		return NAME_SAME if worst == _EQUAL else NAME_NICKNAME if _TYPO not in classes else NAME_CLOSE
	bad = [(x, y) for c, x, y in pairs if c >= _LOOSE]
	if len(bad) == 1 and min(classes) <= _TYPO:
		x, y = bad[0]
		if common(x) and common(y):
			return NAME_OTHER_GIVEN  # two names people really have ("Mary Perry", "Gary Perry"): two people?
		return NAME_TYPO_LIKELY if worst == _LOOSE else NAME_WORD_DIFFERS
	if worst == _LOOSE and len(ta) == len(tb) and not any(common(x) and common(y) for x, y in bad):
		return NAME_LOOSE  # "Joiece Lopcz" / "Joyce Lopez": each word a letter or two off
	if min(classes) <= _LOOSE:
		return NAME_PARTLY
	ratio = fuzz.token_sort_ratio(" ".join(ta), " ".join(tb), processor=None)
	return NAME_PARTLY if ratio >= 75 else NAME_DIFFERS


def compare_names(a: Profile, b: Profile, common=None, own_name=None) -> int:
	"""The name level of a pair. For persons the words are paired (any order); the word that disagrees
	is weighed by how common it is: two common given names are likely two people of one household, a rare
	word within two edits of the other is likely a typo. `common(word)` tells; default: known given names.
	A nickname whose short form no one in the run goes by (`own_name(word)` false: "Ron" beside many
	"Ronald"s) is a level of its own: unlike "Jack" beside "John", it is rarely a second person's name."""
	if not a.names or not b.names:
		return 0
	if a.company or b.company:
		return _company_names(a, b)
	common = common or KNOWN_GIVEN_NAMES.__contains__
	if len(a.names) == 1 and len(b.names) == 1:  # most pairs: the loop below, without the loop
		return _name_pair(a.names[0], a.raw[0], b.names[0], b.raw[0], common, own_name)
	best = NAME_DIFFERS
	for ta, ra in zip(a.names, a.raw, strict=True):
		for tb, rb in zip(b.names, b.raw, strict=True):
			level = _name_pair(ta, ra, tb, rb, common, own_name)
			if level < best:
				if level == NAME_SAME:
					return level
				best = level
	return best


def _name_pair(ta, ra, tb, rb, common, own_name) -> int:
	"""The name level of one name of each side (tokens and raw words)."""
	if ra == rb:
		return NAME_SAME
	if len(ta) == 2 and len(tb) == 2:
		level = _two_and_two(ta, ra, tb, rb, common)
	else:
		level = _person_names(ta, ra, tb, rb, common)
	if level == NAME_NICKNAME and own_name and not _names_of_their_own(ra, rb, own_name):
		return NAME_SHORT_FORM
	return level


def _names_of_their_own(ra: tuple[str, ...], rb: tuple[str, ...], own_name) -> bool:
	"""Whether a nickname written in one name and not the other is a name people go by here."""
	return any(own_name(w) for w in set(ra) ^ set(rb) if formal_name(w) != w)


class Comparer:
	"""Compares pairs of profiles; knows how many records share an email or phone (shared values are
	weak evidence: a family's mailbox, a switchboard)."""

	def __init__(self, qbo: list[Profile], erp: list[Profile]):
		self.emails = Counter(e for p in (*qbo, *erp) for e in p.emails)
		self.phones = Counter(p.phone for p in (*qbo, *erp) if p.phone)
		self.words = Counter(
			t for p in (*qbo, *erp) if not p.company for t in {t for n in p.names for t in n}
		)
		self.raw_words = Counter(
			t for p in (*qbo, *erp) if not p.company for t in {t for n in p.raw for t in n}
		)
		self.few = len(qbo) + len(erp) < FEW_RECORDS
		self.areas = city_aliases((*qbo, *erp))
		self._frequent: tuple[list[str], list[int]] | None = None  # words held often, minus their count
		self._typos: dict[str, bool] = {}
		self._common: dict[str, bool] = {}  # word -> common(word)
		self._own: dict[str, bool] = {}  # nickname -> own_name(nickname)

	def common(self, word: str) -> bool:
		"""A name word held by several records (or a known given name), so not a one-off typo. Too few
		records to tell: every word may be a real name."""
		found = self._common.get(word)
		if found is None:
			held = self.words[word]
			found = self._common[word] = (
				self.few
				or word in KNOWN_GIVEN_NAMES
				or (held >= COMMON_WORD and not self._misspelt(word, held))
			)
		return found

	def own_name(self, nickname: str) -> bool:
		"""A nickname as written ("jack", "ron") that people of the run go by as a name of their own: held
		by several records, and not by TYPO_RATIO times fewer than its formal name. Too few records to
		tell: yes."""
		found = self._own.get(nickname)
		if found is None:
			held = self.raw_words[nickname]
			found = self._own[nickname] = self.few or (
				held >= COMMON_WORD and held * TYPO_RATIO >= self.raw_words[formal_name(nickname)]
			)
		return found

	def _misspelt(self, word: str, held: int) -> bool:
		"""A word a few records hold that is a letter or two from one held by many more ("Smitb",
		"Srnith" next to "Smith"): a frequent name's frequent typo, not a name of its own."""
		found = self._typos.get(word)
		if found is None:
			if self._frequent is None:
				frequent = sorted(
					((n, w) for w, n in self.words.items() if n >= COMMON_WORD * TYPO_RATIO), reverse=True
				)
				self._frequent = [w for _, w in frequent], [-n for n, _ in frequent]
			words, negated = self._frequent
			limit = 2 if len(word) >= 6 else 1
			more = words[: bisect_right(negated, -held * TYPO_RATIO)]  # held by TYPO_RATIO x as many or more
			if held < 1:
				more = [w for w in more if w != word]
			found = process.extractOne(word, more, scorer=OSA.distance, score_cutoff=limit) is not None
			self._typos[word] = found
		return found

	def compare(self, a: Profile, b: Profile) -> tuple[int, ...]:
		return (
			compare_names(a, b, self.common, self.own_name),
			self._email(a, b) if a.emails and b.emails else 0,
			self._phone(a, b) if a.phone and b.phone else 0,
			(1 if a.tax == b.tax else 2) if a.tax and b.tax else 0,  # _two_way, inline
			address_level(a, b),
			place_level(a, b, self.areas),
			(1 if a.country == b.country else 2) if a.country and b.country else 0,
		)

	def email_level(self, a: Profile, b: Profile) -> int:
		return self._email(a, b)

	def _email(self, a: Profile, b: Profile) -> int:
		if not a.emails or not b.emails:
			return 0
		shared = a.emails & b.emails
		if shared:
			email = min(shared)
			return 2 if is_generic_email(email) or self.emails[email] > 2 else 1
		for x in a.emails:
			for y in b.emails:
				if same_mailbox_name(x, y) or OSA.distance(x, y, score_cutoff=1) <= 1:
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
