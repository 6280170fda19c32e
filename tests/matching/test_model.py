"""The Fellegi-Sunter model's pieces: business and person name levels, u corrected for the partners a
random sample holds, the "another firm in the building" hypothesis for businesses, pairs that share a
blocking key by chance, and similar mailboxes between namesakes."""

from collections import Counter

from qbo_connector.engine import match_compare as mc
from qbo_connector.engine.match_model import Model
from qbo_connector.engine.match_profile import profile_erp, profile_qbo
from qbo_connector.engine.records import ERPCustomer, QBOCustomer


def _level(erp_name: str, qbo_name: str) -> int:
	a = profile_erp(ERPCustomer(id="E", customer_name=erp_name, customer_type="Company"))
	b = profile_qbo(QBOCustomer(id="Q", display_name=qbo_name, company_name=qbo_name))
	return mc.compare_names(a, b)


def test_one_garbled_business_word_is_a_likely_typo():
	assert _level("The Prirne Union Grill", "The Prime Union Grill") == mc.NAME_TYPO_LIKELY
	assert _level("Diamond Stellar Rest", "Diamond Stellar Restaurant") == mc.NAME_TYPO_LIKELY
	assert _level("Peok Steakhouse Inc Wolf", "Wolf Peak Steakhouse Inc") == mc.NAME_TYPO_LIKELY
	assert _level("Valley cAme Cafe Ltd", "Valley Acme Cafe Ltd") == mc.NAME_TYPO_LIKELY  # swapped


def test_other_business_words_are_not_a_typo():
	assert _level("Oak Bar", "Oak Bay") != mc.NAME_TYPO_LIKELY  # one shared word is too little
	assert _level("Union Prime Grill", "Union Crown Grill") != mc.NAME_TYPO_LIKELY
	assert _level("Union Acme Grill", "Union Mace Grill") != mc.NAME_TYPO_LIKELY  # same letters, another word
	assert _level("The Red Bridge Catering", "Bridge Steakhouse") == mc.NAME_PARTLY


def _sampled(model: Model, patterns: list[tuple[int, ...]]) -> None:
	model.estimate_u(len(patterns), lambda i: patterns[i])


def test_u_drops_what_the_sampled_partners_contributed():
	differ = (mc.NAME_DIFFERS, 0, 4, 0, 4, 9, 1)
	same = (1, 0, 1, 0, 1, 1, 1)
	model = Model()
	_sampled(model, [differ] * 9990 + [same] * 10)
	before = model.u["phone"][0]
	model.m["phone"] = [0.9, 0.05, 0.0, 0.05]
	model.correct_u(10)  # the sample held about ten true pairs
	assert model.u["phone"][0] < before / 5


def test_another_firm_in_the_building_is_rarer_and_named_like_any_firm():
	model = Model()
	model.estimate_home(Counter({mc.NAME_OTHER_GIVEN: 50, mc.NAME_GIVEN_MISSING: 10}), 1000, 1, 600)
	assert model.company_home_rate < model.home_rate / 3
	# a family shares a surname and often a missing given name; two firms' names agree only by chance
	missing = (mc.NAME_GIVEN_MISSING, 0, 1, 0, 1, 1, 1)
	assert model.home_bits(missing) == 0.0
	assert model.home_bits(missing, company=True) > 5


def test_a_frequent_names_frequent_typo_is_not_a_name_of_its_own():
	people = [profile_erp(ERPCustomer(id=str(i), customer_name=f"Ann{i} Smith")) for i in range(80)]
	people += [profile_erp(ERPCustomer(id=f"t{i}", customer_name=f"Bob{i} Smitb")) for i in range(3)]
	people += [profile_erp(ERPCustomer(id=f"y{i}", customer_name=f"Cy{i} Smyth")) for i in range(30)]
	people += [profile_erp(ERPCustomer(id=f"k{i}", customer_name=f"Kim{i} Perry")) for i in range(1000)]
	comparer = mc.Comparer(people, [])
	assert not comparer.common("smitb")  # 3 records against 80 "Smith"
	assert comparer.common("smyth")  # 30 records: a name in its own right
	assert comparer.common("abigail")  # a known given name, however rare here


def _person_level(erp_name: str, qbo_name: str, **qbo) -> int:
	a = profile_erp(ERPCustomer(id="E", customer_name=erp_name, customer_type="Individual"))
	b = profile_qbo(QBOCustomer(id="Q", display_name=qbo_name, **qbo))
	return mc.compare_names(a, b)


def test_person_words_garbled_or_respelt():
	assert _person_level("Riskibergor Marzaquic", "Riskibergor Marzakwyc") == mc.NAME_TYPO_LIKELY  # sound
	assert _person_level("Joiece Lopcz", "Joyce Lopez") == mc.NAME_LOOSE  # both words a letter or two off
	assert _person_level("Mary Perry", "Gary Berry") != mc.NAME_LOOSE  # two common given names: two people


def test_same_street_number_one_digit_off():
	a = profile_erp(ERPCustomer(id="E", customer_name="Ann Lee", address_line1="351 Oak Road"))
	b = profile_qbo(QBOCustomer(id="Q", display_name="Ann Lee", address_line1="315 Oak Rd"))
	c = profile_qbo(QBOCustomer(id="R", display_name="Ann Lee", address_line1="35 Oak Rd"))
	assert mc.Comparer([b, c], [a]).compare(a, b)[mc.FIELDS.index("address")] == 5
	assert mc.Comparer([b, c], [a]).compare(a, c)[mc.FIELDS.index("address")] == 2  # "same street"


