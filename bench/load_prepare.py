"""Prepare the load test (bench/locustfile.py) against the data set of bench/generate.py.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/crm_bench1m .venv/bin/python bench/load_prepare.py out.json

bench/generate.py gives its staff (``bench.am.<store>.NN``, ``bench.sup.<store>``) an unusable password:
this sets one known password on them (BENCH_LOAD_PASSWORD, default ``bench-load-2026``; one hash for
all, written in one UPDATE: only ``bench.*`` users of the bench database are touched). It then writes
the users and, per store, search terms and customer ids taken from that store's customers (a store's
staff see its customers), for the locust users to draw from.
"""

import json
import os
import sys
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
PER_STORE = 30


def main():
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "load_data.json")
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm_site.settings.local")
    import django

    django.setup()
    from django.contrib.auth.hashers import make_password

    from crm_site.models import User
    from customers.models import Customer, Store

    password = os.environ.get("BENCH_LOAD_PASSWORD", "bench-load-2026")
    bench_users = User.objects.filter(username__startswith="bench.")
    bench_users.update(password=make_password(password))
    users = []
    stores = {}
    for store in Store.objects.order_by("code"):
        usernames = list(bench_users.filter(stores=store).order_by("username").values_list("username", flat=True))
        if not usernames:
            continue
        users += [{"username": u, "store": store.code} for u in usernames]
        rows = (
            Customer.objects.filter(home_store=store, merged_into__isnull=True, kind="person")
            .exclude(name_en="")
            .exclude(name_zh="")
            .exclude(email="")
            .exclude(mobile_phone="")
            .order_by("pk")
            .values("pk", "name_zh", "name_en", "email", "mobile_phone")[1000 : 1000 + PER_STORE * 50 : 50]
        )
        customers = []
        for row in rows:
            words = row["name_en"].split()
            national = row["mobile_phone"].removeprefix("+852")
            customers.append(
                {
                    "id": row["pk"],
                    "name_zh": row["name_zh"],
                    "english_partial": " ".join(words[1:3]).lower()[:-1],
                    "phone": f"{national[:4]} {national[4:]}",
                    "email": row["email"],
                }
            )
        stores[store.code] = customers
    out.write_text(json.dumps({"password": password, "users": users, "stores": stores}, ensure_ascii=False))
    print(f"{len(users)} users over {len(stores)} stores, {sum(map(len, stores.values()))} customers -> {out}")


if __name__ == "__main__":
    main()
