"""Churn scores for the demo data: one scoring run as of the demo's fixed today, and remedy playbooks with
two rounds of actions and outcomes (run by ``load_demo_data``)."""

from datetime import timedelta
from decimal import Decimal

from churn.models import Playbook, RemedyAction, ScoringRun
from churn.services import playbooks
from churn.services.scoring import scoring_run
from crm_site import roles
from crm_site.models import User
from customers.demo import DEMO_TODAY
from customers.models import Purchase


def demo_scores_ensure() -> ScoringRun | None:
    """Score the demo customers as of DEMO_TODAY, unless a run for that day has already succeeded.

    Returns the new run, or None when there was nothing to do (or another run held the lock).
    """
    if ScoringRun.objects.filter(as_of=DEMO_TODAY, status=ScoringRun.Status.SUCCEEDED).exists():
        return None
    return scoring_run(today=DEMO_TODAY)


def demo_scores_summary(run: ScoringRun) -> str:
    """One line for the command's output: how the demo scores were made and how the backtest went."""
    holdout = run.backtest.get("holdout", {})

    def figure(value, digits=3):
        return "—" if value is None else f"{value:.{digits}f}"

    how = "MBG/NBD model" if run.method == "model" else f"RFM fall-back ({run.fallback_reason}: {run.fallback_detail})"
    return (
        f"Churn scores for {run.customers_scored} customers as of {run.as_of:%d %B %Y}: {how}; backtest AUC "
        f"{figure(holdout.get('auc'))} against the R+F+M baseline's {figure(holdout.get('baseline_auc'))}, "
        f"holdout repeat purchases predicted {figure(holdout.get('expected_repeat_purchases'), 0)}, "
        f"actual {figure(holdout.get('actual_repeat_purchases'), 0)}."
    )


PLAYBOOK_DAYS_BEFORE = 120  # the demo's first playbook round: this many days before DEMO_TODAY

DEMO_PLAYBOOKS = (
    {
        "name": "High risk: complimentary service check",
        "band": "high",
        "kind": "service_check",
        "channel": "",
        "subject_class": "",
        "due_in_days": 21,
        "estimated_cost": Decimal("350.00"),
        "cap_days": 90,
        "control_share": Decimal("0.300"),
        "win_window_days": 90,
    },
    {
        "name": "Lost: HKD 500 voucher by SMS",
        "band": "lost",
        "kind": "voucher",
        "channel": "sms",
        "subject_class": "new_releases",
        "due_in_days": 7,
        "estimated_cost": Decimal("500.00"),
        "cap_days": 90,
        "control_share": Decimal("0.300"),
        "win_window_days": 90,
    },
)


def demo_playbooks_ensure() -> dict | None:
    """Two playbooks with a round of actions 120 days before DEMO_TODAY (most with an outcome) and a fresh
    round on DEMO_TODAY. None when the demo playbooks exist already (or no admin is there to define them).

    The first round needs the scores as they were then: the customers are scored as of that day, the
    playbooks applied, then scored as of DEMO_TODAY (the current scores; ``demo_scores_ensure`` then has
    nothing to do). The demo's purchases do not depend on the remedies, so the report shows what no effect
    looks like: a difference whose interval spans zero.
    """
    admin = User.objects.filter(groups__name=roles.ADMIN, is_active=True).order_by("username").first()
    if admin is None or Playbook.objects.filter(name=DEMO_PLAYBOOKS[0]["name"]).exists():
        return None
    for spec in DEMO_PLAYBOOKS:
        playbooks.playbook_create(by=admin, **spec)
    then = DEMO_TODAY - timedelta(days=PLAYBOOK_DAYS_BEFORE)
    scoring_run(today=then)
    first = playbooks.playbooks_run(today=then)
    outcomes = _demo_outcomes(then)
    current = scoring_run(today=DEMO_TODAY)
    fresh = playbooks.playbooks_run(today=DEMO_TODAY)
    return {"first": first, "fresh": fresh, "outcomes": outcomes, "run": current}


def _demo_outcomes(then) -> int:
    """The account managers' record of the first round: won back when the customer bought, else done,
    no answer or declined; one in five left open."""
    bought = set(
        Purchase.objects.filter(
            purchased_on__gt=then,
            purchased_on__lte=then + timedelta(days=90),
            status=Purchase.Status.COMPLETED,
        ).values_list("customer_id", flat=True)
    )
    recorded = 0
    actions = RemedyAction.objects.filter(group=RemedyAction.Group.TREATED, assigned_on=then, owner__isnull=False)
    for action in actions.select_related("owner").order_by("pk"):
        if action.customer_id in bought:
            outcome = RemedyAction.Outcome.WON_BACK
        else:
            outcome = (None, "done", "no_answer", "declined", "done")[action.pk % 5]
            if outcome is None:
                continue
        playbooks.remedy_outcome_record(action_id=action.pk, by=action.owner, outcome=outcome)
        recorded += 1
    return recorded


def demo_playbooks_summary(result: dict) -> str:
    def created(run):
        return sum(sum(groups.values()) for groups in run.counts.values()) if run else 0

    return (
        f"Remedy playbooks: {len(DEMO_PLAYBOOKS)} playbooks; {created(result['first'])} customers taken up "
        f"{PLAYBOOK_DAYS_BEFORE} days ago ({result['outcomes']} outcomes recorded), {created(result['fresh'])} today."
    )
