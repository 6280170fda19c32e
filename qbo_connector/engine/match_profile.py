"""Comparable profiles of ERPNext and QBO customers.

A profile holds every field in the form the matcher compares (name keys and tokens, emails, the phone's
national number, tax id, street number and street, postcode, city, state, country). Building them once
keeps the matcher's inner loop free of string clean-up."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from operator import attrgetter

try:
	import phonenumbers
except ImportError:  # a Frappe dependency; the engine also runs without it
	phonenumbers = None

from rapidfuzz.distance import OSA

from qbo_connector.engine.match_parallel import beside, forks, shared
from qbo_connector.engine.names import analyze_name, fold_text, match_token, normalize_name, strip_deleted
from qbo_connector.engine.records import ERPCustomer, QBOCustomer

GENERIC_LOCAL_PARTS = frozenset(
	"info accounts account accounting admin billing bills sales office contact hello support ap ar invoices "
	"invoice finance mail enquiries enquiry inquiries team noreply no-reply orders payments purchasing "
	"reception general hr service customerservice webmaster post".split()
)
_ADDRESS_WORDS = {
	"street": "st", "road": "rd", "avenue": "ave", "av": "ave", "boulevard": "blvd", "drive": "dr", "lane": "ln",
	"suite": "ste", "court": "ct", "place": "pl", "highway": "hwy", "north": "n", "south": "s", "east": "e",
	"west": "w", "floor": "fl", "apartment": "apt", "unit": "", "flat": "", "apt": "", "number": "", "no": "",
	"crescent": "cres", "parade": "pde", "terrace": "tce", "rear": "", "saint": "st", "mount": "mt",
}  # fmt: skip
_STREET_TYPES = ("street", "road", "avenue", "boulevard", "drive", "lane", "court", "place", "highway",
	"crescent", "parade", "terrace")  # fmt: skip
_CITY_ALIASES = {"nyc": "newyork", "newyorkcity": "newyork", "sf": "sanfrancisco", "la": "losangeles",
	"saintlouis": "stlouis", "fortworth": "ftworth"}  # fmt: skip
_STATE_NAMES = {"newsouthwales": "NSW", "victoria": "VIC", "queensland": "QLD", "westernaustralia": "WA",
	"southaustralia": "SA", "tasmania": "TAS", "australiancapitalterritory": "ACT", "northernterritory": "NT",
	"california": "CA", "newyork": "NY", "texas": "TX", "florida": "FL", "illinois": "IL", "georgia": "GA",
	"nevada": "NV", "washington": "WA", "massachusetts": "MA", "pennsylvania": "PA", "ohio": "OH",
	"ontario": "ON", "quebec": "QC", "britishcolumbia": "BC", "alberta": "AB"}  # fmt: skip
_NUMBER = re.compile(r"\d+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_EMAIL_SPLIT = re.compile(r"[,;\s]+")
_EXTENSION = re.compile(r"(?:x|ext\.?|extension|#)\s*\d+\s*$", re.IGNORECASE)
_COUNTRIES = {
	"us": "US", "usa": "US", "unitedstates": "US", "unitedstatesofamerica": "US", "america": "US",
	"uk": "GB", "gb": "GB", "gbr": "GB", "unitedkingdom": "GB", "greatbritain": "GB", "england": "GB",
	"ca": "CA", "can": "CA", "canada": "CA", "au": "AU", "aus": "AU", "australia": "AU", "in": "IN",
	"ind": "IN", "india": "IN", "de": "DE", "deu": "DE", "germany": "DE", "deutschland": "DE", "fr": "FR",
	"fra": "FR", "france": "FR", "nz": "NZ", "newzealand": "NZ", "ie": "IE", "ireland": "IE",
}  # fmt: skip


@dataclass(slots=True)
class Profile:
	keys: tuple[str, ...]  # exact-comparable name keys (DisplayName/CompanyName, or customer_name)
	alias: str  # a person's name held in GivenName/FamilyName (QBO only)
	names: tuple[tuple[str, ...], ...]  # the keys (and alias) as comparison tokens (nicknames resolved)
	raw: tuple[tuple[str, ...], ...]  # the same words as written (a nickname is weaker than the name itself)
	legal: str  # legal form words, e.g. "pvt ltd"
	company: bool
	emails: frozenset[str]
	phone: str  # national significant number
	tax: str
	number: str  # street number
	street: str  # street words, abbreviated ("granite cres")
	postcode: str
	city: str
	state: str
	country: str  # ISO-2 when recognised
	currency: str
	active: bool = True
	written: tuple[str, ...] = ()  # the names as written (QBO: display, company and person name), for reasons


@lru_cache(maxsize=1 << 17)  # a partner's value is mostly the same string
def normalize_email(raw: str) -> frozenset[str]:
	return frozenset(e for e in _EMAIL_SPLIT.split((raw or "").strip().lower()) if "@" in e)


@lru_cache(maxsize=1 << 16)
def normalize_phone(raw: str) -> str:
	"""The national significant number: an extension dropped; an international number reduced by
	`phonenumbers` (its country code removed), a national one by its trunk prefix ("0", or "1" before
	ten digits); "" when fewer than 6 digits remain."""
	number = _EXTENSION.split(raw or "", maxsplit=1)[0].strip()
	digits = "".join(ch for ch in number if ch.isdigit())
	if number.startswith("+") or digits.startswith("00"):
		digits = _international(digits.removeprefix("00"))
	elif len(digits) == 11 and digits.startswith("1"):
		digits = digits[1:]
	else:
		digits = digits.removeprefix("0")
	return digits if len(digits) >= 6 else ""


def _international(digits: str) -> str:
	if phonenumbers is None:  # without the library: a guess (North American, else a 2-digit code)
		return digits[1:] if len(digits) == 11 and digits.startswith("1") else digits[2:]
	try:
		return str(phonenumbers.parse("+" + digits, None).national_number)
	except phonenumbers.NumberParseException:
		return digits


def normalize_code(raw: str) -> str:
	"""Tax ids and postcodes: letters and digits only, upper case."""
	return _NON_ALNUM.sub("", fold_text(raw)).upper()


@lru_cache(maxsize=1 << 14)
def normalize_postcode(raw: str) -> str:
	"""ZIP+4 cut to the ZIP; letters and digits only."""
	code = normalize_code(raw)
	return code[:5] if len(code) == 9 and code.isdigit() and "-" in raw else code


@lru_cache(maxsize=1 << 17)  # a partner's value is mostly the same string
def split_address(line1: str) -> tuple[str, str]:
	"""(street number, street words) of an address line; abbreviations applied ("Road" -> "rd")."""
	text = fold_text(line1)
	found = _NUMBER.search(text)
	words = [_ADDRESS_WORDS.get(w, w) for w in _NON_ALNUM.sub(" ", text).split() if not w.isdigit()]
	if len(words) >= 2:
		words[-1] = _street_type(words[-1])
	return (found.group(0) if found else ""), " ".join(w for w in words if w)


@lru_cache(maxsize=1 << 12)
def _street_type(word: str) -> str:
	"""The last word of a street, a misspelt street type read as that type ("Placae", "Crescerit" ->
	"pl", "cres"): one edit in 5+ letters, two in 8+. Any other word is left as it is."""
	if len(word) < 5:
		return word
	limit = 2 if len(word) >= 8 else 1
	for full in _STREET_TYPES:
		if abs(len(full) - len(word)) <= limit and OSA.distance(word, full, score_cutoff=limit) <= limit:
			return _ADDRESS_WORDS[full]
	return word


@lru_cache(maxsize=1 << 14)
def normalize_city(city: str) -> str:
	town = _NON_ALNUM.sub("", fold_text(city))
	return _CITY_ALIASES.get(town, town)


@lru_cache(maxsize=1 << 14)
def normalize_state(state: str) -> str:
	code = _NON_ALNUM.sub("", fold_text(state))
	return _STATE_NAMES.get(code, code.upper())


@lru_cache(maxsize=1 << 14)
def normalize_country(country: str) -> str:
	land = _NON_ALNUM.sub("", fold_text(country))
	return _COUNTRIES.get(land, land.upper())


def is_generic_email(email: str) -> bool:
	return email.split("@", 1)[0] in GENERIC_LOCAL_PARTS


@lru_cache(maxsize=1 << 17)  # a partner's value is mostly the same string
def name_tokens(key: str) -> tuple[str, ...]:
	return tuple(match_token(t) for t in key.split())


def _profile(record, keys: tuple[str, ...], alias: str, legal: str, company: bool, postcode: str) -> Profile:
	number, street = split_address(record.address_line1)
	written = tuple(dict.fromkeys(k for k in (*keys, alias) if k))
	names = tuple(name_tokens(k) for k in written)
	return Profile(
		keys=keys,
		alias=alias,
		names=names,
		raw=tuple(tuple(k.split()) for k in written),
		legal=legal,
		company=company,
		emails=normalize_email(record.email),
		phone=normalize_phone(record.phone),
		tax=normalize_code(record.tax_id),
		number=number,
		street=street,
		postcode=normalize_postcode(postcode),
		city=normalize_city(record.city),
		state=normalize_state(record.state),
		country=normalize_country(record.country),
		currency=(record.currency or "").strip().upper(),
	)


def profile_erp(customer: ERPCustomer) -> Profile:
	info = analyze_name(customer.customer_name)
	kind = (customer.customer_type or "").strip().lower()
	company = kind == "company" or (kind != "individual" and info.company)
	profile = _profile(customer, info.keys, "", info.legal_form, company, customer.pincode)
	profile.written = (customer.customer_name or "",)
	return profile


def profile_qbo(record: QBOCustomer) -> Profile:
	display, deleted = strip_deleted(record.display_name)
	info = analyze_name(display)
	company = analyze_name(record.company_name) if record.company_name.strip() else None
	keys = info.keys + tuple(k for k in (company.keys if company else ()) if k not in info.keys)
	given, family = record.given_name.strip(), record.family_name.strip()
	alias = normalize_name(f"{given} {family}") if given and family else ""
	legal = info.legal_form or (company.legal_form if company else "")
	profile = _profile(
		record, keys, "" if alias in keys else alias, legal, bool(company) or info.company, record.postcode
	)
	profile.active = record.active and not deleted
	profile.written = (display, record.company_name or "", f"{given} {family}".strip())
	return profile


def profiles_beside(build, records: Sequence, task) -> list[Profile]:
	"""[build(record)] while `task()` runs: a large run builds them in a forked worker process, which
	sends back each profile's fields (a tuple pickles several times faster than the dataclass)."""
	if not forks(len(records)):
		task()
		return [build(record) for record in records]
	return [Profile(*fields) for fields in beside(_fields_part, (build, records), len(records), task)]


_FIELDS = attrgetter(*Profile.__slots__)  # a profile's fields, in order


def _fields_part(bounds: tuple[int, int]) -> list[tuple]:
	build, records = shared()
	return [_FIELDS(build(record)) for record in records[bounds[0] : bounds[1]]]


def legal_forms_differ(a: str, b: str) -> bool:
	""" "Inc" vs "LLC" differ; "Ltd" vs "Pvt Ltd" or a missing form do not."""
	return bool(a and b) and not (set(a.split()) & set(b.split()))
