"""Deterministic synthetic customers for the matcher's benchmark and quality tests.

`generate(size, seed)` returns ERPNext and QBO customers plus the truth: for each ERPNext id, the QBO id
of the same real-world customer ("" when QBO does not hold it) and whether a link is allowed (the QBO
record is active and in the same currency). Variations mimic real data: typos, legal-suffix changes,
"Last, First", initials, accents and curly quotes, "&"/"and", missing or changed fields, people sharing
a name, families and firms sharing an email, inactive "(deleted)" records, vendor/employee clashes,
currency mismatches and ERPNext duplicates of one customer."""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace

from qbo_connector.engine.records import ERPCustomer, QBOCustomer

FIRST = (
	"James Mary John Patricia Robert Jennifer Michael Linda William Elizabeth David Barbara Richard Susan Joseph "
	"Jessica Thomas Sarah Charles Karen Christopher Nancy Daniel Lisa Matthew Betty Anthony Margaret Mark Sandra "
	"Donald Ashley Steven Kimberly Paul Emily Andrew Donna Joshua Michelle Kenneth Dorothy Kevin Carol Brian "
	"Amanda George Melissa Edward Deborah Ronald Stephanie Timothy Rebecca Jason Sharon Jeffrey Laura Ryan Cynthia "
	"Jacob Kathleen Gary Amy Nicholas Shirley Eric Angela Jonathan Helen Stephen Anna Larry Brenda Justin Pamela "
	"Scott Nicole Brandon Emma Benjamin Samantha Samuel Katherine Gregory Christine Frank Debra Alexander Rachel "
	"Raymond Catherine Patrick Carolyn Jack Janet Dennis Ruth Jerry Maria Tyler Heather Aaron Diane Jose Virginia "
	"Adam Julie Henry Joyce Nathan Victoria Douglas Olivia Zachary Kelly Peter Christina Kyle Lauren Walter Joan "
	"Ethan Evelyn Jeremy Judith Harold Megan Keith Cheryl Christian Andrea Roger Hannah Noah Martha Gerald Jacqueline "
	"Renée Zoë José Björn Søren François Chloé Noémie Jürgen Ana Łukasz Siobhán Seán Mónica Andrés"
).split()
LAST = (
	"Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez Gonzalez Wilson "
	"Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris Sanchez Clark Ramirez Lewis "
	"Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill Flores Green Adams Nelson Baker Hall Rivera "
	"Campbell Mitchell Carter Roberts Gomez Phillips Evans Turner Diaz Parker Cruz Edwards Collins Reyes Stewart "
	"Morris Morales Murphy Cook Rogers Gutierrez Ortiz Morgan Cooper Peterson Bailey Reed Kelly Howard Ramos Kim "
	"Cox Ward Richardson Watson Brooks Chavez Wood James Bennett Gray Mendoza Ruiz Hughes Price Alvarez Castillo "
	"Sanders Patel Myers Long Ross Foster Jimenez Powell Jenkins Perry Russell Sullivan Bell Coleman Butler "
	"Henderson Barnes Gonzales Fisher Vasquez Simmons Romero Jordan Patterson Alexander Hamilton Graham Reynolds "
	"Griffin Wallace Moreno West Cole Hayes Bryant Herrera Gibson Ellis Tran Medina Aguilar Stevens Murray Ford "
	"Castro Marshall Owens Harrison Fernandez McDonald Woods Washington Kennedy Wells Vargas Henry Chen Freeman "
	"Webb Tucker Guzman Burns Crawford Olson Simpson Porter Hunter Gordon Mendez Silva Shaw Snyder Mason Dixon "
	"Muñoz Hunt Hicks Holmes Palmer Wagner Black Robertson Boyd Rose Stone Salazar Fox Warren Mills Meyer Rice "
	"Schmidt Garza Daniels Ferguson Nichols Stephens Soto Weaver Ryan Gardner Payne Grant Dunn Kelley Spencer "
	"Hawkins Arnold Pierce Hansen Peters Santos Hart Bradley Knight Elliott Cunningham Duncan Armstrong Hudson "
	"O'Brien O'Connor Müller Schröder Lefèvre Dubois Novák Kowalski Sørensen Åberg Núñez Côté"
).split()
WORDS = (
	"Acme Apex Summit Pioneer Horizon Evergreen Silver Golden Blue Red Green Northern Southern Eastern Western "
	"Pacific Atlantic Coastal Mountain River Lake Valley Prairie Harbor Bridge Beacon Crown Royal Eagle Falcon "
	"Lion Tiger Bear Wolf Oak Maple Cedar Pine Willow Birch Aspen Granite Iron Copper Steel Crystal Diamond "
	"Emerald Sapphire Ruby Orbit Nova Stellar Quantum Vertex Vector Matrix Zenith Alpha Omega Delta Sigma "
	"Liberty Heritage Legacy Frontier Keystone Landmark Milestone Cornerstone Bright Swift Rapid Precision Prime "
	"Premier Elite Global United Allied Central Metro Urban Rural Village Capital Union Anchor Compass Lighthouse "
	"Sunrise Sunset Twilight Aurora Polar Tropical Desert Canyon Mesa Ridge Peak Harvest Orchard Meadow Brook"
).split()
TRADES = (
	"Plumbing Electric Construction Bakery Logistics Consulting Design Software Foods Motors Dental Pharmacy "
	"Media Labs Studio Supplies Builders Transport Insurance Roofing Landscaping Printing Catering Cleaning "
	"Marketing Security Engineering Furniture Textiles Trading Holdings Solutions Systems Partners Associates"
).split()
SUFFIXES = [
	"Inc",
	"Inc.",
	"LLC",
	"Ltd",
	"Limited",
	"Corp",
	"Corporation",
	"Co.",
	"GmbH",
	"Pvt Ltd",
	"PLC",
	"LLP",
	"",
]
SAME_FORM = {"Inc": "Incorporated", "Inc.": "Inc", "LLC": "L.L.C.", "Ltd": "Limited", "Limited": "Ltd.",
	"Corp": "Corporation", "Corporation": "Corp.", "Co.": "Company", "Pvt Ltd": "Private Limited",
	"GmbH": "GmbH", "PLC": "plc", "LLP": "L.L.P.", "": ""}  # fmt: skip
