"""One line of figures from a load test's output folder (bench/load_test.sh calls it at the end).

    .venv/bin/python bench/load_summary.py bench/load_results "label"

Reads locust's ``load_stats.csv`` (the "Aggregated" row: requests, failures, requests/s,
p50/p95/p99 in ms), ``logins.csv`` (bench/locustfile.py) and ``vmstat.txt`` (the mean CPU idle and
run-queue length over the samples taken after the last login, approximately: the last
measured-seconds / 5 samples), and prints a Markdown table row.
"""

import csv
import sys
from pathlib import Path

HEADER = (
    "| run | requests | failures | req/s | p50 ms | p95 ms | p99 ms | CPU idle | run queue | logins p50 / p95 s |\n"
    "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/load_results")
    label = sys.argv[2] if len(sys.argv) > 2 else out.name
    measured_seconds = int(sys.argv[3]) if len(sys.argv) > 3 else 120
    with (out / "load_stats.csv").open(encoding="utf-8") as handle:
        total = next(row for row in csv.DictReader(handle) if row["Name"] == "Aggregated")
    logins = "–"
    if (out / "logins.csv").exists():
        with (out / "logins.csv").open(encoding="utf-8") as handle:
            row = next(csv.DictReader(handle))
        logins = f"{float(row['p50_s']):.1f} / {float(row['p95_s']):.1f}"
    idle = queue = "–"
    if (out / "vmstat.txt").exists():
        samples = [line.split() for line in (out / "vmstat.txt").read_text().splitlines()]
        samples = [s for s in samples if s and s[0].isdigit()][1:]  # the first line is since boot
        samples = samples[-max(1, measured_seconds // 5) :]
        if samples:
            idle = f"{sum(int(s[14]) for s in samples) / len(samples):.0f} %"
            queue = f"{sum(int(s[0]) for s in samples) / len(samples):.1f}"
    print(
        f"| {label} | {int(total['Request Count']):,} | {int(total['Failure Count'])} | "
        f"{float(total['Requests/s']):.1f} | {total['50%']} | {total['95%']} | {total['99%']} | {idle} | {queue} | "
        f"{logins} |"
    )


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--header":
        print(HEADER)
    else:
        main()
