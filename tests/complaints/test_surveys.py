"""Survey links: single use, expiring, unforgeable."""

from datetime import timedelta

import pytest
from django.core import signing
from django.core.exceptions import ValidationError
from django.utils import timezone

from complaints import services
from complaints.models import Complaint, ComplaintEvent, SatisfactionSurvey
from complaints.services.surveys import SALT
from tests.complaints.conftest import put_in_status


@pytest.fixture
def survey(complaint):
    put_in_status(complaint, Complaint.Status.RESOLVED)
    return services.survey_send(complaint=complaint)


def test_a_survey_link_accepts_one_answer(survey):
    token = services.survey_token(survey)
    # when
    services.survey_answer(token=token, score=4, comment="Quick and polite.")
    # then the answer is on the survey and on the complaint's timeline
    survey.refresh_from_db()
    assert (survey.score, survey.comment) == (4, "Quick and polite.")
    assert survey.answered_at is not None
    assert "4/5" in survey.complaint.events.filter(kind=ComplaintEvent.Kind.SURVEY).last().note
    # and a second answer is refused, the first kept
    with pytest.raises(services.SurveyLinkInvalid) as used:
        services.survey_answer(token=token, score=1)
    assert used.value.code == "used"
    survey.refresh_from_db()
    assert survey.score == 4


def test_an_expired_link_is_refused(survey):
    SatisfactionSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    with pytest.raises(services.SurveyLinkInvalid) as expired:
        services.survey_answer(token=services.survey_token(survey), score=5)
    assert expired.value.code == "expired"
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_link_older_than_its_signature_allows_is_refused(survey, settings):
    token = services.survey_token(survey)
    settings.COMPLAINTS_SURVEY_VALID_DAYS = 0
    with pytest.raises(services.SurveyLinkInvalid) as expired:
        services.survey_from_token(token)
    assert expired.value.code == "expired"


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, survey: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # tampered signature
        lambda token, survey: signing.dumps({"s": survey.pk, "n": "0" * 32}, salt=SALT, compress=True),  # wrong nonce
        lambda token, survey: signing.dumps({"s": survey.pk, "n": survey.nonce}, salt="other", compress=True),
        lambda token, survey: "not-a-token",
    ],
    ids=["tampered", "guessed-nonce", "other-salt", "garbage"],
)
def test_a_forged_link_is_refused(survey, forge):
    with pytest.raises(services.SurveyLinkInvalid) as forged:
        services.survey_answer(token=forge(services.survey_token(survey), survey), score=5)
    assert forged.value.code == "forged"
    survey.refresh_from_db()
    assert survey.answered_at is None


def test_a_new_survey_after_reopening_makes_the_old_link_useless(survey, complaint):
    # the old survey is expired by the reopening; the new one has its own nonce
    old = services.survey_token(survey)
    SatisfactionSurvey.objects.filter(pk=survey.pk).update(expires_at=timezone.now())
    newer = services.survey_send(complaint=complaint)
    assert newer.nonce != survey.nonce
    with pytest.raises(services.SurveyLinkInvalid):
        services.survey_from_token(old)
    assert services.survey_from_token(services.survey_token(newer)) == newer


def test_the_score_must_be_one_to_five(survey):
    with pytest.raises(ValidationError):
        services.survey_answer(token=services.survey_token(survey), score=6)
    survey.refresh_from_db()
    assert survey.answered_at is None
