"""The supervisor dashboard and its drill-downs: figures per visible stores, lists that add up to them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from reports import kpis, selectors
from reports.models import KpiSnapshot
from reports.services.snapshots import snapshot_write
from tests.factories import AccountManagerFactory, AdminFactory, SupervisorFactory
from tests.reports.kpi_data import D

TWO_DAYS = selectors.Period(D - datetime.timedelta(days=1), D)


@pytest.fixture
def snapshots(kpi_data):
    snapshot_write(day=D - datetime.timedelta(days=1))
    snapshot_write(day=D)
    return kpi_data


def _lines(board):
    return [line for section in board["sections"] for line in section.lines]


def _assert_drill_downs_equal_figures(user, period, store_id=None):
    board = selectors.dashboard(user=user, period=period, store_id=store_id)
    checked = 0
    for line in _lines(board):
        if not line.metric or line.unit in ("percent", "hours"):
            continue
        metric = kpis.METRICS[line.metric]
        rows = selectors.drill_down(user=user, metric=metric, period=period, key=line.key, store_id=store_id)
        listed = selectors.drill_total(rows, metric) or Decimal("0") if metric.amount else rows.count()
        assert Decimal(listed) == line.current, (line.metric, line.key)
        checked += 1
    return board, checked


def test_every_drill_down_equals_its_figure_for_a_supervisor(snapshots):
    supervisor = SupervisorFactory(stores=[snapshots["c"]])
    board, checked = _assert_drill_downs_equal_figures(supervisor, TWO_DAYS)
    assert checked >= 25
    figures = {(ln.metric, ln.key, ln.label): ln.current for ln in _lines(board)}
    assert board["current"].get("active_customers") == 2  # C only (T's d and f are not theirs)
    assert board["current"].total("new_customers") == 2  # a on the 9th, b on the 10th
    assert board["current"].get("revenue_total") == Decimal("3000")
    assert any(metric == "retention_lost" and value == 0 for (metric, _k, _l), value in figures.items())


def test_every_drill_down_equals_its_figure_for_an_admin_and_for_one_store(snapshots):
    admin = AdminFactory()
    board, _checked = _assert_drill_downs_equal_figures(admin, TWO_DAYS)
    assert board["current"].get("active_customers") == 4
    assert board["current"].get("complaints_opened") == 2  # k2 on the 9th, k1 on the 10th
    board, _checked = _assert_drill_downs_equal_figures(admin, TWO_DAYS, store_id=snapshots["t"].pk)
    assert board["current"].get("active_customers") == 2
    assert board["current"].get("value_at_risk") == Decimal("45000")


def test_drill_downs_show_only_the_supervisors_stores(snapshots, client):
    supervisor = SupervisorFactory(stores=[snapshots["c"]])
    client.force_login(supervisor)
    query = {"start": D.isoformat(), "end": D.isoformat()}
    response = client.get(reverse("reports:drill-down", args=["retention_base"]), query)
    assert response.status_code == 200
    assert [c.name_en for c in response.context["rows"]] == ["A"]  # not C, at the other store
    # Even when asking for the other store.
    response = client.get(
        reverse("reports:drill-down", args=["active_customers"]), {**query, "store": snapshots["t"].pk}
    )
    assert {c.home_store_id for c in response.context["rows"]} <= {snapshots["c"].pk}
    assert "store" in response.context["view"].get_period_form().errors  # the other store is not a choice
    assert response.context["period"] == selectors.Period(D, D)


def test_dashboard_page_for_a_supervisor(snapshots, client, django_assert_max_num_queries):
    supervisor = SupervisorFactory(stores=[snapshots["c"]])
    client.force_login(supervisor)
    with django_assert_max_num_queries(25):
        response = client.get(reverse("reports:dashboard"), {"start": "2026-03-09", "end": "2026-03-10"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'data-testid="figure-active_customers"' in html
    assert "vendor/chartjs/chart.umd.min.js" in html
    assert 'id="chart-data-customers"' in html
    assert response.context["period"] == TWO_DAYS
    assert response.context["board"]["previous"].period == selectors.Period(
        datetime.date(2026, 3, 7), datetime.date(2026, 3, 8)
    )
    assert response.context["board"]["last_year"].period == selectors.Period(
        datetime.date(2025, 3, 9), datetime.date(2025, 3, 10)
    )


def test_dashboard_presets_end_on_the_last_snapshot_day(snapshots, client):
    client.force_login(AdminFactory())
    response = client.get(reverse("reports:dashboard"), {"period": "7d"})
    assert response.context["period"] == selectors.Period(D - datetime.timedelta(days=6), D)
    response = client.get(reverse("reports:dashboard"), {"period": "month"})
    assert response.context["period"] == selectors.Period(datetime.date(2026, 2, 1), datetime.date(2026, 2, 28))
    assert response.context["board"]["current"].as_of is None  # no snapshot in February


@pytest.mark.parametrize(("name", "args"), [("reports:dashboard", []), ("reports:drill-down", ["active_customers"])])
def test_account_managers_do_not_see_the_dashboard(snapshots, client, name, args):
    client.force_login(AccountManagerFactory(stores=[snapshots["c"]]))
    before = KpiSnapshot.objects.count()
    assert client.get(reverse(name, args=args)).status_code == 404
    assert KpiSnapshot.objects.count() == before


def test_unknown_metric_is_not_found(snapshots, client):
    client.force_login(AdminFactory())
    assert client.get(reverse("reports:drill-down", args=["nonsense"])).status_code == 404


def test_drill_down_of_an_amount_shows_its_total(snapshots, client):
    client.force_login(AdminFactory())
    response = client.get(
        reverse("reports:drill-down", args=["revenue_returning"]), {"start": D.isoformat(), "end": D.isoformat()}
    )
    assert response.context["total"] == Decimal("1300.00")
    assert response.context["paginator"].count == 2


def test_supervisor_home_links_to_the_dashboard(snapshots, client):
    client.force_login(SupervisorFactory(stores=[snapshots["c"]]))
    assert f'href="{reverse("reports:dashboard")}" data-testid="dashboard-link"' in client.get("/").content.decode()
    client.force_login(AccountManagerFactory(stores=[snapshots["c"]]))
    assert 'data-testid="dashboard-link"' not in client.get("/").content.decode()


@pytest.mark.parametrize(
    ("metric", "queries"),
    [("active_customers", 8), ("complaints_open", 8), ("revenue_total", 9), ("service_jobs_late", 8)],  # + a total
)
def test_drill_down_lists_cost_a_fixed_number_of_queries(snapshots, client, metric, queries, django_assert_num_queries):
    client.force_login(AdminFactory())
    with django_assert_num_queries(queries):
        response = client.get(
            reverse("reports:drill-down", args=[metric]), {"start": "2026-03-09", "end": "2026-03-10"}
        )
    assert response.status_code == 200
