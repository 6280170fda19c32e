"""Intuit's 750-line cap on a taxable transaction counts the discount and rounding lines we add."""

from decimal import Decimal as D

import pytest

from qbo_connector.engine.invoices import Hold, prepare

from .factories import invoice, line, settings, tax


def many_lines(count: int):
	return [line(f"W{i}", qty="1", rate="1") for i in range(count)]


def test_750_taxable_lines_plus_a_discount_line_is_held_before_sending():
	lines = many_lines(750)
	inv = invoice(lines=lines, taxes=[tax("74.90")], discount_amount=D("1"), apply_discount_on="Net Total")
	with pytest.raises(Hold) as hold:
		prepare(inv, settings(discount_mode="line"))
	assert any("751 lines" in reason for reason in hold.value.reasons)


def test_750_taxable_lines_without_added_lines_go_out():
	inv = invoice(lines=many_lines(750), taxes=[tax("75.00")])
	assert len(prepare(inv, settings()).payload["Line"]) == 750


def test_a_non_taxable_invoice_is_not_capped():
	inv = invoice(lines=many_lines(800), taxes=[])
	payload = prepare(inv, settings(default_tax_code="0", zero_tax_code="0")).payload
	assert len(payload["Line"]) == 800