DOMAINS = ["gmail.com", "yahoo.com", "outlook.com", "hotmail.com", "icloud.com", "proton.me"]


@dataclass
class Dataset:
	erp: list[ERPCustomer]
	qbo: list[QBOCustomer]
	truth: dict[str, str] = field(default_factory=dict)  # erpnext id -> QBO id of the same customer, or ""
	linkable: set[str] = field(default_factory=set)  # erpnext ids whose true QBO record may be linked


def _typo(rng: random.Random, text: str) -> str:
	positions = [i for i, ch in enumerate(text) if ch.isalpha()]
	if len(positions) < 4:
		return text
	i = rng.choice(positions[1:])
	op = rng.random()
	if op < 0.4:
		return text[:i] + rng.choice("aeiourstln") + text[i + 1 :]
	if op < 0.7 and i + 1 < len(text) and text[i + 1].isalpha():
		return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
	return text[:i] + text[i + 1 :] if op < 0.85 else text[:i] + text[i] + text[i:]


def _person(rng: random.Random, n: int) -> dict:
	first, last = rng.choice(FIRST), rng.choice(LAST)
	local = f"{first}.{last}{n % 97}".lower().replace("'", "")
	return {"kind": "Individual", "first": first, "last": last, "name": f"{first} {last}",
		"email": f"{local}@{rng.choice(DOMAINS)}"}  # fmt: skip


def _company(rng: random.Random, n: int) -> dict:
	words = f"{rng.choice(WORDS)} {rng.choice(WORDS)}" if rng.random() < 0.8 else rng.choice(WORDS)
	base = f"{words} {rng.choice(TRADES)}"
	if rng.random() < 0.15:
		base = f"{rng.choice(LAST)} & {rng.choice(LAST)}"
	suffix = rng.choice(SUFFIXES)
	domain = base.lower().replace(" ", "").replace("&", "and").replace("'", "") + f"{n}.com"
	local = rng.choice(["accounts", "info", "billing"]) if rng.random() < 0.3 else f"ap{n}"
	return {"kind": "Company", "name": f"{base} {suffix}".strip(), "base": base, "suffix": suffix,
		"email": f"{local}@{domain}", "tax": f"TX{n:08d}" if rng.random() < 0.3 else ""}  # fmt: skip


def _entity(rng: random.Random, n: int) -> dict:
	ent = _person(rng, n) if rng.random() < 0.45 else _company(rng, n)
	ent["phone"] = f"+1 ({200 + n % 700:03d}) {rng.randrange(200, 999)}-{n % 10000:04d}"
	ent["line1"] = (
		f"{rng.randrange(1, 9999)} {rng.choice(WORDS)} {rng.choice(['Street', 'Road', 'Avenue', 'Lane'])}"
	)
	ent["postcode"] = f"{rng.randrange(10000, 99999)}"
	ent["currency"] = "USD" if rng.random() < 0.9 else "EUR"
	return ent


