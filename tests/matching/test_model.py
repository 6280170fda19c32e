"""The Fellegi-Sunter model's pieces: business name levels, u corrected for the partners a random sample
holds, and the "another firm in the building" hypothesis for businesses."""

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


def test_other_business_words_are_not_a_typo():
	assert _level("Oak Bar", "Oak Bay") != mc.NAME_TYPO_LIKELY  # one shared word is too little
	assert _level("Union Prime Grill", "Union Crown Grill") != mc.NAME_TYPO_LIKELY
	assert _level("The Red Bridge Catering", "Bridge Steakhouse") == mc.NAME_PARTLY


def _sampled(model: Model, patterns: list[tuple[int, ...]]) -> None:
	model.estimate_u(len(patterns), lambda i: patterns[i])


def test_u_drops_what_the_sampled_partners_contributed():
	differ = (10, 0, 4, 0, 4, 9, 1)
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
