"""Backtest the churn model on a CSV of transactions (customer_id,date,amount), as the scheduled job does."""

import csv
import datetime
import json

from django.core.management.base import BaseCommand, CommandError

from churn import validation

UNITS = {"week": 7.0, "day": 1.0}


def _day(text: str, *, what: str) -> int:
    try:
        return datetime.date.fromisoformat(text.strip()).toordinal()
    except ValueError as exc:
        raise CommandError(f"{what}: {text!r} is not an ISO date (YYYY-MM-DD).") from exc


class Command(BaseCommand):
    help = (
        "Calibrate the churn model (MBG/NBD + Gamma-Gamma) on the transactions up to --calibration-end, predict "
        "the holdout up to --holdout-end and compare with what happened and with an R+F+M quintile-sum baseline. "
        "The CSV has a header and the columns customer_id,date,amount (ISO dates, several rows per customer and "
        "day allowed)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--transactions", required=True, metavar="FILE.csv")
        parser.add_argument("--calibration-end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--holdout-end", required=True, metavar="YYYY-MM-DD")
        parser.add_argument("--time-unit", choices=sorted(UNITS), default="week")
        parser.add_argument("--min-repeat-buyers", type=int, default=validation.Config.min_repeat_buyers)
        parser.add_argument("--json", action="store_true", help="Print one JSON object (default: a short text).")

    def handle(self, *args, **options):
        calibration_end = _day(options["calibration_end"], what="--calibration-end")
        holdout_end = _day(options["holdout_end"], what="--holdout-end")
        if holdout_end <= calibration_end:
            raise CommandError("--holdout-end must be after --calibration-end.")
        ids, days, amounts = self._read(options["transactions"])
        config = validation.Config(
            unit_days=UNITS[options["time_unit"]], min_repeat_buyers=options["min_repeat_buyers"]
        )
        result = validation.backtest_transactions(
            ids, days, amounts, calibration_end=calibration_end, holdout_end=holdout_end, config=config
        )
        figures = validation.json_safe({**result.as_dict(), "time_unit": options["time_unit"]})
        if options["json"]:
            self.stdout.write(json.dumps(figures, sort_keys=False))
            return
        holdout = figures["holdout"]
        self.stdout.write(f"Customers: {figures['customers']} ({figures['repeat_buyers']} repeat buyers)")
        self.stdout.write(f"Model: {figures['model']} {figures['params']} LL {figures['log_likelihood']}")
        if figures["fallback"]:
            self.stdout.write(f"Falls back to RFM: {figures['fallback']} ({figures['fallback_detail']})")
        self.stdout.write(
            f"Holdout purchases: expected {holdout['expected_repeat_purchases']}, "
            f"actual {holdout['actual_repeat_purchases']}; AUC {holdout['auc']} "
            f"(R+F+M baseline {holdout['baseline_auc']})"
        )

    def _read(self, path: str):
        ids, days, amounts = [], [], []
        try:
            with open(path, newline="", encoding="utf-8-sig") as handle:
                reader = csv.DictReader(handle)
                missing = {"customer_id", "date", "amount"} - set(reader.fieldnames or ())
                if missing:
                    raise CommandError(f"{path}: missing column(s) {', '.join(sorted(missing))}.")
                for number, row in enumerate(reader, start=2):
                    ids.append(row["customer_id"].strip())
                    days.append(_day(row["date"], what=f"{path} line {number}"))
                    try:
                        amounts.append(float(row["amount"]))
                    except ValueError as exc:
                        raise CommandError(f"{path} line {number}: amount {row['amount']!r} is not a number.") from exc
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        if not ids:
            raise CommandError(f"{path} has no transactions.")
        return ids, days, amounts
