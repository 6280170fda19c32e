"""Comparable profiles of ERPNext and QBO customers, and the field-level evidence between two of them.

A profile holds every field in the form the matcher compares (name keys, emails, phone digits, tax id,
address key). Building them once keeps the matcher's inner loop free of string clean-up."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from qbo_connector.engine.names import analyze_name, fold_text, is_legal_word, normalize_name, strip_deleted
from qbo_connector.engine.records import ERPCustomer, QBOCustomer

GENERIC_LOCAL_PARTS = frozenset(
	"info accounts account accounting admin billing bills sales office contact hello support ap ar invoices "
	"invoice finance mail enquiries enquiry inquiries team noreply no-reply orders payments purchasing "
	"reception general hr service customerservice webmaster post".split()
)
_ADDRESS_WORDS = {
	"street": "st", "road": "rd", "avenue": "ave", "av": "ave", "boulevard": "blvd", "drive": "dr", "lane": "ln",
	"suite": "ste", "court": "ct", "place": "pl", "highway": "hwy", "north": "n", "south": "s", "east": "e",
	"west": "w", "floor": "fl", "apartment": "apt", "unit": "apt", "number": "", "no": "",
}  # fmt: skip
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
	fuzzy: str  # canonical key used for fuzzy scoring
	legal: str  # legal form words, e.g. "pvt ltd"
	company: bool
	emails: frozenset[str]
	phone: str
	tax: str
	address: str  # "line1|postcode" when both are known
	postcode: str
	place: str  # "city|country" (ISO-2 country when recognised), parts may be empty
	currency: str
	active: bool = True


def normalize_email(raw: str) -> frozenset[str]:
	return frozenset(e for e in _EMAIL_SPLIT.split((raw or "").strip().lower()) if "@" in e)


def normalize_phone(raw: str) -> str:
	"""Last 10 digits (an extension dropped); "" when fewer than 7 digits."""
	number = _EXTENSION.split(raw or "", maxsplit=1)[0]
	digits = "".join(ch for ch in number if ch.isdigit())
	return digits[-10:] if len(digits) >= 7 else ""


def normalize_code(raw: str) -> str:
	"""Tax ids and postcodes: letters and digits only, upper case."""
	return _NON_ALNUM.sub("", fold_text(raw)).upper()


def normalize_address(line1: str, postcode: str) -> str:
	words = [_ADDRESS_WORDS.get(w, w) for w in _NON_ALNUM.sub(" ", fold_text(line1)).split()]
	line = " ".join(w for w in words if w)
	code = normalize_code(postcode)
	return f"{line}|{code}" if line and code else ""


def normalize_place(city: str, country: str) -> str:
	""" "city|country" for contradiction checks; a country name only counts when recognised."""
	town = _NON_ALNUM.sub("", fold_text(city))
	land = _NON_ALNUM.sub("", fold_text(country))
	return f"{town}|{_COUNTRIES.get(land, '')}" if town or land else ""


def places_differ(a: str, b: str) -> str:
	""" "city" or "country" when both sides know it and it differs, else ""."""
	if not a or not b:
		return ""
	(city_a, land_a), (city_b, land_b) = a.split("|"), b.split("|")
	if land_a and land_b and land_a != land_b:
		return "country"
	return "city" if city_a and city_b and city_a != city_b else ""


def is_generic_email(email: str) -> bool:
	return email.split("@", 1)[0] in GENERIC_LOCAL_PARTS


def profile_erp(customer: ERPCustomer) -> Profile:
	info = analyze_name(customer.customer_name)
	kind = (customer.customer_type or "").strip().lower()
	return Profile(
		keys=info.keys,
		alias="",
		fuzzy=info.keys[0] if info.keys else "",
		legal=info.legal_form,
		company=kind == "company" or (kind != "individual" and info.company),
		emails=normalize_email(customer.email),
		phone=normalize_phone(customer.phone),
		tax=normalize_code(customer.tax_id),
		address=normalize_address(customer.address_line1, customer.pincode),
		postcode=normalize_code(customer.pincode),
		place=normalize_place(customer.city, customer.country),
		currency=(customer.currency or "").strip().upper(),
	)


def profile_qbo(record: QBOCustomer) -> Profile:
	display, deleted = strip_deleted(record.display_name)
	info = analyze_name(display)
	company = analyze_name(record.company_name) if record.company_name.strip() else None
	keys = info.keys + tuple(k for k in (company.keys if company else ()) if k not in info.keys)
	given, family = record.given_name.strip(), record.family_name.strip()
	alias = normalize_name(f"{given} {family}") if given and family else ""
	return Profile(
		keys=keys,
		alias="" if alias in keys else alias,
		fuzzy=keys[0] if keys else "",
		legal=info.legal_form or (company.legal_form if company else ""),
		company=bool(company) or info.company,
		emails=normalize_email(record.email),
		phone=normalize_phone(record.phone),
		tax=normalize_code(record.tax_id),
		address=normalize_address(record.address_line1, record.postcode),
		postcode=normalize_code(record.postcode),
		place=normalize_place(record.city, record.country),
		currency=(record.currency or "").strip().upper(),
		active=record.active and not deleted,
	)


def legal_forms_differ(a: str, b: str) -> bool:
	""" "Inc" vs "LLC" differ; "Ltd" vs "Pvt Ltd" or a missing form do not."""
	return bool(a and b) and not (set(a.split()) & set(b.split()))


def _tokens_close(a: str, b: str, person: bool = False) -> bool:
	"""Equal, or one typo in a long enough word ("smtih" ~ "smith"; "mark" is not "mary"). In a person's
	name the last two letters must agree: an edit there is more often another name than a typo
	("Daniel"/"Daniela", "Christian"/"Christina", "Francis"/"Frances")."""
	if a == b:
		return True
	if person and a[-2:] != b[-2:]:
		return False
	shortest = min(len(a), len(b))
	limit = 1 if shortest >= 5 else 0
	limit = 2 if shortest >= 9 else limit
	return OSA.distance(a, b, score_cutoff=limit) <= limit


def _initial_of(a: str, b: str) -> bool:
	return (len(a) == 1 and b.startswith(a)) or (len(b) == 1 and a.startswith(b))


def _drop_mistyped_legal(ta: list[str], tb: list[str]) -> tuple[list[str], list[str]]:
	"""A legal form with a typo survives normalisation ("Acme Corporaton"): drop a trailing word
	that is one typo away from a legal form when the other name lacks it."""
	for longer, shorter in ((ta, tb), (tb, ta)):
		if (
			len(longer) == len(shorter) + 1
			and longer[-1] not in shorter
			and is_legal_word(longer[-1], typos=1)
		):
			trimmed = longer[:-1]
			return (trimmed, shorter) if longer is ta else (shorter, trimmed)
	return ta, tb


def compare_names(
	erp_keys: tuple[str, ...], qbo_keys: tuple[str, ...], person: bool = False
) -> tuple[int, str]:
	"""-> (score 0-100, kind). kind: "exact", "reordered" (same words), "typo" (a typo per word at most),
	"initials" ("J Smith" ~ "John Smith"), "fuzzy" (similar only), "" (no name)."""
	if not erp_keys or not qbo_keys:
		return 0, ""
	if set(erp_keys) & set(qbo_keys):
		return 100, "exact"
	best, kind = 0, "fuzzy"
	for a in erp_keys:
		for b in qbo_keys:
			ta, tb = _drop_mistyped_legal(a.split(), b.split())
			if sorted(ta) == sorted(tb):
				return (97, "reordered") if ta != tb else (95, "typo")
			score = round(max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a, b)))
			if len(ta) == len(tb) and all(_tokens_close(x, y, person) for x, y in zip(ta, tb, strict=True)):
				score, this = max(score, 93), "typo"
			elif len(ta) == len(tb) and any(map(_initial_of, ta, tb)):
				pairs = list(zip(ta, tb, strict=True))
				ok = all(x == y or _initial_of(x, y) or _tokens_close(x, y, person) for x, y in pairs)
				full = any(x == y and len(x) > 1 for x, y in pairs)
				this = "initials" if ok and full else "fuzzy"
				score = max(score, 88) if this == "initials" else score
			else:
				this = "fuzzy"
			if score > best:
				best, kind = score, this
	return best, kind
