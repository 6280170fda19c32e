"""Dirty test corpora for the matcher, deterministic by seed: `persons(size, seed)` and
`businesses(size, seed)` return a `Dataset` (ERPNext customers, QBO records, the truth).

Persons follow Febrl's dataset generator (Australian-style records: given name, surname, street number
and name, suburb, postcode, state, phone; the duplicate carries 1-5 corruptions across its fields).
Businesses follow two independently kept directories of the same places (name word order and
abbreviations, a district in one and the city in the other, phone formats). Some true partners are
removed from QBO so that "create" is sometimes right, and QBO holds look-alikes that are someone else:
namesakes, family members at the same address, chain branches, businesses sharing a building.

FROZEN before the probabilistic matcher was tuned (issue 12): tune on seeds 1-3, report on 11-13."""

from __future__ import annotations

import random
from dataclasses import replace

from qbo_connector.benchmarks import corrupt as c
from qbo_connector.benchmarks.match_data import FIRST, LAST, WORDS, Dataset
from qbo_connector.engine.records import ERPCustomer, QBOCustomer

_SYLLABLES = (
	"ka ko ri ta na mo lu ve sen dra bel wic zak hov an er ton ley mar lin gor ash ett ov ski ber".split()
)
# suburb (district), city, state, postcode
_SUBURBS = [("Parramatta", "Sydney", "NSW", "2150"), ("Bondi", "Sydney", "NSW", "2026"),
	("Chatswood", "Sydney", "NSW", "2067"), ("Newtown", "Sydney", "NSW", "2042"), ("Manly", "Sydney", "NSW", "2095"),
	("Fitzroy", "Melbourne", "VIC", "3065"), ("St Kilda", "Melbourne", "VIC", "3182"),
	("Richmond", "Melbourne", "VIC", "3121"), ("Carlton", "Melbourne", "VIC", "3053"),
	("Fortitude Valley", "Brisbane", "QLD", "4006"), ("Toowong", "Brisbane", "QLD", "4066"),
	("Southport", "Gold Coast", "QLD", "4215"), ("Fremantle", "Perth", "WA", "6160"),
	("Subiaco", "Perth", "WA", "6008"), ("Glenelg", "Adelaide", "SA", "5045"), ("Norwood", "Adelaide", "SA", "5067"),
	("Sandy Bay", "Hobart", "TAS", "7005"), ("Belconnen", "Canberra", "ACT", "2617"),
	("Casuarina", "Darwin", "NT", "0810"), ("Palmerston", "Darwin", "NT", "0830"),
	("Wollongong", "Wollongong", "NSW", "2500"), ("Geelong", "Geelong", "VIC", "3220")]  # fmt: skip
_FIRST_DIGIT = {"NSW": "2", "ACT": "2", "VIC": "3", "QLD": "4", "SA": "5", "WA": "6", "TAS": "7", "NT": "0"}
_STATES = {"NSW": "New South Wales", "VIC": "Victoria", "QLD": "Queensland", "WA": "Western Australia",
	"SA": "South Australia", "TAS": "Tasmania", "ACT": "Australian Capital Territory", "NT": "Northern Territory"}  # fmt: skip
_AREA = {"NSW": "2", "ACT": "2", "VIC": "3", "TAS": "3", "QLD": "7", "WA": "8", "SA": "8", "NT": "8"}
_STREET_TYPES = ["Street", "Road", "Avenue", "Crescent", "Place", "Drive", "Parade", "Court", "Terrace"]
_DOMAINS = ["gmail.com", "bigpond.com", "outlook.com", "yahoo.com.au", "optusnet.com.au", "icloud.com"]
# business directory: city, its districts, area codes, state
_CITIES = [("Los Angeles", ["Hollywood", "West Hollywood", "Studio City", "Venice", "Encino"], ["213", "310", "818"], "CA"),
	("New York", ["New York City", "Manhattan", "Brooklyn", "Queens"], ["212", "718", "646"], "NY"),
	("San Francisco", ["SF", "Mission District", "North Beach"], ["415"], "CA"),
	("Atlanta", ["Buckhead", "Midtown", "Decatur"], ["404", "770"], "GA"),
	("Las Vegas", ["Paradise", "Henderson", "The Strip"], ["702"], "NV"),
	("Chicago", ["Lincoln Park", "Wicker Park", "The Loop"], ["312", "773"], "IL")]  # fmt: skip
_KINDS = ("Restaurant Cafe Grill Bistro Bar Diner Kitchen Bakery Trattoria Brasserie Steakhouse Sushi Deli "
	"Pizzeria Tavern Inn Plumbing Consulting Design Printing Catering Cleaning Roofing Dental Florist").split()  # fmt: skip
