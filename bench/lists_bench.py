"""Customer list, search and 360° page at scale: server time through Django's test client.

Run against the data set of bench/generate.py (PostgreSQL, migrated with customers 0005):

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python bench/lists_bench.py
    # or: make -C bench lists          (--explain prints EXPLAIN ANALYZE of each case's slowest query)

As a store's supervisor and as one of its account managers (the generator's ``bench.sup.<store>``
and ``bench.am.<store>.01``), each request is made ``--warmup`` times unmeasured, then ``--repeat``
times (20) measured: the median and p95 of the time from request to rendered response, in the same
process (middleware, queries, template: the server's part, no network), and the number of queries.
The search terms are taken from a customer of the store (the same customer each run). The 360°
page is that of the store's customer with the most purchases; it writes one access-log row per view
(privacy: every view of a customer's data is logged), as in production. Nothing else is written.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
TARGETS_MS = {"list": 150, "search": 300, "360": 100}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default="central", help="store code (default central, a flagship)")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE each case's slowest query")
    args = parser.parse_args()

    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from crm_site.models import User
    from customers.models import Customer, Purchase, Store
    from customers.phones import phone_display

    settings.ALLOWED_HOSTS = ["*"]
    settings.DEBUG = False
    store = Store.objects.get(code=args.store)
    supervisor = User.objects.get(username=f"bench.sup.{store.code}")
    manager = User.objects.get(username=f"bench.am.{store.code}.01")

    # One customer of the store with an English and a Chinese name, an e-mail and a mobile: the search terms.
    sample = (
        Customer.objects.filter(home_store=store, merged_into__isnull=True, kind="person")
        .exclude(name_en="")
        .exclude(name_zh="")
        .exclude(email="")
        .exclude(mobile_phone="")
        .order_by("pk")[1000]
    )
    words = sample.name_en.split()
    english_partial = " ".join(words[1:3]).lower()[:-1]  # "chan tai m" of "Peter Chan Tai Man"
    national = sample.mobile_phone.removeprefix("+852")
    busiest_id = (
        Purchase.objects.filter(customer__home_store=store)
        .values("customer_id")
        .annotate(n=Count("pk"))
        .order_by("-n")
        .values_list("customer_id", flat=True)[:1]
        .get()
    )
    purchases_of_busiest = Purchase.objects.filter(customer_id=busiest_id).count()

    list_url = reverse("customers:customer-list")
    cases = [
        ("list", "customer list, first page", list_url, {}),
        ("list", "customer list, page 40", list_url, {"page": 40}),
        ("list", "customer list, page 400 (the last before the cap)", list_url, {"page": 400}),
        ("list", "customer list, sorted newest first", list_url, {"sort": "newest"}),
        ("list", "customer list, churn band high", list_url, {"risk": "high"}),
        ("search", f"search Chinese name ({sample.name_zh})", list_url, {"q": sample.name_zh}),
        ("search", f"search Chinese partial, 2 chars ({sample.name_zh[-2:]})", list_url, {"q": sample.name_zh[-2:]}),
        ("search", f"search English partial ({english_partial!r})", list_url, {"q": english_partial}),
        ("search", f"search phone ({national[:4]} {national[4:]})", list_url, {"q": f"{national[:4]} {national[4:]}"}),
        (
            "search",
            f"search phone ({phone_display(sample.mobile_phone)})",
            list_url,
            {"q": phone_display(sample.mobile_phone)},
        ),
        ("search", f"search phone, last 4 digits ({national[-4:]})", list_url, {"q": national[-4:]}),
        ("search", f"search e-mail ({sample.email})", list_url, {"q": sample.email}),
        (
            "search",
            f"search e-mail partial ({sample.email.split('@')[0]})",
            list_url,
            {"q": sample.email.split("@")[0]},
        ),
        (
            "360",
            f"360° page ({purchases_of_busiest} purchases)",
            reverse("customers:customer-detail", args=[busiest_id]),
            {},
        ),
    ]
    try:
        from complaints.models import Complaint

        complaints = Complaint.objects.count()
        cases.append(
            (
                "list",
                f"complaints queue ({complaints} complaints in the database)",
                reverse("complaints:complaint-list"),
                {},
            )
        )
    except ImportError:
        pass

    print(f"{Customer.objects.count():,} customers; store {store.code}; {args.warmup} warm-up, {args.repeat} measured")
    print(f"{'case':<62} {'user':<11} {'median ms':>9} {'p95 ms':>7} {'queries':>7}  target")
    for user_label, user in (("supervisor", supervisor), ("manager", manager)):
        client = Client()
        client.force_login(user)
        for kind, label, url, params in cases:
            for _ in range(args.warmup):
                response = client.get(url, params)
                if response.status_code != 200:
                    raise SystemExit(f"{label}: HTTP {response.status_code}")
            times = []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get(url, params)
                times.append((time.perf_counter() - start) * 1000)
            with CaptureQueriesContext(connection) as captured:
                response = client.get(url, params)
            median = statistics.median(times)
            p95 = statistics.quantiles(times, n=20, method="inclusive")[18]
            met = "ok" if median <= TARGETS_MS[kind] else "MISSED"
            print(
                f"{label[:62]:<62} {user_label:<11} {median:>9.1f} {p95:>7.1f} {len(captured):>7}"
                f"  ≤{TARGETS_MS[kind]} {met}"
            )
            if args.explain:
                slowest = max(captured.captured_queries, key=lambda q: float(q["time"]))
                with connection.cursor() as cursor:
                    cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + slowest["sql"])
                    print("    " + "\n    ".join(row[0] for row in cursor.fetchall()))


if __name__ == "__main__":
    main()
