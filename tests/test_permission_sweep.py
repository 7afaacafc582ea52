"""Every URL of the site asks an anonymous visitor to sign in, except a short, reviewed allow-list.

The URLs are read from the URLconf itself, so a view added tomorrow is swept too.
"""

import json
import re
from dataclasses import dataclass

import pytest
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve
from django.urls.resolvers import RegexPattern, RoutePattern
from django.utils.regex_helper import normalize

# Public on purpose. Keys are "namespace:name" as reverse() spells them.
PUBLIC = {
    "login",  # the sign-in page itself
    "health",  # load balancers and compose healthchecks
    "set_language",  # the language switcher on the sign-in page
    "admin:login",  # the admin's own sign-in page
    "complaints:public-create",  # the public complaint form (CSRF, rate limit, honeypot)
    "complaints:public-thanks",  # its thank-you page (shows only the submitter's own reference)
    "complaints:survey",  # the satisfaction survey, reached by a signed single-use link
    "privacy:optout",  # PDPO s.35G / UEMO: opting out needs no account
    "privacy:optout-link",  # the unsubscribe link in every electronic message
    "privacy:notice-public",  # the published privacy notices
    "campaigns:rsvp",  # an event invitation's RSVP link: a random single-use token per invitation
}

CONVERTER_VALUES = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000001"}


@dataclass(frozen=True)
class Endpoint:
    name: str  # "namespace:name", or "" for an unnamed pattern
    route: str  # the joined route as ResolverMatch.route spells it
    url: str

    @property
    def is_admin(self) -> bool:
        return self.url.startswith("/admin/")


def _join_route(route1: str, route2: str) -> str:
    """As django.urls.resolvers.URLResolver._join_route does."""
    if not route1:
        return route2
    return route1 + route2.removeprefix("^")


def _fill_route(route: str) -> str:
    def value(match):
        converter = match.group(1) or "str"
        return CONVERTER_VALUES[converter]

    return re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


def _regex_candidates(regex: str) -> list[str]:
    """Strings that may match a regex pattern: "x" for each group, or the first of its alternatives."""
    candidates = []
    for template, params in normalize(regex):
        candidates.append(template % dict.fromkeys(params, "x"))
        groups = re.findall(r"\(\?P<(\w+)>([^)]*)\)", regex)
        firsts = {name: alternatives.split("|")[0] for name, alternatives in groups}
        candidates.append(template % {name: firsts.get(name, "x") for name in params})
    return candidates


def _pieces(pattern) -> list[str]:
    if isinstance(pattern, RoutePattern):
        return [_fill_route(str(pattern))]
    if isinstance(pattern, RegexPattern):
        return _regex_candidates(pattern.regex.pattern)
    raise TypeError(f"unknown pattern type {type(pattern)!r}")


def _walk(patterns, *, namespaces=(), route="", prefixes=("",)):
    for entry in patterns:
        joined = _join_route(route, str(entry.pattern))
        urls = [prefix + piece for prefix in prefixes for piece in _pieces(entry.pattern)]
        if isinstance(entry, URLResolver):
            inner = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from _walk(entry.url_patterns, namespaces=inner, route=joined, prefixes=tuple(urls))
        elif isinstance(entry, URLPattern):
            name = ":".join((*namespaces, entry.name)) if entry.name else ""
            yield name, joined, urls


def site_endpoints() -> list[Endpoint]:
    """One URL for every pattern of the URLconf, checked to resolve to that very pattern."""
    endpoints = []
    for name, route, urls in _walk(get_resolver().url_patterns):
        for url in dict.fromkeys("/" + u for u in urls):
            try:
                match = resolve(url)
            except Resolver404:
                continue
            if match.route == route:
                endpoints.append(Endpoint(name=name, route=route, url=url))
                break
        else:
            raise AssertionError(f"could not build a URL for the pattern {route!r} ({name or 'unnamed'})")
    return endpoints


ENDPOINTS = site_endpoints()
PROTECTED = [e for e in ENDPOINTS if e.name not in PUBLIC]


def test_the_sweep_covers_the_site():
    # given / when
    names = {e.name for e in ENDPOINTS}
    # then: not vacuous, and the allow-list names real URLs
    assert {
        "home",
        "system-status",
        "logout",
        "password_change",
        "customers:customer-list",
        "customers:customer-create",
        "customers:customer-export",
        "customers:customer-detail",
        "customers:customer-update",
        "admin:index",
        "admin:app_list",
    } <= names
    assert names >= PUBLIC
    assert len(ENDPOINTS) == sum(1 for _ in _walk(get_resolver().url_patterns))
    assert {e.url for e in ENDPOINTS if e.name == "customers:customer-detail"} == {"/customers/1/"}


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize("endpoint", PROTECTED, ids=lambda e: e.url)
def test_anonymous_visitors_are_sent_to_sign_in(client, db, endpoint, method):
    # given an anonymous visitor
    # when
    response = getattr(client, method)(endpoint.url)
    # then
    assert response.status_code == 302, f"{method.upper()} {endpoint.url} ({endpoint.name}) is not protected"
    location = response["Location"]
    if endpoint.is_admin:
        assert location in (f"/admin/login/?next={endpoint.url}", f"/login/?next={endpoint.url}")
    else:
        assert location == f"/login/?next={endpoint.url}"


def test_health_is_public_and_answers_json(client, db):
    # given / when
    response = client.get("/health/")
    # then
    assert response.status_code in (200, 503)
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body["status"] == ("ok" if response.status_code == 200 else "unavailable")
    assert body["database"] == "ok"
    assert body["broker"] in ("ok", "unreachable")


def test_login_is_public(client, db):
    # given / when
    response = client.get("/login/")
    # then
    assert response.status_code == 200
    assert 'name="username"' in response.text
    assert 'name="password"' in response.text


def test_admin_login_is_public(client, db):
    # given / when
    response = client.get("/admin/login/")
    # then
    assert response.status_code == 200
    assert 'name="username"' in response.text


def test_set_language_is_public(client, db):
    # given / when
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/login/"})
    # then: it switches the language and goes where it was asked, not to sign in first
    assert response.status_code == 302
    assert response["Location"] == "/login/"
    assert response.cookies["django_language"].value == "zh-hant"