def _qbo(ent: dict, qid: str, **over) -> QBOCustomer:
	person = ent["kind"] == "Individual"
	rec = QBOCustomer(id=qid, display_name=ent["name"], company_name="" if person else ent["name"],
		given_name=ent.get("first", ""), family_name=ent.get("last", ""), email=ent["email"], phone=ent["phone"],
		address_line1=ent["line1"], postcode=ent["postcode"], currency=ent["currency"], tax_id=ent.get("tax", ""))  # fmt: skip
	return replace(rec, **over)


def _vary_name(rng: random.Random, ent: dict) -> str:
	name, r = ent["name"], rng.random()
	if ent["kind"] == "Individual":
		if r < 0.2:
			return f"{ent['last']}, {ent['first']}"
		if r < 0.3:
			return name.upper()
		if r < 0.38:
			return name.replace("'", "\u2019")
	elif r < 0.3:
		return f"{ent['base']} {SAME_FORM[ent['suffix']]}".strip().replace("&", "and")
	elif r < 0.4:
		return name.replace(",", "").lower()
	return name


def _erp(rng: random.Random, ent: dict, eid: str, drift: bool) -> ERPCustomer:
	name = _vary_name(rng, ent) if drift else ent["name"]
	if drift and rng.random() < 0.15:
		name = _typo(rng, name)
	keep = (lambda p: rng.random() >= p) if drift else (lambda p: True)
	email = ent["email"] if keep(0.3) else ""
	if drift and rng.random() < 0.05:
		email = f"new.{ent['email']}"
	return ERPCustomer(id=eid, customer_name=name, customer_type=ent["kind"], email=email,
		phone=ent["phone"].replace("+1 ", "") if keep(0.3) else "", tax_id=ent.get("tax", ""),
		address_line1=ent["line1"] if keep(0.4) else "", pincode=ent["postcode"] if keep(0.4) else "",
		currency=ent["currency"])  # fmt: skip


def generate(size: int, seed: int = 7) -> Dataset:
	"""`size` ERPNext customers and about `size` QBO records (customers plus a few vendors/employees)."""
	rng = random.Random(seed)
	data = Dataset([], [])
	shared = int(size * 0.6)
	for n in range(size):
		ent = _entity(rng, n)
		eid, qid = f"E{n}", f"Q{n}"
		if n < shared:  # the customer exists on both sides
			rec, roll = _qbo(ent, qid), rng.random()
			if roll < 0.03:
				rec = replace(rec, active=False, display_name=f"{rec.display_name} (deleted)")
			elif roll < 0.05:
				rec = replace(rec, currency="GBP" if ent["currency"] != "GBP" else "USD")
			data.qbo.append(rec)
			data.erp.append(_erp(rng, ent, eid, drift=True))
			data.truth[eid] = qid
			if roll >= 0.05:
				data.linkable.add(eid)
			if ent["kind"] == "Individual" and rng.random() < 0.05:  # a family member on the same email
				other = dict(ent, first=rng.choice(FIRST), phone=f"+1 (555) 010-{n % 10000:04d}")
				other["name"] = f"{other['first']} {ent['last']}"
				data.qbo.append(_qbo(other, f"QF{n}", postcode=""))
		else:  # only in ERPNext: should be created
			data.erp.append(_erp(rng, ent, eid, drift=False))
			data.truth[eid] = ""
			if rng.random() < 0.08:  # someone else with the same name, different details, in QBO
				twin = dict(_entity(rng, n + size), name=ent["name"], kind=ent["kind"])
				twin.update({k: ent[k] for k in ("first", "last", "base", "suffix") if k in ent})
				data.qbo.append(_qbo(twin, f"QT{n}"))
			elif rng.random() < 0.02:
				data.qbo.append(QBOCustomer(id=f"QV{n}", display_name=ent["name"], entity_type="Vendor"))
	for n in range(size, 2 * size - shared):  # only in QBO
		data.qbo.append(_qbo(_entity(rng, n), f"Q{n}"))
	_add_erp_duplicates(rng, data, shared)
	rng.shuffle(data.qbo)
	return data


def _add_erp_duplicates(rng: random.Random, data: Dataset, shared: int) -> None:
	"""A few ERPNext customers entered twice: neither copy may be auto-linked alone."""
	for n in rng.sample(range(shared), k=max(1, shared // 200)):
		copy = replace(data.erp[n], id=f"{data.erp[n].id}-dup")
		data.erp.append(copy)
		data.truth[copy.id] = data.truth[data.erp[n].id]
		data.linkable.discard(data.erp[n].id)
