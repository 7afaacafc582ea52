"""The demo customers' interactions with the shops, and the follow-up tasks they left.

Staff try watches on with customers before they buy, thank them afterwards, call when a
watch is back from the workshop, invite them to events and send birthday greetings. The
summaries are what staff type: English, sometimes Chinese for customers who prefer it.
Like ``history``, nothing here touches the database, and customer ``n``'s contacts depend
only on ``n`` and their history.
"""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from customers.demo.catalogue import PRODUCTS_BY_KEY, TIMEPIECES_BY_BRAND
from customers.demo.history import CustomerHistory, PlannedPurchase, PlannedTimepiece
from customers.demo.people import DEMO_SEED
from customers.demo.seasons import DEMO_START, DEMO_TODAY, at
from customers.models import Customer, FollowUpTask, Interaction, ServiceJob

Kind, Outcome, TaskStatus = Interaction.Kind, Interaction.Outcome, FollowUpTask.Status
END_OF_TODAY = at(DEMO_TODAY, 18, 30)


@dataclass
class PlannedTask:
    title: str
    due_on: date
    assignee: str  # username
    status: str = TaskStatus.OPEN
    completed_at: datetime | None = None


@dataclass
class PlannedInteraction:
    kind: str
    occurred_at: datetime
    staff: str  # username
    summary: str
    outcome: str = Outcome.NONE
    tasks: list[PlannedTask] = field(default_factory=list)


@dataclass(frozen=True)
class DemoEvent:
    day: date
    store: str | None  # None: every store holds it
    name: str
    name_zh: str


DEMO_EVENTS = (
    DemoEvent(date(2024, 1, 25), None, "CNY VIP cocktail 2024", "2024新春貴賓酒會"),
    DemoEvent(date(2024, 4, 18), "central", "Grand Seiko Spring Drive evening", "冠藍獅 Spring Drive 之夜"),
    DemoEvent(date(2024, 9, 26), "tst", "Tudor Black Bay preview", "帝舵 Black Bay 預展"),
    DemoEvent(date(2024, 12, 5), None, "Christmas collectors' evening 2024", "2024聖誕收藏家之夜"),
    DemoEvent(date(2025, 1, 9), None, "CNY VIP cocktail 2025", "2025新春貴賓酒會"),
    DemoEvent(date(2025, 4, 24), "central", "Watches and Wonders novelties preview", "日內瓦錶展新品預覽"),
    DemoEvent(date(2025, 10, 16), "cwb", "Omega Speedmaster evening", "奧米茄超霸之夜"),
    DemoEvent(date(2025, 12, 4), None, "Christmas collectors' evening 2025", "2025聖誕收藏家之夜"),
    DemoEvent(date(2026, 1, 29), None, "CNY VIP cocktail 2026", "2026新春貴賓酒會"),
    DemoEvent(date(2026, 5, 7), "tst", "Talk with a master watchmaker", "製錶大師講座"),
    DemoEvent(date(2026, 10, 22), "central", "Grand Seiko Evolution 9 evening", "冠藍獅 Evolution 9 之夜"),
)
_DIALS = (("blue", "藍"), ("green", "綠"), ("black", "黑"), ("white", "白"), ("salmon", "三文魚色"))
# Visits before a purchase: (English, Chinese, outcome, follow-up task or "").
_BEFORE_SALE = (
    (
        "Tried on the {model}; waiting for the {dial} dial.",
        "試戴了{model}，等{dial_zh}面到貨。",
        Outcome.POSITIVE,
        "Call when the {model} with the {dial} dial arrives",
    ),
    (
        "Compared the {model} with the {other}; will decide after the year-end bonus.",
        "比較了{model}和{other}，等花紅後再決定。",
        Outcome.NEUTRAL,
        "Follow up on the {model} decision",
    ),
    (
        "Came in with the family to look at the {model}; asked about bracelet sizing.",
        "和家人來看{model}，問錶帶尺寸。",
        Outcome.POSITIVE,
        "",
    ),
    (
        "Asked about the waiting time for the {model}.",
        "查詢{model}的等候時間。",
        Outcome.NEUTRAL,
        "Tell them when the {model} is available",
    ),
    (
        "Tried the {model} on the wrist; likes the size, thinking about it.",
        "試戴{model}，喜歡尺寸，考慮中。",
        Outcome.NEUTRAL,
        "Send photos of the {model} on WhatsApp",
    ),
)
_AT_SALE = (
    ("Bought the {model}; bracelet sized, protective film left on.", "購買了{model}，已調校錶帶。"),
    ("Collected the {model}; explained the warranty card and bracelet care.", "取貨{model}，已講解保用證及保養。"),
    ("Bought the {model} as a gift; gift-wrapped with a card.", "購買{model}作禮物，已包裝。"),
)
_AFTER_SALE = (
    (
        "WhatsApp: sent care instructions and a photo of the warranty card for the {model}.",
        "WhatsApp：已傳送{model}的保養須知及保用證相片。",
    ),
    ("Thank-you message for the {model}; asked for a photo on the wrist.", "多謝惠顧{model}，請客人分享佩戴相片。"),
)
_CALL_TOPICS = (
    ("Called about the new {model} arrival;", "致電介紹新到的{model}，"),
    ("Called to ask how the {owned} is running;", "致電了解{owned}的情況，"),
    ("Called to ask whether the {owned} is due for a service;", "致電詢問{owned}是否需要保養，"),
)
_CALL_REACTIONS = {
    Outcome.POSITIVE: ("wants to come in on Saturday.", "客人想週六到店。"),
    Outcome.NEUTRAL: ("will think about it.", "客人會考慮。"),
    Outcome.NEGATIVE: ("not interested for now.", "暫時沒有興趣。"),
}
_MESSAGES = (
    ("WhatsApp: sent photos of the new {model}.", "WhatsApp：傳送新款{model}相片。"),
    ("WhatsApp: sent the new season's catalogue with the {model}.", "WhatsApp：傳送新一季目錄，推介{model}。"),
)
_EMAILS = (
    ("E-mailed the newsletter featuring the {model}.", "電郵最新通訊，介紹{model}。"),
    ("E-mailed an invitation to view the {model} by appointment.", "電郵邀請預約欣賞{model}。"),
)


