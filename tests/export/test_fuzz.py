"""Property-based fuzzing with odd names (unicode, emoji, colons, 600 characters), extreme quantities and
rates, many lines, taxes (inclusive or not), discounts, rounding, returns and a second currency.

Two kinds of example, both meaningful:
- a valid invoice (names and numbers odd, ERPNext's figures consistent): it must map, and the payload's QBO
  total must equal ERPNext's total to the cent (computed here from the invoice, not by the engine);
- an invoice broken on purpose in one known way (no name, a bad date, an unmapped tax template, a
  fraction of a cent, totals that do not add up, no lines, no customer, a bad exchange rate): it must be
  held (or wait) with a reason that names the problem.
Nothing raises. A sample of valid invoices goes to the strict sandbox in batches, and its stored TotalAmt is
compared with ERPNext's to the cent.

TALLY counts what each example reached; the last test checks that at least half of all examples reached the
to-the-cent comparison (it runs the examples itself when run alone)."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal as D

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qbo_connector.engine.client import QBOError
from qbo_connector.engine.invoices import Hold, prepare
from qbo_connector.engine.names import sanitize_display_name
from qbo_connector.engine.records import (
	FAILED,
	HELD,
	NEEDS_REVIEW,
	SYNCED,
	WAITING,
	ERPInvoice,
	InvoiceLine,
	InvoiceTax,
)
from qbo_connector.sandbox import Sandbox

from .conftest import INTL_REALM, Ledger, exporter_for, intl_seed, intl_settings, make_client
from .factories import consistent_lines, qbo_total

CENT = D("0.01")
ODD_TEXT = st.one_of(
	st.text(max_size=40),
	st.text(alphabet="ABC:é😀\t\n'\"\\ 漢字-_/", max_size=80),
	st.just(""),
)
LONG_TEXT = st.one_of(ODD_TEXT, st.text(alphabet="xyz:😀", min_size=590, max_size=600))
NAME = LONG_TEXT.filter(lambda text: any(ch.isprintable() and not ch.isspace() for ch in text))
QTY = st.one_of(
	st.decimals(min_value=D("0.00001"), max_value=D("1000000"), places=5),
	st.sampled_from([D("1"), D("3"), D("0.3333333"), D("1e6")]),
)
RATE = st.one_of(
	st.decimals(min_value=D("0.01"), max_value=D("100000"), places=2),
	st.decimals(min_value=D("0.01"), max_value=D("10"), places=6),
	st.sampled_from([D("0.01"), D("99999.99"), D("1e6")]),
)
DEFECTS = {  # a way to break an invoice on purpose -> words the hold reason must contain
	"no name": "no name",
	"bad posting date": "posting date",
	"bad due date": "due date",
	"unmapped tax template": "Item tax template",
	"fraction of a cent": "fractions of a cent",
	"totals do not add up": "do not add up",
	"no lines": "no lines",
	"no customer": "not linked",
	"bad exchange rate": "exchange rate",
}
TALLY: Counter = Counter()  # examples by what they reached; "to the cent" is the one that counts


@st.composite
def lines(draw, max_lines=12):
	"""1..max_lines lines with ERPNext's amount = qty x rate to the cent, at least one cent each."""
	out = []
	for _ in range(draw(st.integers(1, max_lines))):
		qty, rate = draw(QTY), draw(RATE)
		amount = (qty * rate).quantize(CENT)
		if amount < CENT or amount > D("1e9"):
			qty, amount = D(1), rate.quantize(CENT) or CENT
			rate = amount
		template = draw(st.sampled_from(["", "", "Zero Rated"]))
		item = InvoiceLine(
			draw(ODD_TEXT), draw(LONG_TEXT), draw(ODD_TEXT), qty, rate, amount, item_tax_template=template
		)
		percent = draw(st.sampled_from([D(0), D(0), D(10), D("33.3")]))  # an ERPNext line discount
		if percent and (rate * 100 / (100 - percent)).quantize(CENT) > rate:
			item.price_list_rate = (rate * 100 / (100 - percent)).quantize(CENT)
			item.discount_percentage = percent
		out.append(item)
	return out


