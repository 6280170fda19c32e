"""Address and place comparisons for the matcher (levels as in match_compare.LEVELS): the street
number and street, and postcode, city or suburb and state as one field, with city names learnt to
stand for one place when they share street addresses; and the email check of a mailbox name at two
domains. Pure functions of two profiles' fields, written with locals (they run for every pair)."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from qbo_connector.engine.match_profile import Profile, is_generic_email

ALIAS_ADDRESSES = 2  # street addresses two city names must share to count as one place


def same_mailbox_name(x: str, y: str) -> bool:
	"""The same personal mailbox name at another domain (jane.doe@ at work and at home): evidence only when
	the name says who it is; a short word or a role (birds@, info@) at two domains says nothing."""
	local = x.split("@", 1)[0]
	if local != y.split("@", 1)[0] or is_generic_email(x):
		return False
	return len(local) >= 8 or any(ch in local for ch in "._-") or any(ch.isdigit() for ch in local)


def address_level(a: Profile, b: Profile) -> int:
	"""The address level of a pair (see LEVELS["address"] in match_compare.py); 0 when a side has none."""
	x, y, n, k = a.street, b.street, a.number, b.number
	if not (x or n) or not (y or k):
		return 0
	street = bool(x and y) and (x == y or fuzz.ratio(x, y, processor=None) >= 85)
	number = bool(n) and n == k
	if street:
		if number:
			return 1
		if n and k and len(n) == len(k) and OSA.distance(n, k, score_cutoff=1) <= 1:
			return 5  # "351"/"315", "351"/"051": a typo, or the house next door
		return 2
	if number and (not x or not y or fuzz.ratio(x, y, processor=None) >= 60):
		return 3
	if n and k and (not x or not y):  # the number alone to compare
		if len(n) == len(k) and OSA.distance(n, k, score_cutoff=1) <= 1:
			return 6  # "514"/"154": a typo, or the house next door on an unknown street
		return 7
	return 4


def city_aliases(profiles) -> frozenset[tuple[str, str]]:
	"""Pairs of city names that stand for one place: found at the same street address (number and
	street) at two or more addresses of the run ("Midtown" and "Atlanta", "Norwood" and "Adelaide": a
	district in one directory, the city in the other). One address alone may be a coincidence."""
	sites: defaultdict[tuple[str, str], set[str]] = defaultdict(set)
	for p in profiles:
		if p.number and p.street and p.city:
			sites[(p.number, p.street)].add(p.city)
	seen: Counter = Counter()
	for cities in sites.values():
		if 2 <= len(cities) <= 3:
			seen.update(combinations(sorted(cities), 2))
	return frozenset(pair for pair, n in seen.items() if n >= ALIAS_ADDRESSES)


def place_level(a: Profile, b: Profile, areas: frozenset = frozenset()) -> int:
	"""The place level of a pair (postcode, city or suburb, state as one field; see LEVELS["place"])."""
	x, y, p, q = a.city, b.city, a.postcode, b.postcode
	codes = bool(p and q)
	cities = bool(x and y)
	city_same = cities and (x == y or (min(len(x), len(y)) >= 6 and OSA.distance(x, y, score_cutoff=1) <= 1))
	if codes and p == q:
		return 1 if city_same else 2
	if city_same:
		return 4 if codes else 3
	if cities and ((x, y) if x <= y else (y, x)) in areas:
		return 10
	if codes and len(p) == len(q) and OSA.distance(p, q, score_cutoff=1) <= 1:
		return 5
	states = bool(a.state and b.state)
	if states and a.state == b.state and not cities:
		return 6
	if cities:
		return 7
	if codes:
		return 8
	return 9 if states else 0