def customer_interactions(n: int, row: dict, history: CustomerHistory) -> list[PlannedInteraction]:
    """Customer ``n``'s interactions, in time order, each with its follow-up tasks."""
    rng = random.Random(f"{DEMO_SEED}/contacts/{n}")  # noqa: S311 - demo data, not security
    chinese = row["preferred_language"] == Customer.Language.CHINESE
    home = row["store_code"]
    manager = f"{row['manager_prefix']}.{home}" if row["manager_prefix"] else f"am.{home}"
    company = row["kind"] == Customer.Kind.COMPANY
    first_day = max(history.since, DEMO_START)
    plan = InteractionPlan(rng, chinese=chinese, assignee=manager, first_day=first_day)

    for purchase in history.purchases:
        if purchase.kind == "sale":
            _around_a_sale(plan, purchase, history=history, first_day=first_day)
        if purchase.returned_on is not None:
            watch = _watch_of(purchase)
            plan.add(
                Kind.VISIT,
                purchase.returned_on,
                purchase.staff,
                _model_of(watch),
                (f"Returned the {{model}}: {purchase.return_reason.rstrip('.').lower()}.", "退回{model}。"),
                Outcome.NEGATIVE,
            )
    for timepiece in history.timepieces:
        for job in timepiece.jobs:
            _around_a_service(plan, timepiece, job)

    active_until = history.active_until + timedelta(days=365)
    for event in DEMO_EVENTS:
        if event.store not in (None, home) or not first_day <= event.day - timedelta(days=21):
            continue
        chance = 0.25 if history.collector else 0.04 if event.day <= active_until else 0.01
        if rng.random() < chance:
            _an_event(plan, event, staff=manager, history=history)
    if row["birth_month"] and not company:
        for year in (2024, 2025, 2026):
            birthday = date(year, row["birth_month"], min(row["birth_day"] or 1, 28))
            if first_day <= birthday <= DEMO_TODAY and rng.random() < 0.2:
                plan.add(
                    Kind.MESSAGE,
                    birthday,
                    manager,
                    "",
                    ("Birthday greetings sent with a HK$500 voucher.", "已發送生日祝福及HK$500禮券。"),
                    rng.choice((Outcome.POSITIVE, Outcome.NONE)),
                    hour=(10, 12),
                )
    _outreach(plan, history=history, staff=manager, first_day=first_day, email=bool(row["email"]))
    if company and history.active_until >= date(2026, 1, 1) and rng.random() < 0.6:
        called = DEMO_TODAY - timedelta(days=rng.randint(3, 20))
        plan.add(
            Kind.CALL,
            called,
            manager,
            "",
            ("Called the purchasing manager about the CNY 2027 corporate gifts.", "致電採購經理商討2027新春禮品。"),
            Outcome.POSITIVE,
            task=("Send the CNY 2027 corporate gift proposal", called + timedelta(days=rng.randint(7, 25))),
        )
    elif not company and history.active_until >= date(2026, 6, 1) and rng.random() < 0.06:
        called = DEMO_TODAY - timedelta(days=rng.randint(1, 15))
        plan.add(
            Kind.CALL,
            called,
            manager,
            "",
            ("Asked for Christmas gift ideas for the family.", "查詢聖誕禮物建議。"),
            Outcome.POSITIVE,
            task=("Send Christmas gift suggestions", called + timedelta(days=rng.randint(5, 20))),
        )
    return sorted(plan.interactions, key=lambda interaction: interaction.occurred_at)


