"""Name normalisation for customer matching, and DisplayName sanitising for creates.

Framework-free. `normalize_name` gives a comparable key; `name_keys` gives every key a name may be
known by ("Brown, Nick" is also "nick brown"); `sanitize_display_name` makes a string QBO accepts."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import NamedTuple

from rapidfuzz.distance import OSA

DISPLAY_NAME_MAX = 500
DELETED_SUFFIX = "(deleted)"

# Legal-form words, compared after folding (dots dropped, lower case). Multi-word forms are listed
# as token tuples; they are stripped from the end of a name, repeatedly ("Acme Co. Pvt. Ltd." -> "acme").
_LEGAL_FORMS = [
	"inc", "incorporated", "llc", "lc", "ltd", "limited", "gmbh", "co", "company", "corp", "corporation",
	"plc", "llp", "lp", "sa", "sarl", "sas", "ag", "bv", "nv", "pty", "pvt", "pte", "oy", "ab", "as", "aps",
	"kg", "ohg", "ug", "kk", "srl", "spa", "sl", "sro", "sp zoo", "bhd", "sdn bhd", "pty ltd", "pvt ltd",
	"pte ltd", "private limited", "public limited company", "limited liability company", "gmbh and co kg",
	"and co", "and company", "cie", "et cie",
]  # fmt: skip
_LEGAL_SEQUENCES = sorted((tuple(form.split()) for form in _LEGAL_FORMS), key=len, reverse=True)
# Spellings of one legal form, so "Ltd" and "Limited" agree while "Inc" and "LLC" do not.
_LEGAL_CANON = {
	"incorporated": "inc", "limited": "ltd", "corporation": "corp", "company": "co", "and co": "co",
	"and company": "co", "private limited": "pvt ltd", "limited liability company": "llc", "lc": "llc",
	"public limited company": "plc", "et cie": "cie",
}  # fmt: skip
_LEGAL_WORDS = {word for form in _LEGAL_FORMS for word in form.split()} - {"and", "the"}
LEGAL_WORDS = frozenset(_LEGAL_WORDS)
# Words that make a name look like a business rather than a person.
_BUSINESS_WORDS = {
	"services", "service", "solutions", "group", "holdings", "trading", "traders", "enterprises", "industries",
	"systems", "partners", "associates", "consulting", "international", "global", "store", "shop", "bank",
	"foods", "media", "labs", "studio", "agency", "hotel", "restaurant", "cafe", "school", "clinic", "farm",
	"supply", "supplies", "construction", "plumbing", "electric", "motors", "logistics", "design", "software",
	"technologies", "tech", "builders", "bakery", "foundation", "trust", "university", "college", "club",
	"society", "church", "department", "hospital", "pharmacy", "dental", "transport", "auto", "insurance",
}  # fmt: skip

_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'", "`": "'",
	"\u201c": '"', "\u201d": '"', "\u201e": '"', "\u00b4": "'", "\u00df": "ss", "\u00e6": "ae", "\u0153": "oe",
	"\u00f8": "o", "\u0142": "l", "\u0111": "d", "\u00f0": "d", "\u00fe": "th"})  # fmt: skip
_DOTTED_INITIALS = re.compile(r"\b(?:[a-z]\.){2,}")
_APOSTROPHE = re.compile(r"(?<=\w)'(?=\w)")
_NON_WORD = re.compile(r"[^a-z0-9,]+")
_DELETED = re.compile(r"\s*\(deleted\)\s*$", re.IGNORECASE)
_FORBIDDEN = re.compile(r"[:\t\r\n\v\f\x00-\x1f\x7f]+")
_SPACES = re.compile(r"\s+")


def is_legal_word(word: str, typos: int = 0) -> bool:
	"""Is the word a legal-form word ("inc", "ltd"...), allowing `typos` edits for words of 5+ letters?"""
	if word in _LEGAL_WORDS:
		return True
	if not typos or len(word) < 3:
		return False
	return any(len(w) >= 4 and OSA.distance(word, w, score_cutoff=typos) <= typos for w in _LEGAL_WORDS)


def strip_deleted(name: str) -> tuple[str, bool]:
	"""("Acme (deleted)") -> ("Acme", True): QBO shows inactive customers with that suffix."""
	stripped = _DELETED.sub("", name or "")
	return stripped, stripped != (name or "")


def fold_text(text: str) -> str:
	"""Lower case, straight quotes, accents removed (unicodedata), ligatures spelled out."""
	text = text or ""
	if text.isascii():
		return text.lower().replace("`", "'")
	text = unicodedata.normalize("NFKC", text).lower().translate(_QUOTES)
	decomposed = unicodedata.normalize("NFKD", text)
	return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _tokenize(text: str) -> list[str]:
	"""Folded text -> word tokens, with ',' kept as its own token; '&' becomes 'and'."""
	text = _DOTTED_INITIALS.sub(lambda m: m.group(0).replace(".", "") + " ", text)
	text = _APOSTROPHE.sub("", text).replace("&", " and ").replace("+", " and ")
	text = _NON_WORD.sub(" ", text).replace(",", " , ")
	return text.split()


class NameInfo(NamedTuple):
	keys: tuple[str, ...]  # keys[0] is canonical; "Last, First" adds the written order as a second key
	company: bool  # a legal form or a business word shows
	legal_form: str  # canonical legal form ("inc", "ltd", "pvt ltd"...), "" when none


def _strip_legal_forms(tokens: list[str]) -> tuple[list[str], str]:
	"""Drop legal forms from the end (and a leading 'the'); keep at least one token. -> (tokens, form)."""
	forms: list[str] = []
	changed = True
	while changed and len(tokens) > 1 and (tokens[-1] in _LEGAL_WORDS or tokens[-1] in {",", "and"}):
		changed = False
		while tokens and tokens[-1] in {",", "and"}:
			tokens = tokens[:-1]
		for seq in _LEGAL_SEQUENCES:
			if len(tokens) > len(seq) and tuple(tokens[-len(seq) :]) == seq:
				tokens = tokens[: -len(seq)]
				form = " ".join(seq)
				forms.insert(0, _LEGAL_CANON.get(form, form))
				changed = True
				break
	if len(tokens) > 1 and tokens[0] == "the":
		tokens = tokens[1:]
	while len(tokens) > 1 and tokens[-1] in {",", "and"}:
		tokens = tokens[:-1]
	return tokens, " ".join(forms)


@lru_cache(maxsize=1 << 17)
def analyze_name(name: str) -> NameInfo:
	"""Keys, company hint and legal form of a name ("(deleted)" ignored)."""
	base, _ = strip_deleted(name)
	tokens, legal = _strip_legal_forms(_tokenize(fold_text(base)))
	words = [t for t in tokens if t != ","]
	company = bool(legal) or any(w in _BUSINESS_WORDS for w in words)
	plain = " ".join(words)
	if tokens.count(",") == 1 and not company:
		comma = tokens.index(",")
		left, right = tokens[:comma], tokens[comma + 1 :]
		if 1 <= len(left) <= 2 and 1 <= len(right) <= 3 and "and" not in tokens:
			return NameInfo((" ".join(right + left), plain), False, "")
	return NameInfo((plain,) if plain else (), company, legal)


def normalize_name(name: str) -> str:
	"""Comparable key: "Acme, Inc." -> "acme"; "Brown, Nick" -> "nick brown"; "" when nothing is left."""
	keys = analyze_name(name or "").keys
	return keys[0] if keys else ""


def name_keys(name: str) -> tuple[str, ...]:
	"""Every key a name may be known by (canonical first)."""
	return analyze_name(name or "").keys


def sanitize_display_name(name: str, default: str = "Customer") -> str:
	"""QBO DisplayName: no ':', tab or newline; whitespace collapsed; trimmed; <= 500 chars; never empty."""
	text = _SPACES.sub(" ", _FORBIDDEN.sub(" ", name or "")).strip()[:DISPLAY_NAME_MAX].rstrip()
	if text:
		return text
	fallback = _SPACES.sub(" ", _FORBIDDEN.sub(" ", default or "")).strip()[:DISPLAY_NAME_MAX].rstrip()
	return fallback or "Customer"


def display_name_for(
	erp_customer, taken: set[str] | frozenset[str] = frozenset(), policy_suffix: str = " (Customer)"
) -> str:
	"""DisplayName to create for an ERPNext customer. `taken` holds lower-cased Vendor/Employee names;
	on a clash the policy suffix is appended (the base is shortened so the result stays <= 500 chars)."""
	name = sanitize_display_name(erp_customer.customer_name, default=erp_customer.id)
	if name.lower() not in taken:
		return name
	suffix = sanitize_display_name(policy_suffix, default="(Customer)")
	suffix = " " + suffix if policy_suffix[:1].isspace() else suffix
	base = name[: DISPLAY_NAME_MAX - len(suffix)].rstrip()
	return base + suffix


# Nicknames -> the formal given name, so "Bob Smith" compares as "Robert Smith".
_NICKNAMES = {
	"bob": "robert", "bobby": "robert", "rob": "robert", "robbie": "robert", "bert": "robert",
	"bill": "william", "billy": "william", "will": "william", "willy": "william", "liam": "william",
	"rick": "richard", "ricky": "richard", "dick": "richard", "rich": "richard", "jim": "james",
	"jimmy": "james", "jamie": "james", "jack": "john", "johnny": "john", "jon": "jonathan",
	"maggie": "margaret", "peggy": "margaret", "meg": "margaret", "marge": "margaret", "liz": "elizabeth",
	"beth": "elizabeth", "betty": "elizabeth", "eliza": "elizabeth", "lizzie": "elizabeth", "kate": "katherine",
	"kathy": "katherine", "katie": "katherine", "cathy": "catherine", "mike": "michael", "mick": "michael",
	"mikey": "michael", "tom": "thomas", "tommy": "thomas", "joe": "joseph", "joey": "joseph",
	"charlie": "charles", "chuck": "charles", "chris": "christopher", "dan": "daniel", "danny": "daniel",
	"matt": "matthew", "tony": "anthony", "ed": "edward", "eddie": "edward", "ted": "edward", "ned": "edward",
	"pat": "patricia", "patty": "patricia", "trish": "patricia", "jen": "jennifer", "jenny": "jennifer",
	"sue": "susan", "susie": "susan", "becky": "rebecca", "sam": "samuel", "alex": "alexander",
	"ben": "benjamin", "benny": "benjamin", "jess": "jessica", "nick": "nicholas", "steve": "stephen",
	"steven": "stephen", "tim": "timothy", "andy": "andrew", "drew": "andrew", "deb": "deborah",
	"debbie": "deborah", "kim": "kimberly", "vicky": "victoria", "greg": "gregory", "pete": "peter",
	"dave": "david", "ken": "kenneth", "kenny": "kenneth", "ron": "ronald", "ronnie": "ronald",
	"don": "donald", "ray": "raymond", "larry": "lawrence", "barb": "barbara", "dot": "dorothy",
	"josh": "joshua", "zac": "zachary", "zack": "zachary", "jackie": "jacqueline", "fred": "frederick",
	"freddie": "frederick", "al": "albert", "gus": "augustus", "hank": "henry", "harry": "henry",
	"sandy": "sandra", "mandy": "amanda", "nate": "nathan", "abby": "abigail", "gabe": "gabriel",
	"walt": "walter", "jerry": "gerald", "terry": "terence", "phil": "philip", "vince": "vincent",
}  # fmt: skip
_DIGRAPHS = (("ue", "u"), ("oe", "o"), ("ae", "a"))  # "Mueller" and "Müller" (folded "muller") agree
_PHONETIC_RULES = (("sch", "sk"), ("tch", "ch"), ("ph", "f"), ("ck", "k"), ("gh", "g"), ("kn", "n"),
	("wr", "r"), ("qu", "kw"), ("dg", "j"), ("x", "ks"), ("ce", "se"), ("ci", "si"), ("cy", "si"), ("c", "k"),
	("q", "k"), ("z", "s"), ("v", "f"), ("y", "i"), ("th", "t"))  # fmt: skip


KNOWN_GIVEN_NAMES = frozenset(_NICKNAMES) | frozenset(_NICKNAMES.values())


def formal_name(token: str) -> str:
	"""The formal given name a nickname stands for ("betty" -> "elizabeth"); other words unchanged."""
	return _NICKNAMES.get(token, token)


@lru_cache(maxsize=1 << 16)
def match_token(token: str) -> str:
	"""A name token in the form names are compared in: nicknames to the formal name, German
	transliterations folded ("mueller" = "muller", which is how "Müller" folds)."""
	token = _NICKNAMES.get(token, token)
	for digraph, single in _DIGRAPHS:
		if digraph in token:
			token = token.replace(digraph, single)
	return token


@lru_cache(maxsize=1 << 16)
def phonetic_code(word: str) -> str:
	"""A compact Metaphone-like sound key: "Smith", "Smyth" and "Smithe" share "SMT"; the first letter is
	kept, later vowels, h and w dropped, doubled letters collapsed."""
	for old, new in _PHONETIC_RULES:
		if old in word:
			word = word.replace(old, new)
	if not word:
		return ""
	out = [word[0]]
	for ch in word[1:]:
		if ch not in "aeiouhw" and ch != out[-1] and ch.isalpha():
			out.append(ch)
	return "".join(out[:6]).upper()
