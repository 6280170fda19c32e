"""Unit tests for each normalisation rule and for DisplayName sanitising."""

import pytest

from qbo_connector.engine.names import (
	analyze_name,
	display_name_for,
	name_keys,
	normalize_name,
	sanitize_display_name,
	strip_deleted,
)
from qbo_connector.engine.records import ERPCustomer


@pytest.mark.parametrize(
	("raw", "key"),
	[
		("Acme, Inc.", "acme"),  # the contract example
		("  ACME   inc ", "acme"),  # case and whitespace
		("Acme Incorporated", "acme"),
		("Acme L.L.C.", "acme"),  # dotted abbreviations
		("Acme Co. Pvt. Ltd.", "acme"),  # stacked legal forms
		("Acme Private Limited", "acme"),
		("Acme GmbH & Co. KG", "acme"),
		("Acme Pty Ltd", "acme"),
		("Acme S.A.R.L.", "acme"),
		("Acme PLC", "acme"),
		("Acme Corporation", "acme"),
		("The Acme Company", "acme"),  # leading "the"
		("Smith & Sons", "smith and sons"),  # "&" is "and"
		("Smith and Sons", "smith and sons"),
		("Smith+Sons", "smith and sons"),
		("Café Müller", "cafe muller"),  # accents
		("O\u2019Brien", "obrien"),  # curly apostrophe
		("O'Brien", "obrien"),
		("\u201cQuoted\u201d Shop", "quoted shop"),  # curly double quotes
		("Brown, Nick", "nick brown"),  # "Last, First"
		("Nick Brown", "nick brown"),
		("Acme (deleted)", "acme"),  # the QBO inactive suffix is ignored
		("Inc", "inc"),  # never empties a name made only of a legal form
		("", ""),
		("   ", ""),
	],
)
def test_normalize_name(raw, key):
	assert normalize_name(raw) == key


def test_last_first_keeps_the_written_order_as_a_second_key():
	assert name_keys("Brown, Nick") == ("nick brown", "brown nick")


def test_comma_before_a_legal_form_is_not_a_name_swap():
	assert name_keys("Acme, Ltd") == ("acme",)


def test_legal_forms_are_canonical():
	assert analyze_name("Acme Limited").legal_form == analyze_name("Acme Ltd.").legal_form == "ltd"
	assert analyze_name("Acme Incorporated").legal_form == "inc"
	assert analyze_name("Acme LLC").legal_form == "llc"


def test_company_hint():
	assert analyze_name("Acme Plumbing").company
	assert analyze_name("Acme LLC").company
	assert not analyze_name("Nick Brown").company


def test_strip_deleted():
	assert strip_deleted("Acme (deleted)") == ("Acme", True)
	assert strip_deleted("Acme (Deleted) ") == ("Acme", True)
	assert strip_deleted("Acme") == ("Acme", False)


def test_sanitize_display_name():
	assert sanitize_display_name(" A:B\tC ") == "A B C"
	assert sanitize_display_name("a\nb\r\nc") == "a b c"
	assert sanitize_display_name("x" * 600) == "x" * 500
	assert sanitize_display_name(":::", default="Fallback") == "Fallback"
	assert sanitize_display_name("", default="") == "Customer"


def test_display_name_for_adds_the_policy_suffix_on_a_vendor_clash():
	customer = ERPCustomer(id="CUST-1", customer_name="Hooli: Ltd")
	assert display_name_for(customer, taken=set()) == "Hooli Ltd"
	assert display_name_for(customer, taken={"hooli ltd"}) == "Hooli Ltd (Customer)"


def test_display_name_for_stays_within_500_chars():
	customer = ERPCustomer(id="CUST-1", customer_name="y" * 600)
	name = display_name_for(customer, taken={"y" * 500})
	assert len(name) == 500 and name.endswith(" (Customer)")


def test_display_name_for_falls_back_to_the_id():
	assert display_name_for(ERPCustomer(id="CUST-9", customer_name="\t:")) == "CUST-9"
