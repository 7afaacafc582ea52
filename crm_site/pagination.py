"""Pagination that does not count a million rows on every page."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property


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
