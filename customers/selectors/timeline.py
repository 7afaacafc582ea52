"""One timeline of everything that happened with a customer, newest first.

Each part of the client record contributes entries with one query, through a function
``timeline_entries(*, customer, limit) -> list[TimelineEntry]`` in its selectors module,
listed in TIMELINE_PROVIDERS. The page's query count therefore stays fixed whatever the
length of the history.
"""

import heapq
from dataclasses import dataclass
from datetime import datetime
from importlib import import_module

TIMELINE_PROVIDERS = [
    "customers.selectors.purchases",
    "customers.selectors.timepieces",
    "customers.selectors.interactions",
]


@dataclass(frozen=True)
class TimelineEntry:
    when: datetime  # timezone-aware; a date becomes midnight Hong Kong time
    kind: str  # "purchase", "return", "service", "interaction", "task", "complaint"…
    icon: str  # a Bootstrap Icons name, e.g. "bag", "tools", "chat-dots"
    title: str
    detail: str = ""
    url: str = ""
    badge: str = ""  # a short status shown as a badge, e.g. "Overdue"


def customer_timeline(*, customer, limit: int = 50) -> list[TimelineEntry]:
    """The newest ``limit`` entries from every provider, merged."""
    streams = []
    for dotted in TIMELINE_PROVIDERS:
        module = import_module(dotted)
        provider = getattr(module, "timeline_entries", None)
        if provider is not None:
            streams.append(sorted(provider(customer=customer, limit=limit), key=lambda e: e.when, reverse=True))
    return list(heapq.merge(*streams, key=lambda e: e.when, reverse=True))[:limit]
