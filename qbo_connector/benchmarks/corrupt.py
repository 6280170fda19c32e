"""Corruption functions for the matcher's test corpora, modelled on the published record-linkage data
generators (Febrl's dsgen, Christen & Pudjijono; GeCo, Tran, Vatsalan & Christen): typing errors by
keyboard distance, OCR confusions, phonetic respellings, missing values, abbreviations, nicknames and
formatting variants of phone numbers and postcodes. Every function takes the caller's `random.Random`,
so a corpus is a pure function of its seed.

FROZEN before the probabilistic matcher was tuned (issue 12): change it only with a new corpus version,
never to make the matcher look better."""

from __future__ import annotations

import random

_ROWS = ("qwertyuiop", "asdfghjkl", "zxcvbnm")
_KEY_POS = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
# neighbouring keys on a QWERTY keyboard (row above, same row, row below; offsets as typed)
KEYBOARD = {
	ch: "".join(
		other
		for other, (r2, c2) in _KEY_POS.items()
		if other != ch and abs(r2 - r) <= 1 and abs(c2 - c + (0.5 if r2 > r else -0.5 if r2 < r else 0)) <= 1
	)
	for ch, (r, c) in _KEY_POS.items()
}
# OCR confusions (GeCo's ocr-variations table, abridged), both directions
_OCR = [("m", "rn"), ("d", "cl"), ("w", "vv"), ("o", "0"), ("l", "1"), ("i", "1"), ("s", "5"), ("b", "6"),
	("g", "9"), ("z", "2"), ("e", "c"), ("h", "b"), ("u", "v"), ("n", "ri"), ("a", "o"), ("q", "9")]  # fmt: skip
OCR = _OCR + [(b, a) for a, b in _OCR]
# phonetic respellings (GeCo's phonetic-variations table, abridged), both directions
_PHONETIC = [("ph", "f"), ("ck", "k"), ("ie", "y"), ("ee", "ea"), ("ou", "ow"), ("c", "k"), ("s", "z"),
	("ei", "ie"), ("th", "t"), ("mm", "m"), ("ll", "l"), ("ss", "s"), ("tt", "t"), ("nn", "n"), ("ae", "e"),
	("qu", "kw"), ("x", "ks"), ("gh", "g"), ("y", "i"), ("oo", "u"), ("er", "a"), ("son", "sen")]  # fmt: skip
PHONETIC = _PHONETIC + [(b, a) for a, b in _PHONETIC]

NICKNAMES = {
	"robert": ["bob", "rob", "bobby"], "william": ["bill", "will", "billy"], "richard": ["rick", "dick"],
	"james": ["jim", "jimmy"], "john": ["jack", "johnny"], "margaret": ["maggie", "peggy", "meg"],
	"elizabeth": ["liz", "beth", "betty"], "katherine": ["kate", "kathy"], "catherine": ["cathy", "kate"],
	"michael": ["mike", "mick"], "thomas": ["tom", "tommy"], "joseph": ["joe"], "charles": ["charlie"],
	"christopher": ["chris"], "daniel": ["dan", "danny"], "matthew": ["matt"], "anthony": ["tony"],
	"edward": ["ed", "ted"], "patricia": ["pat", "trish"], "jennifer": ["jen", "jenny"], "susan": ["sue"],
	"rebecca": ["becky"], "samantha": ["sam"], "alexander": ["alex"], "benjamin": ["ben"],
	"jessica": ["jess"], "nicholas": ["nick"], "stephen": ["steve"], "timothy": ["tim"], "andrew": ["andy"],
	"jonathan": ["jon"], "deborah": ["deb", "debbie"], "kimberly": ["kim"], "victoria": ["vicky"],
	"gregory": ["greg"], "peter": ["pete"], "david": ["dave"], "kenneth": ["ken"], "ronald": ["ron"],
	"donald": ["don"], "raymond": ["ray"], "lawrence": ["larry"], "barbara": ["barb"], "dorothy": ["dot"],
	"joshua": ["josh"], "zachary": ["zac"], "jacqueline": ["jackie"], "frederick": ["fred"],
}  # fmt: skip
ABBREVIATIONS = {
	"street": "st", "road": "rd", "avenue": "ave", "boulevard": "blvd", "drive": "dr", "place": "pl",
	"crescent": "cres", "court": "ct", "parade": "pde", "highway": "hwy", "terrace": "tce", "lane": "ln",
	"north": "n", "south": "s", "east": "e", "west": "w", "saint": "st", "mount": "mt", "and": "&",
	"international": "intl", "company": "co", "brothers": "bros", "restaurant": "rest", "services": "svcs",
	"associates": "assoc", "corporation": "corp", "incorporated": "inc", "limited": "ltd",
	"management": "mgmt", "department": "dept", "manufacturing": "mfg", "center": "ctr", "centre": "ctr",
}  # fmt: skip