class InteractionPlan:
    """Collects one customer's (or lead's) interactions: no two at the same minute, none after DEMO_TODAY."""

    def __init__(self, rng: random.Random, *, chinese: bool, assignee: str, first_day: date):
        self.rng, self.chinese, self.assignee, self.first_day = rng, chinese, assignee, first_day
        self.interactions: list[PlannedInteraction] = []
        self._taken: set[datetime] = set()

    def add(self, kind, day, staff, model, texts, outcome, *, task=None, done_on=None, hour=None, **values):
        """An interaction on ``day`` (none before the first day or after DEMO_TODAY); ``task`` is (title, due date)."""
        if not self.first_day <= day <= DEMO_TODAY:
            return None
        start, end = hour or ((19, 21) if kind == Kind.EVENT else (11, 19) if kind == Kind.VISIT else (10, 18))
        when = at(day, self.rng.randrange(start, end), self.rng.randrange(60))
        while when in self._taken:
            when += timedelta(minutes=1)
        self._taken.add(when)
        english, chinese = texts
        text = chinese if self.chinese and self.rng.random() < 0.35 else english
        interaction = PlannedInteraction(kind, when, staff, text.format(model=model, **values), outcome)
        if task is not None:
            title, due_on = task
            interaction.tasks.append(self.task(title.format(model=model, **values), due_on, when, done_on))
        self.interactions.append(interaction)
        return interaction

    def task(self, title: str, due_on: date, created: datetime, done_on: date | None) -> PlannedTask:
        """Done when the thing happened (``done_on``); otherwise by age: old ones done, recent ones open."""
        task = PlannedTask(title, due_on, self.assignee)
        if done_on is not None:  # open until it happens, however overdue
            if done_on <= DEMO_TODAY:
                task.status, task.completed_at = TaskStatus.DONE, self._done_at(done_on, created)
        elif due_on < DEMO_TODAY - timedelta(days=60) or (due_on < DEMO_TODAY and self.rng.random() < 0.35):
            if self.rng.random() < 0.08:
                task.status = TaskStatus.CANCELLED
            else:
                done_on = due_on + timedelta(days=self.rng.randint(-3, 2))
                task.status, task.completed_at = TaskStatus.DONE, self._done_at(done_on, created)
        return task

    def _done_at(self, day: date, created: datetime) -> datetime:
        done = at(day, self.rng.randrange(10, 19), self.rng.randrange(60))
        return min(max(done, created + timedelta(minutes=5)), END_OF_TODAY)