_LEGAL = ["", "", "", "Inc", "LLC", "Co", "Corp", "Ltd"]
_US_STREET = ["Street", "Avenue", "Boulevard", "Drive", "Road", "Place", "Lane"]
_DIRECTIONS = ["", "", "North", "South", "East", "West"]


def _make_suburbs(count: int) -> list[tuple[str, str, str, str]]:
	"""The real suburbs above plus made-up ones, so that postcodes are about as fine as Australia's."""
	rng = random.Random("suburbs")
	made = []
	for _ in range(count):
		_, city, state, _ = rng.choice(_SUBURBS)
		name = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
		made.append((name, city, state, f"{_FIRST_DIGIT[state]}{rng.randint(0, 999):03d}"))
	return _SUBURBS + made


def _zipf(items: list[str], rng: random.Random, tail: float) -> str:
	"""A name drawn with Zipf-like weights; `tail` of draws is a made-up rarer name."""
	if rng.random() < tail:
		return "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
	return items[min(len(items) - 1, int(len(items) * rng.random() ** 2.2))]


def _ascii(text: str) -> str:
	return text.replace("'", "").encode("ascii", "ignore").decode().lower()


# ------------------------------------------------------------------------------------------- persons

_ALL_SUBURBS = _make_suburbs(400)


def _person(rng: random.Random, n: int) -> dict:
	given, surname = _zipf(FIRST, rng, 0.1), _zipf(LAST, rng, 0.35)
	suburb, city, state, postcode = rng.choice(_ALL_SUBURBS)
	street = f"{_zipf(WORDS + LAST, rng, 0.3)} {rng.choice(_STREET_TYPES)}"
	return {"given": given, "surname": surname, "number": str(rng.randint(1, 400)), "street": street,
		"address2": rng.choice(["", "", "", f"Unit {rng.randint(1, 40)}", "Rear", f"Flat {rng.randint(1, 9)}"]),
		"suburb": suburb, "city": city, "state": state, "postcode": postcode,
		"area": _AREA[state], "local": f"{rng.randint(4000, 9999)}{rng.randint(0, 9999):04d}" if rng.random() < 0.6 else "",
		"email": f"{_ascii(given)}.{_ascii(surname)}{n % 100}@{rng.choice(_DOMAINS)}" if rng.random() < 0.45 else "",
		"currency": "AUD"}  # fmt: skip


def _corrupt_person(rng: random.Random, p: dict, edits: int) -> dict:
	"""Febrl-style duplicate: `edits` corruptions spread over the fields."""
	p = dict(p)
	for _ in range(edits):
		field = rng.choice(["given", "surname", "surname", "swap", "number", "street", "street", "address2",
			"suburb", "suburb", "postcode", "state", "phone", "email"])  # fmt: skip
		roll = rng.random()
		if field == "swap":
			p["given"], p["surname"] = p["surname"], p["given"]
		elif field == "given":
			alt = c.nickname(rng, p["given"])
			p["given"] = (
				alt if alt != p["given"] and roll < 0.4 else "" if roll < 0.5 else c.misspell(rng, p["given"])
			)
		elif field == "surname":
			p["surname"] = c.misspell(rng, p["surname"])
		elif field == "number":
			p["number"] = "" if roll < 0.3 else c.swap_digits(rng, p["number"])
		elif field == "street":
			p["street"] = (
				""
				if roll < 0.2
				else c.abbreviate(rng, p["street"])
				if roll < 0.6
				else c.misspell(rng, p["street"])
			)
		elif field == "address2":
			p["address2"] = "" if p["address2"] else f"Unit {rng.randint(1, 40)}"
		elif field == "suburb":
			p["suburb"] = p["city"] if roll < 0.4 else "" if roll < 0.6 else c.misspell(rng, p["suburb"])
		elif field == "postcode":
			p["postcode"] = (
				""
				if roll < 0.3
				else c.swap_digits(rng, p["postcode"])
				if roll < 0.7
				else c.postcode_format(rng, p["postcode"])
			)
		elif field == "state":
			p["state"] = "" if roll < 0.4 else _STATES.get(p["state"], p["state"])
		elif field == "phone":
			p["local"] = "" if roll < 0.5 else c.swap_digits(rng, p["local"]) if p["local"] else ""
		elif field == "email":
			p["email"] = "" if roll < 0.6 else p["email"].replace("@", "1@")
	return p


