"""Pagination that does not count a million rows on every page."""

from django.core.paginator import Paginator
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property


class CountedPaginator(Paginator):
    """A paginator told its count by the page (whose own grouped query already counted the rows): no
    COUNT query of its own (the churn lists take theirs from the band counts and the report's total)."""

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self._count = count

    @cached_property
    def count(self) -> int:
        return self._count


class CappedCountPaginator(Paginator):
    """Counts exactly up to ``count_cap`` rows, and says "more than that" above it.

    Why this and not keyset pagination or a planner estimate: the count is one query,
    ``SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1)``, whose cost is bounded (it stops at
    ``cap + 1`` matching rows, a few milliseconds through an index), so a page always costs the
    same number of queries whatever the result; below the cap the figure is exact, which is what
    a search or a narrow filter needs ("3 customers"). An estimate (``EXPLAIN`` or
    ``pg_class.reltuples``) is wrong by orders of magnitude for a trigram search, and would cost an
    extra query only above a threshold; keyset pagination would lose "page n of N" and links to a
    page, and the list's orders (name, date added) already walk an index, where ``OFFSET`` is
    cheap up to the cap (``cap / per_page`` pages, 400 at 25 a page). Past the cap a person
    narrows the search or filters: the page says so (``is_capped``).
    """

    count_cap = 10_000

    @cached_property
    def _capped_count(self) -> int:
        object_list = self.object_list
        if hasattr(object_list, "order_by"):
            return object_list.order_by()[: self.count_cap + 1].count()
        return len(object_list[: self.count_cap + 1])

    @cached_property
    def count(self) -> int:
        return min(self._capped_count, self.count_cap)

    @property
    def is_capped(self) -> bool:
        """Whether there are more rows than ``count``."""
        return self._capped_count > self.count_cap

    def page_bounds(self, number) -> tuple[int, int, int]:
        """The validated page number and the slice ``[bottom:top]`` of the rows it shows, as ``page()``
        computes them (orphans included), for subclasses that read a page their own way."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return number, bottom, top


def deferred_join_rows(queryset, start: int, stop: int) -> list:
    """``list(queryset[start:stop])`` in two queries that stay cheap deep into a long list.

    A page far down a list (``OFFSET 9975``) makes PostgreSQL build every skipped row, with
    all the joins of ``select_related``, before dropping it. Here the first query reads only
    the page's primary keys, with the queryset's filters and ``ORDER BY`` but no
    ``select_related`` columns or annotations (an index-only walk when an index matches the
    order); the second fetches just those rows with everything the page shows, by primary
    key, and Python puts them back in the first query's order. The order must be total (end
    with a unique column, as the lists' orders end with ``id``) for the page to be the same
    one plain slicing gives. The second query applies the filters again, so a row changed
    in between is left out rather than shown unfiltered. No ids (an empty page): no query.

    Querysets this cannot split without changing the result (``distinct()``, aggregates,
    ``values()``, already sliced) and plain lists are sliced as usual.
    """
    query = getattr(queryset, "query", None)
    splittable = (
        query is not None
        and getattr(queryset, "_iterable_class", None) is ModelIterable
        and not query.distinct
        and query.group_by is None
        and not query.is_sliced
        and not query.combinator
    )
    if not splittable:
        return list(queryset[start:stop])
    ids = list(queryset.select_related(None).values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    rows = {row.pk: row for row in queryset.order_by().filter(pk__in=ids)}
    return [rows[pk] for pk in ids if pk in rows]


class DeferredJoinPaginator(CappedCountPaginator):
    """A ``CappedCountPaginator`` whose pages are read by ``deferred_join_rows``: one query more
    a page (its ids, then its rows), each cheap whatever the page number. For lists whose rows
    join several tables and whose order an index serves (the customer list)."""

    def page(self, number):
        number, bottom, top = self.page_bounds(number)
        return self._get_page(deferred_join_rows(self.object_list, bottom, top), number, self)