def _watch_of(purchase: PlannedPurchase):
    for line in purchase.lines:
        if line.product and PRODUCTS_BY_KEY[line.product].is_timepiece:
            return PRODUCTS_BY_KEY[line.product]
    return None


def _model_of(product) -> str:
    return product.model_name if product.brand in product.model_name else product.label


def _around_a_sale(
    plan: InteractionPlan, purchase: PlannedPurchase, *, history: CustomerHistory, first_day: date
) -> None:
    rng, day = plan.rng, purchase.purchased_on
    watch = _watch_of(purchase)
    if watch is None:
        return
    model = _model_of(watch)
    visit_day = day - timedelta(days=rng.randint(1, 30))
    if visit_day >= first_day and rng.random() < 0.22:
        english, chinese, outcome, task = rng.choice(_BEFORE_SALE)
        others = [f"{b} {p}" for b, p in (("Omega", "Aqua Terra"), ("Tudor", "Black Bay"), ("Longines", "Spirit"))]
        dial, dial_zh = rng.choice(_DIALS)
        plan.add(
            Kind.VISIT,
            visit_day,
            purchase.staff,
            model,
            (english, chinese),
            outcome,
            task=(task, visit_day + timedelta(days=rng.randint(5, 21))) if task else None,
            done_on=day,
            other=rng.choice(others),
            dial=dial,
            dial_zh=dial_zh,
        )
    check_in = ("30-day check-in: happy with the {model}?", day + timedelta(days=30))
    if purchase.channel == "in_store" and rng.random() < 0.12:
        task = check_in if purchase.returned_on is None and rng.random() < 0.5 else None
        plan.add(Kind.VISIT, day, purchase.staff, model, rng.choice(_AT_SALE), Outcome.SALE, task=task)
    if purchase.returned_on is None and rng.random() < 0.18:
        after = day + timedelta(days=rng.randint(2, 10))
        task = check_in if rng.random() < 0.6 else None
        plan.add(Kind.MESSAGE, after, purchase.staff, model, rng.choice(_AFTER_SALE), Outcome.POSITIVE, task=task)


def _around_a_service(plan: InteractionPlan, timepiece: PlannedTimepiece, job) -> None:
    rng, label = plan.rng, timepiece.label
    if job.cost or not job.quote:
        quote = (f"quoted HK${job.quote:,.0f}", f"報價HK${job.quote:,.0f}")
    else:
        quote = ("under warranty, no charge", "保用期內免費")
    plan.add(
        Kind.VISIT,
        job.received_on,
        job.handled_by,
        label,
        (f"Brought in the {{model}} for {job.reason}; {quote[0]}.", f"送修{{model}}，{quote[1]}。"),
        Outcome.NEUTRAL,
        task=("Call when the {model} is back from the workshop", job.promised_on),
        done_on=job.ready_on,
    )
    if job.status == ServiceJob.Status.CANCELLED:
        plan.add(
            Kind.CALL,
            job.ready_on,
            job.handled_by,
            label,
            ("Quote for the {model} declined; the watch is ready to collect unrepaired.", "客人不接受{model}報價。"),
            Outcome.NEGATIVE,
        )
    elif job.ready_on is not None:
        late = job.ready_on > job.promised_on
        texts = (
            (
                "Called: the {model} is ready for collection; apologised for the delay (parts).",
                "致電通知{model}已可取回，並為延誤致歉。",
            )
            if late
            else ("Called: the {model} is ready for collection.", "致電通知{model}已可取回。")
        )
        answered = rng.random() < 0.8
        plan.add(
            Kind.CALL, job.ready_on, job.handled_by, label, texts, Outcome.POSITIVE if answered else Outcome.NO_ANSWER
        )
        if not answered:
            plan.add(
                Kind.MESSAGE,
                job.ready_on,
                job.handled_by,
                label,
                (
                    "No answer; left a WhatsApp message that the {model} is ready.",
                    "未能接通，已WhatsApp通知{model}可取回。",
                ),
                Outcome.NONE,
            )