@st.composite
def invoices(draw, max_lines=12, name=None, for_sandbox=False):
	"""A valid ERPNext invoice: dates, mappings, customer and totals consistent; names and numbers odd.
	`for_sandbox`: ERPNext's own VAT (20% of the standard-rated lines' net after the invoice discount, inside
	the price when included), since the sandbox computes the tax from the line codes as QuickBooks does."""
	items = draw(lines(max_lines))
	total = sum((ln.amount for ln in items), D(0))
	standard = sum((ln.amount for ln in items if ln.item_tax_template != "Zero Rated"), D(0))
	discount = draw(st.sampled_from([D(0), D(0), (total * D("0.1")).quantize(CENT), min(D("5"), total / 2)]))
	discount = discount.quantize(CENT)
	base = standard - discount * standard / total if for_sandbox else total
	taxes = []
	for _ in range(draw(st.integers(0, (1 if for_sandbox else 2) if standard else 0))):
		included = draw(st.booleans())
		amount = (base * (D(20) / D(120) if included and for_sandbox else D("0.2"))).quantize(CENT)
		taxes.append(InvoiceTax("On Net Total", "VAT - C", D(20), amount, included))
	grand = total + sum((t.tax_amount for t in taxes if not t.included_in_print_rate), D(0)) - discount
	apply_discount_on = "Net Total" if for_sandbox else draw(st.sampled_from(["Net Total", "Grand Total"]))
	is_return = draw(st.integers(0, 6)) == 0
	sign = -1 if is_return else 1
	for ln in items:
		ln.qty, ln.amount = ln.qty * sign, ln.amount * sign
	for t in taxes:
		t.tax_amount *= sign
	rounding = draw(st.sampled_from([None, D("0.3"), D("-0.4")])) if grand >= 1 else None
	currency = draw(st.sampled_from(["GBP", "GBP", "", "EUR"]))
	return ERPInvoice(
		name=name or draw(NAME),
		customer=draw(LONG_TEXT),
		posting_date=draw(st.sampled_from(["2026-01-15", "2026-12-31", "2024-02-29"])),
		due_date=draw(st.sampled_from(["", "2026-02-14"])),
		grand_total=grand * sign,
		currency=currency,
		conversion_rate=D("0.85") if currency == "EUR" else D(1),
		lines=items,
		taxes=taxes,
		discount_amount=discount * sign,
		apply_discount_on=apply_discount_on,
		disable_rounded_total=rounding is None,
		rounded_total=(grand + (rounding or 0)) * sign,
		rounding_adjustment=(rounding or D(0)) * sign,
		is_return=is_return,
		return_against="SINV-X" if is_return else "",
		billing_address=draw(ODD_TEXT),
		remarks=draw(ODD_TEXT),
		customer_qbo_id=draw(st.sampled_from(["1", "1", "2"])),
	)


def expected_total(inv: ERPInvoice) -> D:
	"""What QuickBooks must show as TotalAmt: ERPNext's rounded total when rounding is on, else its grand
	total; positive for a return's credit memo."""
	total = inv.grand_total if inv.disable_rounded_total else inv.rounded_total
	return abs(D(total)).quantize(CENT)


def break_invoice(inv: ERPInvoice, defect: str) -> None:
	if defect == "no name":
		inv.name = " \t "
	elif defect == "bad posting date":
		inv.posting_date = "2025-02-29"
	elif defect == "bad due date":
		inv.due_date, inv.is_return, inv.return_against = "soon", False, ""
		_unreturn(inv)
	elif defect == "unmapped tax template":
		inv.lines[0].item_tax_template = "Unmapped Template"
	elif defect == "fraction of a cent":
		inv.lines[0].amount += D("0.005")
	elif defect == "totals do not add up":
		more = (abs(inv.discount_amount) + 1) * (-1 if inv.is_return else 1)  # more than lines + taxes
		inv.grand_total += more
		inv.rounded_total += more
	elif defect == "no lines":
		inv.lines, inv.taxes, inv.grand_total, inv.discount_amount = [], [], D(0), D(0)
		inv.disable_rounded_total, inv.rounded_total, inv.rounding_adjustment = True, D(0), D(0)
	elif defect == "no customer":
		inv.customer_qbo_id = ""
	elif defect == "bad exchange rate":
		inv.currency, inv.conversion_rate = "EUR", D(0)


def _unreturn(inv: ERPInvoice) -> None:
	"""A due date is only read on an invoice (a return has none): make sure this one is not a return."""
	if inv.grand_total < 0 or any(ln.amount < 0 for ln in inv.lines):
		for ln in inv.lines:
			ln.qty, ln.amount = -ln.qty, -ln.amount
		for t in inv.taxes:
			t.tax_amount = -t.tax_amount
		inv.grand_total, inv.discount_amount = -inv.grand_total, -inv.discount_amount
		inv.rounded_total, inv.rounding_adjustment = -inv.rounded_total, -inv.rounding_adjustment


