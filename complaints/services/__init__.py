"""Writes with business rules: intake, the workflow, SLA checks and surveys (one module each)."""

from complaints.services.intake import complaint_create, complaint_submit_public, matching_customers
from complaints.services.sla import sla_check, sla_run_failed
from complaints.services.surveys import (
    SurveyLinkInvalid,
    survey_answer,
    survey_from_token,
    survey_send,
    survey_token,
    survey_url,
)
from complaints.services.workflow import (
    SIMPLE_ACTIONS,
    complaint_acknowledge,
    complaint_assignable_users,
    complaint_classify,
    complaint_escalate,
    complaint_goodwill_decide,
    complaint_link_customer,
    complaint_reassign,
    complaint_reopen,
    complaint_resolve,
    complaint_transition,
    goodwill_limit,
    reopen_deadline,
)

__all__ = [
    "SIMPLE_ACTIONS",
    "SurveyLinkInvalid",
    "complaint_acknowledge",
    "complaint_assignable_users",
    "complaint_classify",
    "complaint_create",
    "complaint_escalate",
    "complaint_goodwill_decide",
    "complaint_link_customer",
    "complaint_reassign",
    "complaint_reopen",
    "complaint_resolve",
    "complaint_submit_public",
    "complaint_transition",
    "goodwill_limit",
    "matching_customers",
    "reopen_deadline",
    "sla_check",
    "sla_run_failed",
    "survey_answer",
    "survey_from_token",
    "survey_send",
    "survey_token",
    "survey_url",
]