def _an_event(plan: InteractionPlan, event: DemoEvent, *, staff: str, history: CustomerHistory) -> None:
    rng = plan.rng
    invited = event.day - timedelta(days=rng.randint(10, 20))
    comes = rng.random() < 0.7
    plan.add(
        rng.choice((Kind.CALL, Kind.MESSAGE)),
        invited,
        staff,
        "",
        (
            f"Invited to the {event.name}; {'confirmed' if comes else 'cannot come'}.",
            f"邀請參加{event.name_zh}，{'已確認出席' if comes else '未能出席'}。",
        ),
        Outcome.POSITIVE if comes else Outcome.NEGATIVE,
        task=(f"Send the {event.name} details", invited + timedelta(days=3)) if comes else None,
        done_on=invited + timedelta(days=rng.randint(1, 4)),
    )
    if comes:
        brand = history.favourite_brands[0]
        liked = rng.choice(TIMEPIECES_BY_BRAND[brand])
        plan.add(
            Kind.EVENT,
            event.day,
            staff,
            _model_of(liked),
            (f"Came to the {event.name}; liked the {{model}}.", f"出席{event.name_zh}，喜歡{{model}}。"),
            Outcome.POSITIVE,
        )


def _outreach(plan: InteractionPlan, *, history: CustomerHistory, staff: str, first_day: date, email: bool) -> None:
    """Calls and messages now and then while the customer is active (and a year after)."""
    rng = plan.rng
    end = min(history.active_until + timedelta(days=365), DEMO_TODAY)
    rate = 1.2 if history.collector else 0.3
    day = first_day
    while True:
        day += timedelta(days=round(rng.expovariate(rate / 365)) + 1)
        if day > end:
            return
        brand = rng.choice(history.favourite_brands)
        model = _model_of(rng.choice(TIMEPIECES_BY_BRAND[brand]))
        owned = [t for t in history.timepieces if t.purchased_on is None or t.purchased_on < day]
        kind = rng.choices((Kind.CALL, Kind.MESSAGE, Kind.EMAIL), weights=(50, 40, 10 if email else 0))[0]
        if kind == Kind.CALL:
            outcome = rng.choices(
                (Outcome.POSITIVE, Outcome.NEUTRAL, Outcome.NEGATIVE, Outcome.NO_ANSWER), weights=(30, 30, 15, 25)
            )[0]
            if outcome == Outcome.NO_ANSWER:
                texts = ("No answer; left a voicemail about the {model}.", "未能接通，已留言介紹{model}。")
            else:
                topic = rng.choice(_CALL_TOPICS if owned else _CALL_TOPICS[:1])
                reaction = _CALL_REACTIONS[outcome]
                texts = (f"{topic[0]} {reaction[0]}", f"{topic[1]}{reaction[1]}")
        else:
            outcome = rng.choices((Outcome.POSITIVE, Outcome.NEUTRAL, Outcome.NONE), weights=(30, 30, 40))[0]
            texts = rng.choice(_MESSAGES if kind == Kind.MESSAGE else _EMAILS)
        task = None
        if outcome == Outcome.POSITIVE and rng.random() < 0.5:
            task = ("Send photos of the {model} on WhatsApp", day + timedelta(days=rng.randint(2, 7)))
        plan.add(kind, day, staff, model, texts, outcome, task=task, owned=rng.choice(owned).label if owned else "")