def check_payload(prepared, inv: ERPInvoice) -> None:
	payload = prepared.payload
	json.dumps(payload)  # plain JSON types only
	assert qbo_total(payload) == expected_total(inv), (qbo_total(payload), expected_total(inv))
	assert consistent_lines(payload)
	assert 0 < len(payload["DocNumber"]) <= 21 and len(payload["PrivateNote"]) <= 4000
	assert all(len(ln.get("Description", "")) <= 4000 for ln in payload["Line"])


@settings(max_examples=1500, deadline=None, suppress_health_check=list(HealthCheck), database=None)
@given(
	inv=invoices(),
	defect=st.one_of(st.none(), st.none(), st.sampled_from(sorted(DEFECTS))),
	mode=st.sampled_from(["net", "line"]),
)
def test_every_invoice_maps_to_the_cent_or_is_held_for_its_defect(inv, defect, mode):
	"""Two examples in three are valid and must map to the cent; one in three is broken on purpose and must
	be held (or wait) with a reason naming the defect."""
	assert sanitize_display_name(inv.customer, default="Customer")  # the customer side never breaks
	if defect is None:
		try:
			prepared = prepare(inv, intl_settings(discount_mode=mode))
		except Hold as hold:
			raise AssertionError(f"a valid invoice was held: {hold.reasons}") from None
		check_payload(prepared, inv)
		TALLY["local: to the cent"] += 1
		return
	break_invoice(inv, defect)
	try:
		prepare(inv, intl_settings(discount_mode=mode))
	except Hold as hold:
		assert hold.reasons and all(isinstance(r, str) and r.strip() for r in hold.reasons)
		assert any(DEFECTS[defect] in reason for reason in hold.reasons), (defect, hold.reasons)
		assert hold.status == (WAITING if defect == "no customer" else HELD)
		TALLY["local: held for its defect"] += 1
		return
	raise AssertionError(f"an invoice with {defect!r} was not held")


SANDBOX = Sandbox(seed=intl_seed(), port=0)


def create_customers(client, names: list[str]) -> list[str]:
	"""Customers created in one batch; a name clash links to the existing one, anything else waits."""
	items = [
		{
			"bId": str(i),
			"operation": "create",
			"Customer": {"DisplayName": sanitize_display_name(n, f"Customer {i}")},
		}
		for i, n in enumerate(names)
	]
	answers = client.batch(items, None)
	ids = []
	for i in range(len(names)):
		answer = answers.get(str(i))
		ids.append(
			str(answer["Id"])
			if isinstance(answer, dict)
			else getattr(answer, "existing_id", "")
			if isinstance(answer, QBOError)
			else ""
		)
	return ids


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(data=st.data())
def test_sample_goes_through_the_strict_sandbox(data):
	"""Up to 30 valid invoices with new customers per batch: every one with a customer is Synced, and the
	TotalAmt QuickBooks stored is ERPNext's total to the cent."""
	if SANDBOX._server is None:
		SANDBOX.start()
	SANDBOX.reset()
	count = data.draw(st.integers(1, 30))
	batch = [
		data.draw(invoices(6, f"FZ-{i}-{data.draw(st.text(max_size=25))}", for_sandbox=True))
		for i in range(count)
	]
	client = make_client(SANDBOX, INTL_REALM, time_scale=1e6)
	ids = create_customers(client, [inv.customer for inv in batch])
	for inv, qbo_id in zip(batch, ids, strict=True):
		inv.customer_qbo_id = qbo_id
		inv.currency, inv.conversion_rate = "GBP", D(1)  # the new customers are in the home currency
	ledger = Ledger()
	mode = data.draw(st.sampled_from(["net", "line"]))  # discounts folded, or shown on a DiscountLine
	report = exporter_for(client, intl_settings(discount_mode=mode), ledger).export(batch)
	stored = {
		row["DocNumber"]: row
		for entity in ("Invoice", "CreditMemo")
		for row in SANDBOX.dump(INTL_REALM)[entity]
	}
	by_name = {inv.name: inv for inv in batch}
	assert len(ledger.outcomes) == len(by_name)
	for outcome in report.outcomes:
		inv = by_name[outcome.name]
		if not inv.customer_qbo_id:
			assert outcome.status == WAITING and outcome.message.strip(), outcome
			TALLY["sandbox: waiting for a customer"] += 1
			continue
		assert outcome.status == SYNCED, (outcome.status, outcome.message)
		if rounds_tax_to_zero(inv):  # the open gap below: its own strict xfail test tracks it
			TALLY["sandbox: known open gap (VAT-inclusive tax ERPNext rounds to 0.00)"] += 1
			continue
		assert D(str(stored[outcome.doc_number]["TotalAmt"])) == expected_total(inv), outcome.name
		TALLY["sandbox: to the cent"] += 1
	assert len(stored) == sum(1 for o in report.outcomes if o.status == SYNCED)
	assert not SANDBOX.internal_errors, SANDBOX.internal_errors[0]


