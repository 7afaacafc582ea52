"""Churn scores for the demo data: one scoring run as of the demo's fixed today (run by ``load_demo_data``)."""

from churn.models import ScoringRun
from churn.services.scoring import scoring_run
from customers.demo import DEMO_TODAY


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
