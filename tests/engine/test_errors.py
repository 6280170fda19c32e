"""The error taxonomy: QBO fault code -> class -> record status -> user sentence."""

import pytest

from qbo_connector.engine import errors
from qbo_connector.engine.records import FAILED, HELD, NEEDS_REVIEW, QUEUED


@pytest.mark.parametrize(
	"code, http, cls, status, transient",
	[
		(3001, 429, errors.Throttled, QUEUED, True),
		(0, 503, errors.Transient, QUEUED, True),
		(3200, 401, errors.AuthExpired, QUEUED, True),
		(6240, 400, errors.NameClash, NEEDS_REVIEW, False),
		(6140, 400, errors.DuplicateDocNumber, FAILED, False),
		(5010, 400, errors.StaleObject, QUEUED, True),
		(610, 400, errors.MissingReference, HELD, False),
		(2500, 400, errors.MissingReference, HELD, False),
		(6000, 400, errors.ValidationFailed, FAILED, False),
		(2020, 400, errors.ValidationFailed, FAILED, False),
	],
)
def test_fault_code_decides_class_and_status(code, http, cls, status, transient):
	error = errors.error_from_fault({"Message": "m", "Detail": "d", "code": str(code)}, http_status=http)
	assert type(error) is cls
	assert error.status == status
	assert error.transient is transient
	assert error.user_message()


def test_name_clash_parses_the_existing_id():
	error = errors.error_from_fault(
		{
			"Message": "Duplicate Name Exists Error",
			"Detail": "The name supplied already exists. : Id=58",
			"code": "6240",
		}
	)
	assert error.existing_id == "58"
	assert "58" in error.user_message()


def test_missing_reference_names_the_kind_in_plain_words():
	error = errors.error_from_fault(
		{
			"Message": "Invalid Reference Id",
			"Detail": "Invalid Reference Id : Something you're trying to use has been made inactive.",
			"code": "2500",
			"element": "Line.SalesItemLineDetail.ItemRef",
		}
	)
	assert error.user_message().startswith("An item")


def test_reconnect_required_sentence():
	assert "Reconnect" in errors.ReconnectRequired("x").user_message()


def test_closed_period_is_held_with_words_and_not_transient():
	from qbo_connector.engine.errors import HELD, PeriodClosed, error_from_code

	error = error_from_code(6210, "Account Period Closed", "The account period has closed ...")
	assert isinstance(error, PeriodClosed) and error.status == HELD and not error.transient
	assert "closed in QuickBooks" in error.user_message() and "Retry" in error.user_message()
