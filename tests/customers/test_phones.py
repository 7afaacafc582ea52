"""Phone numbers: what the phonenumbers library really makes of what staff type.

The expected values were checked against phonenumbers itself (9.0.x), not guessed.
"""

import pytest
from django.core.exceptions import ValidationError

from customers.phones import phone_display, phone_search_key, phone_to_e164


@pytest.mark.parametrize(
    "raw",
    [
        "9123 4567",
        "91234567",
        "+852 9123 4567",
        "+852 9123-4567",
        "+85291234567",
        # With the country code but no "+": phonenumbers strips a leading 852
        # when what follows is a valid Hong Kong number.
        "(852) 91234567",
        "852-9123-4567",
        "  9123 4567  ",
    ],
)
def test_phone_to_e164_reads_hong_kong_mobile_numbers(raw):
    # given a number typed in one of the ways staff write it
    # when
    result = phone_to_e164(raw)
    # then
    assert result == "+85291234567"


def test_phone_to_e164_reads_a_foreign_number_with_its_country_code():
    # given / when
    result = phone_to_e164("+44 20 7946 0958")
    # then
    assert result == "+442079460958"


def test_phone_to_e164_honours_an_explicit_region():
    # given a UK national number
    # when
    result = phone_to_e164("020 7946 0958", region="GB")
    # then
    assert result == "+442079460958"


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_phone_to_e164_leaves_an_empty_value_empty(raw):
    # given / when
    result = phone_to_e164(raw)
    # then
    assert result == ""


@pytest.mark.parametrize(
    ("raw", "message_start"),
    [
        # Parses as digits, but no Hong Kong number is four digits long.
        ("1234", "“1234” is not a valid phone number."),
        # Eight digits, but Hong Kong numbers do not start with 1.
        ("1234 5678", "“1234 5678” is not a valid phone number."),
        # Not a number at all: phonenumbers cannot even parse it.
        ("abc", "“abc” is not a phone number."),
    ],
)
def test_phone_to_e164_rejects_what_is_not_a_phone_number(raw, message_start):
    # given / when
    with pytest.raises(ValidationError) as excinfo:
        phone_to_e164(raw)
    # then
    error = excinfo.value
    assert error.code == "invalid_phone"
    assert error.params == {"value": raw}
    assert len(error.messages) == 1
    assert error.messages[0].startswith(message_start)
    assert "9123 4567" in error.messages[0]


def test_phone_display_formats_e164_for_people():
    # given / when / then
    assert phone_display("+85291234567") == "+852 9123 4567"
    assert phone_display("+442079460958") == "+44 20 7946 0958"


def test_phone_display_of_nothing_is_empty():
    # given / when / then
    assert phone_display("") == ""


def test_phone_display_shows_an_unparseable_value_unchanged():
    # given a legacy value that is not E.164
    # when
    result = phone_display("ask reception")
    # then
    assert result == "ask reception"


@pytest.mark.parametrize(
    ("term", "expected"),
    [
        ("9123 4567", "+85291234567"),
        ("+85291234567", "+85291234567"),
        ("4567", None),
        ("Chan", None),
        ("", None),
    ],
)
def test_phone_search_key_is_the_e164_form_of_a_whole_number_only(term, expected):
    # given / when / then
    assert phone_search_key(term) == expected
