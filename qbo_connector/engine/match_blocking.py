"""Blocking for the matcher: which QBO records are worth comparing with an ERPNext customer. The union
of several keys, so that one typo (even in a first letter) or a missing field does not hide a partner:
the name's sound (phonetic codes of its words, in any order), each name word with the other word's
initial, rare name words, phone, email, tax id, postcode with street number, and street number with
the street's first word. Keys held by too many records are skipped; the candidates sharing the most
(and rarest) keys are kept."""

from __future__ import annotations

import math
from collections import defaultdict

from qbo_connector.engine.match_profile import Profile
from qbo_connector.engine.names import phonetic_code

MAX_BLOCK = 200  # a key held by more QBO records than this selects nothing
RARE_WORD = 40  # a single name word is a key only when at most this many records hold it
MAX_CANDIDATES = 12
_WORTH = [0.0, *(1.0 / (1.0 + math.log2(n)) for n in range(1, MAX_BLOCK + 1))]  # a key held by n records


def blocking_keys(p: Profile) -> set[str]:
	keys: set[str] = set()
	for tokens in p.names:
		words = [t for t in tokens if len(t) > 1]
		if not words:
			continue
		keys.add("s:" + " ".join(sorted(phonetic_code(t) for t in words)))
		if len(words) >= 2:
			first, last = words[0], words[-1]
			keys.add(f"i:{first}|{last[0]}")
			keys.add(f"i:{last}|{first[0]}")
		keys.update("w:" + t for t in words if len(t) >= 3)
	keys.update("e:" + e for e in p.emails)
	if p.phone:
		keys.add("p:" + p.phone)
	if p.tax:
		keys.add("t:" + p.tax)
	if p.number:
		if p.postcode:
			keys.add(f"a:{p.postcode}|{p.number}")
		if p.street:
			keys.add(f"r:{p.number}|{p.street.split()[0]}")
	return keys


class Blocker:
	def __init__(self, profiles: list[Profile]):
		index: defaultdict[str, list[int]] = defaultdict(list)
		for i, profile in enumerate(profiles):
			for key in blocking_keys(profile):
				index[key].append(i)
		self.index = {  # key -> (its worth, the records holding it)
			k: (_WORTH[len(v)], v)
			for k, v in index.items()
			if len(v) <= (RARE_WORD if k.startswith("w:") else MAX_BLOCK)
		}

	def candidates(self, profile: Profile) -> list[int]:
		"""QBO indexes sharing a key, best first: each shared key counts more the fewer records hold it."""
		scores: defaultdict[int, float] = defaultdict(float)
		index = self.index
		for key in sorted(blocking_keys(profile)):  # a set's order follows the hash seed; decisions must not
			found = index.get(key)
			if found is not None:
				worth, block = found
				for i in block:
					scores[i] += worth
		if len(scores) <= MAX_CANDIDATES:
			return list(scores)
		return sorted(scores, key=scores.__getitem__, reverse=True)[:MAX_CANDIDATES]  # ties: first seen