def test_pairs_sharing_a_blocking_key_by_chance_are_not_taken_for_matches():
	"""Candidates found by the number-and-street key: a different name, the same number, another city.
	The EM must not explain them as matches whose names differ."""
	match = (mc.NAME_SAME, 0, 0, 0, 1, 1, 0)
	look_alike = (mc.NAME_OTHER_GIVEN, 0, 0, 0, 4, 7, 0)
	by_chance = (mc.NAME_DIFFERS, 0, 0, 0, 3, 7, 0)
	model = Model()
	random_pairs = [(mc.NAME_DIFFERS, 0, 0, 0, 4, 7, 0)] * 19_990 + [by_chance] * 5 + [match] * 5
	_sampled(model, random_pairs)
	model.estimate_m(Counter({match: 900, look_alike: 5000, by_chance: 300}), 1000)
	assert model.m["name"][mc.NAME_DIFFERS - 1] < 0.01
	assert model.by_chance > 0


def test_a_similar_mailbox_between_namesakes_is_weak():
	model = Model()
	similar = (mc.NAME_SAME, 3, 0, 0, 0, 0, 0)
	other_name = (mc.NAME_TYPO_LIKELY, 3, 0, 0, 0, 0, 0)
	assert model.weigh(similar)[1] < model.weigh(other_name)[1] - 5  # the name explains the mailbox
	before = model.weigh(similar)[1]
	model.estimate_namesakes(Counter({3: 30, 4: 70}))  # 30 of 100 namesake pairs: charles.young61@ twice
	assert model.weigh(similar)[1] < before - 2


def test_a_district_and_its_city_are_learnt_from_shared_street_addresses():
	def firm(i: str, city: str, line1: str):
		return profile_qbo(QBOCustomer(id=i, display_name="Eagle Grill", address_line1=line1, city=city))

	qbo = [
		firm("1", "Midtown", "12 Peach St"),
		firm("2", "Midtown", "80 Oak Ave"),
		firm("3", "Decatur", "5 Elm St"),
	]
	erp = [firm("E1", "Atlanta", "12 Peach Street"), firm("E2", "Atlanta", "80 Oak Avenue")]
	erp.append(firm("E3", "Atlanta", "5 Elm St"))
	comparer = mc.Comparer(qbo, erp)
	place = mc.FIELDS.index("place")
	assert comparer.compare(erp[0], qbo[0])[place] == 10  # two addresses say Midtown is in Atlanta
	assert comparer.compare(erp[2], qbo[2])[place] == 7  # one address alone may be a coincidence


def _address_level(erp_line: str, qbo_line: str) -> int:
	a = profile_erp(ERPCustomer(id="E", customer_name="Ann Lee", address_line1=erp_line))
	b = profile_qbo(QBOCustomer(id="Q", display_name="Ann Lee", address_line1=qbo_line))
	return mc.Comparer([b], [a]).compare(a, b)[mc.FIELDS.index("address")]


def test_a_street_number_alone_is_compared_as_a_number():
	"""One side has no street: "514" against "154 Acme Street" is a digit typo (or the house next door),
	not "address differs"; another number is a level of its own, learnt apart from "address differs"."""
	assert _address_level("514", "154 Acme Street") == 6
	assert _address_level("514", "87 Acme Street") == 7
	assert _address_level("514", "514 Acme Street") == 3  # same street number
	assert _address_level("514 Oak Road", "154 Acme Street") == 4  # both streets written: address differs


def test_a_misspelt_street_type_is_read_as_the_type():
	from qbo_connector.engine.match_profile import split_address

	assert split_address("12 Murphy Placae") == ("12", "murphy pl")
	assert split_address("125 Oak Crescerit") == ("125", "oak cres")  # two edits in 8+ letters
	assert split_address("7 Hill Drive") == ("7", "hill dr")
	assert split_address("7 Hill Dive") == ("7", "hill dive")  # 4 letters: a word of its own
	assert _address_level("41 Mosenerash Paradc", "41 Mosenerash Parade") == 1  # same street address


def _directory(extra: list[str]) -> list:
	"""1,000+ person records: 'Ronald' and 'John' held by many, 'Jack' by many too (a name of its
	own), 'Ron' by nobody."""
	names = [f"Ronald Kay{i}" for i in range(300)] + [f"John Lee{i}" for i in range(300)]
	names += [f"Jack Roe{i}" for i in range(40)] + [f"Mary Poe{i}" for i in range(500)] + extra
	return [profile_erp(ERPCustomer(id=str(i), customer_name=n)) for i, n in enumerate(names)]


def test_a_nickname_no_one_goes_by_is_a_level_of_its_own():
	people = _directory([])
	comparer = mc.Comparer(people, [])
	ron, ronald = (profile_erp(ERPCustomer(id=n, customer_name=f"{n} Hunt")) for n in ("Ron", "Ronald"))
	jack, john = (profile_erp(ERPCustomer(id=n, customer_name=f"{n} Jones")) for n in ("Jack", "John"))
	assert comparer.compare(ron, ronald)[0] == mc.NAME_SHORT_FORM
	assert comparer.compare(jack, john)[0] == mc.NAME_NICKNAME  # Jack: a name many go by here
	assert not comparer.own_name("ron") and comparer.own_name("jack")
	assert mc.Comparer(people[:100], []).own_name("ron")  # too few records to tell
	# a housemate is rarely written as a short form no one goes by: far stronger against "same home"
	model = Model()
	short, nick = ((level, 0, 1, 0, 1, 1, 1) for level in (mc.NAME_SHORT_FORM, mc.NAME_NICKNAME))
	assert model.home_bits(short) > model.home_bits(nick) + 5