def test_most_examples_reached_the_to_the_cent_check():
	"""Runs last (file order). Alone, it runs the two property tests first. At least half of all examples
	(local and sandbox) must have reached the comparison of QBO's total with ERPNext's to the cent."""
	if not TALLY:
		test_every_invoice_maps_to_the_cent_or_is_held_for_its_defect()
		test_sample_goes_through_the_strict_sandbox()
	SANDBOX.stop()
	examples = sum(TALLY.values())
	checked = TALLY["local: to the cent"] + TALLY["sandbox: to the cent"]
	print(
		f"\nfuzz: {checked} of {examples} examples checked to the cent ({checked / examples:.0%}): {dict(TALLY)}"
	)
	assert checked >= 0.5 * examples, TALLY
	assert TALLY["local: held for its defect"] >= 0.2 * examples, TALLY  # the broken ones were meaningful too


def rounds_tax_to_zero(inv: ERPInvoice) -> bool:
	"""An open gap the full suite's fuzzing found (with every test module loaded, Hypothesis draws other
	examples): a VAT-inclusive tax that ERPNext rounds to 0.00 on a tiny taxed base (20% of 0.025), which
	QuickBooks computes as 0.01, so the invoice lands a cent off. Pre-flight should hold it; it does not yet."""
	return any(t.included_in_print_rate and t.rate and not D(str(t.tax_amount)) for t in inv.taxes)


@pytest.mark.xfail(
	strict=True,
	reason="open: a VAT-inclusive tax ERPNext rounds to 0.00 (20% of 0.025) is 0.01 in QuickBooks; the credit "
	"memo lands at 0.07 for ERPNext's 0.06 instead of being held by pre-flight",
)
def test_an_inclusive_tax_rounded_to_zero_lands_to_the_cent_or_is_held():
	"""The failing example, replayed: a GBP return of 3 x 0.01 (standard, VAT-inclusive) and 1 x 0.04 (zero
	rated), 0.01 invoice discount, VAT 0.00, grand total -0.06, discounts folded ("net")."""
	if SANDBOX._server is None:
		SANDBOX.start()
	SANDBOX.reset()
	inv = ERPInvoice(
		name="FZ-GAP",
		customer="Gap Customer",
		posting_date="2026-01-15",
		grand_total=D("-0.06"),
		currency="GBP",
		conversion_rate=D(1),
		lines=[
			InvoiceLine("", qty=D(-3), rate=D("0.01"), amount=D("-0.03"), item_tax_template=""),
			InvoiceLine("", qty=D(-1), rate=D("0.04"), amount=D("-0.04"), item_tax_template="Zero Rated"),
		],
		taxes=[InvoiceTax("On Net Total", "VAT - C", D(20), D("-0.00"), True)],
		discount_amount=D("-0.01"),
		apply_discount_on="Net Total",
		rounded_total=D("-0.06"),
		disable_rounded_total=True,
		is_return=True,
		return_against="SINV-X",
	)
	client = make_client(SANDBOX, INTL_REALM, time_scale=1e6)
	inv.customer_qbo_id = create_customers(client, [inv.customer])[0]
	ledger = Ledger()
	report = exporter_for(client, intl_settings(discount_mode="net"), ledger).export([inv])
	outcome = report.outcomes[0]
	if outcome.status == SYNCED:
		memo = next(r for r in SANDBOX.dump(INTL_REALM)["CreditMemo"] if r["DocNumber"] == outcome.doc_number)
		assert D(str(memo["TotalAmt"])) == expected_total(inv)
	else:
		assert outcome.status == HELD and outcome.message