def _person_erp(rng: random.Random, p: dict, eid: str) -> ERPCustomer:
	given, surname = p["given"], p["surname"]
	roll = rng.random()
	name = f"{surname}, {given}" if roll < 0.15 and given else f"{given} {surname}".strip()
	name = name.upper() if rng.random() < 0.08 else name
	phone = c.phone_format(rng, "61", p["area"], p["local"]) if p["local"] else ""
	return ERPCustomer(id=eid, customer_name=name, customer_type="Individual", email=p["email"], phone=phone,
		address_line1=f"{p['number']} {p['street']}".strip(), address_line2=p["address2"], city=p["suburb"],
		state=p["state"], pincode=p["postcode"], country=rng.choice(["Australia", "", "AU"]), currency=p["currency"])  # fmt: skip


def _person_qbo(rng: random.Random, p: dict, qid: str) -> QBOCustomer:
	display = f"{p['given']} {p['surname']}".strip()
	named = rng.random() < 0.7
	phone = c.phone_format(rng, "61", p["area"], p["local"]) if p["local"] else ""
	return QBOCustomer(id=qid, display_name=display, given_name=p["given"] if named else "",
		family_name=p["surname"] if named else "", email=p["email"], phone=phone,
		address_line1=f"{p['number']} {p['street']}".strip(), address_line2=p["address2"], city=p["suburb"],
		state=p["state"], postcode=p["postcode"], country=rng.choice(["Australia", ""]), currency=p["currency"])  # fmt: skip


def persons(size: int = 5000, seed: int = 1) -> Dataset:
	"""`size` ERPNext persons; about 55% have a (dirty) partner in QBO, which also holds look-alikes."""
	rng = random.Random(f"persons-{seed}")
	data = Dataset([], [])
	for n in range(size):
		p, eid = _person(rng, n), f"P{n}"
		if rng.random() < 0.55:
			edits = rng.choices([1, 2, 3, 4, 5], [20, 30, 25, 15, 10])[0]
			qbo_side = _corrupt_person(rng, p, 1) if rng.random() < 0.3 else p
			_add_pair(
				rng,
				data,
				_person_erp(rng, _corrupt_person(rng, p, edits), eid),
				_person_qbo(rng, qbo_side, f"Q{n}"),
			)
		else:
			data.erp.append(_person_erp(rng, p, eid))
			data.truth[eid] = ""
		roll = rng.random()
		if roll < 0.05:  # a family member at the same address
			others = [name for name in FIRST if name != p["given"]]
			family = dict(
				p, given=rng.choice(others), email="", local=p["local"] if rng.random() < 0.5 else ""
			)
			data.qbo.append(_person_qbo(rng, family, f"QF{n}"))
		elif roll < 0.08:  # a namesake elsewhere
			namesake = dict(_person(rng, n + size), given=p["given"], surname=p["surname"])
			data.qbo.append(_person_qbo(rng, namesake, f"QN{n}"))
	for n in range(int(size * 0.45)):  # only in QBO
		data.qbo.append(_person_qbo(rng, _person(rng, size * 2 + n), f"QO{n}"))
	rng.shuffle(data.qbo)
	return data


def _add_pair(rng: random.Random, data: Dataset, erp: ERPCustomer, qbo: QBOCustomer) -> None:
	"""A true pair; 1% of QBO partners are inactive and 0.5% in another currency (never auto-linked)."""
	roll = rng.random()
	if roll < 0.01:
		qbo = replace(qbo, active=False, display_name=f"{qbo.display_name} (deleted)")
	elif roll < 0.015:
		qbo = replace(qbo, currency="USD" if erp.currency != "USD" else "EUR")
	data.erp.append(erp)
	data.qbo.append(qbo)
	data.truth[erp.id] = qbo.id
	if roll >= 0.015:
		data.linkable.add(erp.id)


# ------------------------------------------------------------------------------------------- businesses


def _business(rng: random.Random) -> dict:
	kind, word, last = rng.choice(_KINDS), rng.choice(WORDS), _zipf(LAST, rng, 0.4)
	pattern = rng.random()
	if pattern < 0.25:
		name = f"{last}'s {kind}" if rng.random() < 0.6 else f"{rng.choice(FIRST)} {last}'s"
	elif pattern < 0.45:
		name = f"{kind} {word}" if kind in ("Cafe", "Bistro", "Trattoria", "Brasserie") else f"{word} {kind}"
	elif pattern < 0.6:
		name = f"The {word} {rng.choice(WORDS)} {kind}"
	elif pattern < 0.75:
		name = f"{word} & {_zipf(LAST, rng, 0.4)} {kind}"
	else:
		name = f"{word} {rng.choice(WORDS)} {kind} {rng.choice(_LEGAL)}".strip()
	city, districts, areas, state = rng.choice(_CITIES)
	street = f"{rng.choice(_DIRECTIONS)} {_zipf(WORDS + LAST, rng, 0.3)} {rng.choice(_US_STREET)}".strip()
	return {"name": name, "number": str(rng.randint(1, 9999)), "street": street, "city": city,
		"district": rng.choice(districts) if rng.random() < 0.5 else city, "districts": districts,
		"state": state, "postcode": f"{rng.randint(10000, 99999)}" if rng.random() < 0.5 else "",
		"area": rng.choice(areas), "local": f"{rng.randint(200, 999)}{rng.randint(0, 9999):04d}",
		"email": "", "currency": "USD"}  # fmt: skip


