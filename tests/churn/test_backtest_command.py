"""``manage.py churn_backtest`` on small CSV files with known answers."""

import importlib.resources
import json

import pytest
from django.core.management import CommandError, call_command

# Calibration to 31 January 2024, holdout to 31 March 2024.
#   A: 1 Jan (two lines, one day), 15 Jan; holdout 10 Feb          → x=1, R 16 days, spend 350, came back
#   B: 10 Jan; holdout 2 Feb, 3 Mar (two lines)                    → x=0, R 21 days, spend 300, came back twice
#   C: 20 Jan bought and returned more than it cost (net refund)   → not a customer at the cut-off
#   D: 1 Dec, 30 Jan                                               → x=1, R 1 day,  spend 200
#   E: 1 Nov                                                       → x=0, R 91 days, spend 20
#   A's line after the holdout is ignored.
SMALL_CSV = """customer_id,date,amount
A,2024-01-01,100
A,2024-01-01,50
A,2024-01-15,200
A,2024-02-10,80
A,2024-04-15,999
B,2024-01-10,300
B,2024-02-02,40
B,2024-03-03,10
B,2024-03-03,15
C,2024-01-20,50
C,2024-01-20,-60
C,2024-02-01,100
D,2023-12-01,100
D,2024-01-30,100
E,2023-11-01,20
"""


def _run(path, *extra):
    from io import StringIO

    out = StringIO()
    call_command(
        "churn_backtest",
        "--transactions",
        str(path),
        "--calibration-end",
        "2024-01-31",
        "--holdout-end",
        "2024-03-31",
        "--time-unit",
        "week",
        "--json",
        *extra,
        stdout=out,
    )
    return json.loads(out.getvalue())


def test_the_command_prints_the_known_answer_for_a_small_file(tmp_path):
    # given
    path = tmp_path / "small.csv"
    path.write_text(SMALL_CSV)
    # when
    result = _run(path)
    # then: four customers at the cut-off, three repeat purchase days in the holdout
    assert result["customers"] == 4
    assert result["repeat_buyers"] == 2
    assert result["holdout"]["actual_repeat_purchases"] == 3
    # R+F+M sums: A 4+5+5=14, B 3+3+4=10, D 5+5+3=13, E 2+3+2=7; came back: A, B → 3 of 4 pairs ranked right
    assert result["holdout"]["baseline_auc"] == 0.75
    assert result["holdout"]["length"] == pytest.approx(60 / 7)
    # two repeat buyers are far too few to fit: the command says so instead of inventing parameters
    assert result["fallback"] == "too_little_data"
    assert result["params"] is None
    assert result["holdout"]["auc"] is None
    assert set(result) >= {"customers", "model", "params", "log_likelihood", "holdout"}
    assert set(result["holdout"]) >= {"actual_repeat_purchases", "expected_repeat_purchases", "auc", "baseline_auc"}


def test_the_command_reproduces_the_cdnow_fit_from_raw_transactions(tmp_path):
    # given CDNOW's raw lines written as the command's CSV
    raw = (importlib.resources.files("lifetimes.datasets") / "CDNOW_sample.txt").read_text().splitlines()
    lines = ["customer_id,date,amount"]
    for line in raw:
        customer, _id, day, _quantity, amount = line.split()
        lines.append(f"{customer},{day[:4]}-{day[4:6]}-{day[6:]},{amount}")
    path = tmp_path / "cdnow.csv"
    path.write_text("\n".join(lines))
    # when
    from io import StringIO

    out = StringIO()
    call_command(
        "churn_backtest",
        "--transactions",
        str(path),
        "--calibration-end",
        "1997-09-30",
        "--holdout-end",
        "1998-06-30",
        "--time-unit",
        "week",
        "--json",
        stdout=out,
    )
    result = json.loads(out.getvalue())
    # then: the MBG/NBD fit of the published summary (LL −9582.13), in weeks
    assert result["customers"] == 2357
    assert result["model"] == "MBG/NBD"
    assert result["log_likelihood"] == pytest.approx(-9582.13, abs=0.01)
    assert result["params"] == pytest.approx({"r": 0.525, "alpha": 6.183, "a": 0.891, "b": 1.614}, abs=0.002)
    assert result["holdout"]["actual_repeat_purchases"] == 1882


def test_the_command_refuses_a_file_without_the_columns(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("who,when\nA,2024-01-01\n")
    with pytest.raises(CommandError, match="missing column"):
        _run(path)


def test_the_command_refuses_a_holdout_before_the_cut_off(tmp_path):
    path = tmp_path / "small.csv"
    path.write_text(SMALL_CSV)
    with pytest.raises(CommandError, match="after"):
        call_command(
            "churn_backtest",
            "--transactions",
            str(path),
            "--calibration-end",
            "2024-03-31",
            "--holdout-end",
            "2024-01-31",
            "--json",
        )
