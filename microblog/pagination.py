"""Pagination that stays cheap on huge tables: no COUNT(*), or an estimated one."""

from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db import connections
from django.utils.functional import cached_property

# Beyond this offset a page is empty without asking the database (and cannot overflow it).
MAX_OFFSET = 2**31 - 1


def positive_int(raw, default: int = 1) -> int:
    """Return `raw` (a query parameter: ?page=, ?per_page=) as an int >= 1, or `default` if it is no number."""
    try:
        value = int(raw)
    except (TypeError, ValueError):
        return default
    return max(value, 1)


def fetch_page(queryset, number: int, per_page: int) -> tuple[list, bool]:
    """Return the rows of page `number` (from 1) and whether a next page exists.

    One query and no COUNT(*): it fetches one row past the page. The site's lists
    (LookaheadPaginator) and the API's collections (microblog/api.py) page through it.
    """
    offset = (number - 1) * per_page
    if offset > MAX_OFFSET:
        return [], False
    rows = list(queryset[offset : offset + per_page + 1])
    return rows[:per_page], len(rows) > per_page


class ListPage:
    """A page of rows that quacks like Django's Page where templates look, without a count.

    includes/pagination.html links to `?<previous_param>` and `?<next_param>`, so a page
    numbered by offset (LookaheadPage) and one placed by a cursor (posts.timelines) share it.
    """

    def __init__(self, object_list, *, has_next: bool, has_previous: bool, is_first: bool):
        self.object_list = object_list
        self._has_next = has_next
        self._has_previous = has_previous
        self.is_first = is_first

    def __iter__(self):
        return iter(self.object_list)

    def __len__(self):
        return len(self.object_list)

    def has_next(self) -> bool:
        return self._has_next

    def has_previous(self) -> bool:
        return self._has_previous

    def has_other_pages(self) -> bool:
        return self.has_next() or self.has_previous()


class LookaheadPage(ListPage):
    """One page of a lookahead paginator, numbered from 1."""

    def __init__(self, object_list, number: int, per_page: int, has_next: bool):
        super().__init__(object_list, has_next=has_next, has_previous=number > 1, is_first=number == 1)
        self.number = number
        self.per_page = per_page

    def next_page_number(self) -> int:
        return self.number + 1

    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_param(self) -> str:
        return f"page={self.number + 1}"

    @property
    def previous_param(self) -> str:
        return f"page={self.number - 1}"


class LookaheadPaginator:
    """A Paginator for huge tables: never counts, so page N costs one indexed query.

    Out-of-range pages give an empty page (views show an empty state), and garbage in
    `?page=` means page 1, so pagination input never produces an error page.
    """

    def __init__(self, object_list, per_page, orphans=0, allow_empty_first_page=True):
        self.object_list = object_list
        self.per_page = int(per_page)

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger from None
        if number < 1:
            raise EmptyPage
        return number

    def get_page(self, number) -> LookaheadPage:
        """Return page `number`, or page 1 when `number` is not a positive integer."""
        try:
            number = self.validate_number(number)
        except (PageNotAnInteger, EmptyPage):
            number = 1
        return self.page(number)

    def page(self, number) -> LookaheadPage:
        number = self.validate_number(number)
        rows, has_next = fetch_page(self.object_list, number, self.per_page)
        return LookaheadPage(rows, number, self.per_page, has_next)


class LookaheadPaginationMixin:
    """For ListViews: paginate with LookaheadPaginator and forgive bad `?page=` values."""

    paginator_class = LookaheadPaginator

    def paginate_queryset(self, queryset, page_size):
        paginator = self.get_paginator(queryset, page_size)
        page = paginator.get_page(self.request.GET.get(self.page_kwarg))
        return paginator, page, page.object_list, page.has_other_pages()


class EstimatedCountPaginator(Paginator):
    """Django's Paginator, but an unfiltered big table on PostgreSQL is counted from statistics.

    COUNT(*) reads every row (about a second per ten million); the planner's estimate
    (pg_class.reltuples, refreshed by autovacuum) is free and close enough to number the
    pages of an admin changelist. Filtered lists and small tables are counted exactly.
    """

    # Below this many rows an exact count costs a few milliseconds.
    exact_below = 100_000

    @cached_property
    def count(self) -> int:
        queryset = self.object_list
        query = getattr(queryset, "query", None)
        if (
            query is not None
            and not (query.where or query.distinct or query.is_sliced)
            and connections[queryset.db].vendor == "postgresql"
        ):
            estimate = _estimated_rows(queryset.db, queryset.model._meta.db_table)
            if estimate >= self.exact_below:
                return estimate
        return super().count


def _estimated_rows(alias: str, table: str) -> int:
    """Return PostgreSQL's estimate of the rows in `table` (-1 if never analysed)."""
    with connections[alias].cursor() as cursor:
        cursor.execute("SELECT reltuples::bigint FROM pg_class WHERE oid = to_regclass(%s)", [table])
        row = cursor.fetchone()
    return row[0] if row and row[0] is not None else -1