def _reword(rng: random.Random, name: str) -> str:
	"""Another directory's way of writing a business name."""
	words = name.split(" ")
	roll = rng.random()
	if roll < 0.2 and len(words) > 1 and "&" not in words:  # word order: "Cafe Bizou" / "Bizou Cafe"
		words = words[1:] + words[:1] if words[0] != "The" else words[1:]
	elif roll < 0.35:
		return c.abbreviate(rng, name.replace(" & ", " and ") if rng.random() < 0.5 else name)
	elif roll < 0.45:
		return name.replace("'s", "s").replace(" & ", " and ")
	elif roll < 0.55:
		return (
			f"{name} {rng.choice(['Restaurant', 'Inc', 'LLC'])}"
			if words[-1] not in _LEGAL
			else " ".join(words[:-1])
		)
	elif roll < 0.6:
		return name.lower()
	return " ".join(words)


def _corrupt_business(rng: random.Random, b: dict) -> dict:
	b = dict(b, name=_reword(rng, b["name"]))
	if rng.random() < 0.25:
		b["name"] = c.misspell(rng, b["name"])
	roll = rng.random()
	b["street"] = (
		c.abbreviate(rng, c.abbreviate(rng, b["street"]))
		if roll < 0.5
		else c.misspell(rng, b["street"])
		if roll < 0.6
		else b["street"]
	)
	if rng.random() < 0.3:  # the city in one directory, a district in the other
		b["district"] = b["city"] if b["district"] != b["city"] else rng.choice(b["districts"])
	b["postcode"] = "" if rng.random() < 0.3 else b["postcode"]
	roll = rng.random()
	b["local"] = (
		""
		if roll < 0.05
		else f"{rng.randint(200, 999)}{rng.randint(0, 9999):04d}"
		if roll < 0.1
		else b["local"]
	)
	return b  # fmt: skip


def _business_record(rng: random.Random, b: dict, rid: str, erp: bool):
	phone = c.phone_format(rng, "1", b["area"], b["local"]) if b["local"] else ""
	address = f"{b['number']} {b['street']}"
	if erp:
		return ERPCustomer(id=rid, customer_name=b["name"], customer_type="Company", email=b["email"], phone=phone,
			address_line1=address, city=b["district"], state=b["state"], pincode=b["postcode"], currency=b["currency"])  # fmt: skip
	return QBOCustomer(id=rid, display_name=b["name"], company_name=b["name"], email=b["email"], phone=phone,
		address_line1=address, city=b["district"], state=b["state"], postcode=b["postcode"], currency=b["currency"])  # fmt: skip


def businesses(size: int = 530, seed: int = 1) -> Dataset:
	"""`size` ERPNext businesses; about 45% have a partner in QBO written by other hands."""
	rng = random.Random(f"businesses-{seed}")
	data = Dataset([], [])
	for n in range(size):
		b, eid = _business(rng), f"B{n}"
		if rng.random() < 0.45:
			erp = _business_record(rng, _corrupt_business(rng, b), eid, True)
			_add_pair(rng, data, erp, _business_record(rng, b, f"Q{n}", False))
		else:
			data.erp.append(_business_record(rng, b, eid, True))
			data.truth[eid] = ""
		roll = rng.random()
		if roll < 0.04:  # a branch of the same chain in another city
			branch = dict(_business(rng), name=b["name"])
			data.qbo.append(_business_record(rng, branch, f"QB{n}", False))
		elif roll < 0.06:  # another business in the same building, same switchboard
			neighbour = dict(_business(rng), number=b["number"], street=b["street"], district=b["district"])
			neighbour.update(area=b["area"], local=b["local"], city=b["city"], state=b["state"])
			data.qbo.append(_business_record(rng, neighbour, f"QS{n}", False))
	for n in range(int(size * 0.3)):  # only in QBO
		data.qbo.append(_business_record(rng, _business(rng), f"QO{n}", False))
	rng.shuffle(data.qbo)
	return data