def keyboard_typo(rng: random.Random, word: str) -> str:
	"""One substitution by a neighbouring key, an insertion, a deletion or a transposition."""
	if len(word) < 2:
		return word
	i = rng.randrange(len(word))
	op = rng.random()
	ch = word[i].lower()
	if op < 0.45 and ch in KEYBOARD:
		return word[:i] + rng.choice(KEYBOARD[ch]) + word[i + 1 :]
	if op < 0.65:
		return word[:i] + rng.choice(KEYBOARD.get(ch) or "e") + word[i:]
	if op < 0.85 and len(word) > 3:
		return word[:i] + word[i + 1 :]
	if i + 1 < len(word):
		return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
	return word[:-2] + word[-1] + word[-2]


def _substitute(rng: random.Random, word: str, table: list[tuple[str, str]]) -> str:
	options = [(a, b) for a, b in table if a in word]
	if not options:
		return keyboard_typo(rng, word)
	a, b = rng.choice(options)
	starts = [i for i in range(len(word)) if word.startswith(a, i)]
	i = rng.choice(starts)
	return word[:i] + b + word[i + len(a) :]


def ocr_error(rng: random.Random, word: str) -> str:
	return _substitute(rng, word, OCR)


def phonetic_error(rng: random.Random, word: str) -> str:
	return _substitute(rng, word, PHONETIC)


def misspell(rng: random.Random, text: str) -> str:
	"""One error in one word of the text: keyboard (60%), phonetic (25%) or OCR (15%)."""
	words = text.split(" ")
	spots = [i for i, w in enumerate(words) if len(w) >= 3]
	if not spots:
		return text
	i = rng.choice(spots)
	roll = rng.random()
	error = keyboard_typo if roll < 0.6 else phonetic_error if roll < 0.85 else ocr_error
	words[i] = error(rng, words[i])
	return " ".join(words)


def abbreviate(rng: random.Random, text: str) -> str:
	"""Abbreviate one abbreviable word ("Street" -> "St", "International" -> "Intl"), else keep."""
	words = text.split(" ")
	spots = [i for i, w in enumerate(words) if w.lower().strip(".,") in ABBREVIATIONS]
	if not spots:
		return text
	i = rng.choice(spots)
	short = ABBREVIATIONS[words[i].lower().strip(".,")]
	short = short.capitalize() if words[i][:1].isupper() else short
	words[i] = short + ("." if rng.random() < 0.4 and short.isalpha() and len(short) > 1 else "")
	return " ".join(words)


def nickname(rng: random.Random, given: str) -> str:
	options = NICKNAMES.get(given.lower())
	if not options:
		return given
	return rng.choice(options).capitalize()


def phone_format(rng: random.Random, country_code: str, area: str, local: str) -> str:
	"""The same number written as people write it: national, international, slashes, dots."""
	half = len(local) // 2
	a, b = local[:half], local[half:]
	trunk = "" if country_code == "1" else "0"
	styles = [
		f"({trunk}{area}) {a} {b}" if trunk else f"({area}) {a}-{b}",
		f"+{country_code} {area} {a} {b}",
		f"{trunk}{area}-{a}-{b}",
		f"{area}/{a}-{b}",
		f"{trunk}{area}.{a}.{b}",
		f"{trunk}{area}{local}",
		f"+{country_code}{area}{local}",
	]
	return rng.choice(styles)


def postcode_format(rng: random.Random, postcode: str) -> str:
	"""ZIP+4 added, a leading zero dropped (spreadsheets), spacing changed, lower case."""
	roll = rng.random()
	if postcode.isdigit() and len(postcode) == 5 and roll < 0.4:
		return f"{postcode}-{rng.randrange(1000, 9999)}"
	if postcode.isdigit() and postcode.startswith("0") and roll < 0.8:
		return postcode.lstrip("0")
	if " " in postcode:
		return postcode.replace(" ", "") if roll < 0.9 else postcode.lower()
	return postcode


def swap_digits(rng: random.Random, digits: str) -> str:
	"""A typo in a number: two neighbouring digits swapped, or one replaced."""
	if len(digits) < 2:
		return str(rng.randrange(10))
	i = rng.randrange(len(digits) - 1)
	if rng.random() < 0.5:
		return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]
	return digits[:i] + str(rng.randrange(10)) + digits[i + 1 :]
