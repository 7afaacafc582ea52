import pytest

from tests.reports.kpi_data import build_kpi_data


@pytest.fixture
def kpi_data(db):
    """The hand-computed data set of kpi_data.py."""
    return build_kpi_data()
