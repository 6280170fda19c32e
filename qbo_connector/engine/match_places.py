"""Address and place comparisons for the matcher (levels as in match_compare.LEVELS): the street
number and street, and postcode, city or suburb and state as one field, with city names learnt to
stand for one place when they share street addresses."""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from qbo_connector.engine.match_profile import Profile

ALIAS_ADDRESSES = 2  # street addresses two city names must share to count as one place


def address_level(a: Profile, b: Profile) -> int:
	"""The address level of a pair (see LEVELS["address"] in match_compare.py); 0 when a side has none."""
	if not (a.street or a.number) or not (b.street or b.number):
		return 0
	street = bool(a.street and b.street) and (
		a.street == b.street or fuzz.ratio(a.street, b.street, processor=None) >= 85
	)
	number = bool(a.number) and a.number == b.number
	if street:
		if number:
			return 1
		if a.number and b.number and len(a.number) == len(b.number):
			if OSA.distance(a.number, b.number, score_cutoff=1) <= 1:
				return 5  # "351"/"315", "351"/"051": a typo, or the house next door
		return 2
	if number and (not a.street or not b.street or fuzz.ratio(a.street, b.street, processor=None) >= 60):
		return 3
	if a.number and b.number and (not a.street or not b.street):  # the number alone to compare
		if len(a.number) == len(b.number) and OSA.distance(a.number, b.number, score_cutoff=1) <= 1:
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
	if cities and (min(a.city, b.city), max(a.city, b.city)) in areas:
		return 10
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
