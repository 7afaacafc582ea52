"""200 staff browsing and searching: locust users against gunicorn (see bench/README.md, `make -C bench load`).

Each user logs in once (GET /login/ for the CSRF token, POST /login/) as one of the bench staff
(bench/generate.py's account managers and supervisors, spread over the twelve stores: user k takes
the k-th of the list, which bench/load_prepare.py writes to LOAD_DATA with the password and, per
store, search terms and customer ids of that store's customers), then loops over: the customer
list, list pages 2-5, a search by Chinese name, English partial, phone and e-mail, the 360° page of
one of its store's customers and the complaints queue, with a think time between pages drawn
uniformly from THINK seconds ("1,3" if unset; bench/load_test.sh passes its own, 3-7 s by default).

The client is locust's FastHttpUser (geventhttpclient, keep-alive): locust runs on the same two
CPUs as the server, and its plain HttpUser (requests) costs several times more CPU per request.

Production settings set the Secure flag on the session and CSRF cookies, which a client on plain
HTTP (loopback) must not send back: the flag is dropped client-side after each response, so that
the server runs unchanged (no X-Forwarded-Proto either: the request stays "http").

Logins (PBKDF2, about 0.25 s of CPU each by design) happen while the users are spawned. When the
last user has logged in, the statistics are reset and the test runs MEASURE_SECONDS more (when set):
the figures cover 200 logged-in staff browsing, and the logins are counted on their own in LOGIN_CSV.
"""

import itertools
import json
import os
import random
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import gevent
from locust import between, events, task
from locust.contrib.fasthttp import FastHttpUser

DATA = json.loads(Path(os.environ.get("LOAD_DATA", "load_data.json")).read_text(encoding="utf-8"))
THINK = tuple(float(s) for s in os.environ.get("THINK", "1,3").split(","))
LOGIN_CSV = os.environ.get("LOGIN_CSV", "")
MEASURE_SECONDS = float(os.environ.get("MEASURE_SECONDS", "0"))
_next_user = itertools.count()
_logins: list[tuple[float, float, int]] = []  # (started at, seconds, HTTP status)
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(FastHttpUser):
    wait_time = between(*THINK)
    network_timeout = 60.0
    connection_timeout = 60.0

    def on_start(self):
        staff = DATA["users"][next(_next_user) % len(DATA["users"])]
        self.customers = DATA["stores"][staff["store"]]
        started, clock = time.time(), time.perf_counter()
        response = self.client.get("/login/", name="login (GET)")
        self._unsecure_cookies()
        match = CSRF_INPUT.search(response.text or "")
        body = urlencode(
            {
                "username": staff["username"],
                "password": DATA["password"],
                "csrfmiddlewaretoken": match.group(1) if match else "",
            }
        )
        with self.client.post(
            "/login/",
            data=body,
            headers={"Referer": f"{self.host}/login/", "Content-Type": "application/x-www-form-urlencoded"},
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {staff['username']} failed: HTTP {response.status_code}")
            else:
                response.success()
        _logins.append((started, time.perf_counter() - clock, response.status_code or 0))
        self._unsecure_cookies()
        runner = self.environment.runner
        if MEASURE_SECONDS and len(_logins) == runner.target_user_count:
            # Everybody is in: measure the browsing from here on, for MEASURE_SECONDS.
            self.environment.stats.reset_all()
            print(f"all {len(_logins)} users logged in; measuring {MEASURE_SECONDS:.0f} s from now", flush=True)
            gevent.spawn_later(MEASURE_SECONDS, runner.quit)

    def _unsecure_cookies(self):
        for cookie in self.client.cookiejar:
            cookie.secure = False

    def _get(self, url, name, params=None):
        if params:
            url = f"{url}?{urlencode(params)}"
        with self.client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
            else:
                response.success()

    @task(4)
    def customer_list(self):
        self._get("/customers/", "customer list")

    @task(3)
    def customer_list_page(self):
        self._get("/customers/", "customer list, page 2-5", {"page": random.randint(2, 5)})

    @task(2)
    def search_chinese_name(self):
        self._get("/customers/", "search Chinese name", {"q": random.choice(self.customers)["name_zh"]})

    @task(2)
    def search_english_partial(self):
        self._get("/customers/", "search English partial", {"q": random.choice(self.customers)["english_partial"]})

    @task(2)
    def search_phone(self):
        self._get("/customers/", "search phone", {"q": random.choice(self.customers)["phone"]})

    @task(1)
    def search_email(self):
        self._get("/customers/", "search e-mail", {"q": random.choice(self.customers)["email"]})

    @task(3)
    def customer_360(self):
        self._get(f"/customers/{random.choice(self.customers)['id']}/", "360° page")

    @task(1)
    def complaints_queue(self):
        self._get("/complaints/", "complaints queue")


@events.quitting.add_listener
def _write_logins(environment, **_kwargs):
    """The logins on their own (the stats reset after spawning drops them): count, failures, p50/p95/max."""
    if not LOGIN_CSV or not _logins:
        return
    seconds = sorted(s for _started, s, _status in _logins)
    failed = sum(1 for *_rest, status in _logins if status != 302)

    def pct(p):
        return seconds[min(len(seconds) - 1, int(p * len(seconds)))]

    Path(LOGIN_CSV).write_text(
        "logins,failed,p50_s,p95_s,max_s,first_at,last_at\n"
        f"{len(seconds)},{failed},{pct(0.5):.2f},{pct(0.95):.2f},{seconds[-1]:.2f},"
        f"{min(s for s, *_ in _logins):.0f},{max(s for s, *_ in _logins):.0f}\n",
        encoding="utf-8",
    )
