"""200 staff browsing and searching: locust users against gunicorn (see bench/README.md, `make -C bench load`).

Each user logs in once (GET /login/ for the CSRF token, POST /login/) as one of the bench staff
(bench/generate.py's account managers and supervisors, spread over the twelve stores: user k takes
the k-th of the list, which bench/load_prepare.py writes to LOAD_DATA with the password and, per
store, search terms and customer ids of that store's customers), then loops with 1-3 s think times
over: the customer list, list pages 2-5, a search by Chinese name, English partial, phone and e-mail,
the 360° page of one of its store's customers and the complaints queue.

Production settings set the Secure flag on the session and CSRF cookies, which a client on plain
HTTP (loopback) must not send back: the flag is dropped client-side after each response, so that
the server runs unchanged (no X-Forwarded-Proto either: the request stays "http").
"""

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

DATA = json.loads(Path(os.environ.get("LOAD_DATA", "load_data.json")).read_text(encoding="utf-8"))
_next_user = itertools.count()
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class Staff(HttpUser):
    wait_time = between(1, 3)

    def on_start(self):
        staff = DATA["users"][next(_next_user) % len(DATA["users"])]
        self.customers = DATA["stores"][staff["store"]]
        response = self.client.get("/login/", name="login (GET)")
        self._unsecure_cookies()
        match = CSRF_INPUT.search(response.text)
        with self.client.post(
            "/login/",
            data={
                "username": staff["username"],
                "password": DATA["password"],
                "csrfmiddlewaretoken": match.group(1) if match else "",
            },
            headers={"Referer": f"{self.host}/login/"},
            name="login (POST)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"login of {staff['username']} failed: HTTP {response.status_code}")
            else:
                response.success()
        self._unsecure_cookies()

    def _unsecure_cookies(self):
        for cookie in self.client.cookies:
            cookie.secure = False

    def _get(self, url, name, params=None):
        with self.client.get(url, params=params, name=name, allow_redirects=False, catch_response=True) as response:
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
