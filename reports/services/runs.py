"""One run of a regular report: the figures, strengths and weaknesses, a PDF and a CSV, archived and e-mailed."""

import csv
import io
from decimal import Decimal

from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.defaultfilters import slugify
from django.utils import timezone
from django.utils.translation import gettext as _

from crm_site import roles
from customers.models import Store
from reports import pdf, selectors
from reports.models import KpiTarget, ReportRun
from reports.templatetags.reports_tags import change as format_change
from reports.templatetags.reports_tags import figure as format_figure

MOVERS = 3


def _store_ids(definition) -> list[int] | None:
    chosen = list(definition.stores.values_list("pk", flat=True))
    if chosen:
        return chosen
    if roles.sees_all_stores(definition.owner):
        return None
    return list(Store.objects.of_user(definition.owner).values_list("pk", flat=True))


def _direction(line) -> int:
    return -1 if line.code in selectors.LOWER_IS_BETTER else 1


def movers(lines) -> dict:
    """The lines that moved most against the previous period: favourable (strengths) and not (weaknesses)."""
    scored = [(line.change * _direction(line), line) for line in lines if line.change is not None and line.change != 0]
    good = sorted((s for s in scored if s[0] > 0), key=lambda s: -s[0])[:MOVERS]
    bad = sorted((s for s in scored if s[0] < 0), key=lambda s: s[0])[:MOVERS]
    return {"strengths": [line for _s, line in good], "weaknesses": [line for _s, line in bad]}


def against_targets(lines, *, store_ids) -> list[dict]:
    """Each line with a target: met or missed (a one-store report uses that store's target if there is one)."""
    targets = {t.code: t.value for t in KpiTarget.objects.filter(store__isnull=True)}
    if store_ids and len(store_ids) == 1:
        targets.update({t.code: t.value for t in KpiTarget.objects.filter(store_id=store_ids[0])})
    result = []
    for line in lines:
        if line.code not in targets or line.current is None:
            continue
        target, value = targets[line.code], Decimal(str(line.current))
        met = value <= target if _direction(line) < 0 else value >= target
        result.append({"line": line, "target": target, "met": met})
    return result


def report_content(*, definition, period) -> dict:
    store_ids = _store_ids(definition)
    board = selectors.dashboard_for_stores(store_ids=store_ids, period=period)
    sections = [s for s in board["sections"] if s.code in definition.sections]
    lines = [line for section in sections for line in section.lines]
    stores = (
        _("All stores")
        if store_ids is None
        else ", ".join(Store.objects.filter(pk__in=store_ids).order_by("name").values_list("name", flat=True))
    )
    return {
        "board": board,
        "sections": sections,
        "movers": movers(lines),
        "targets": against_targets(lines, store_ids=store_ids),
        "stores": stores,
    }


def _row(line) -> list[str]:
    return [
        line.label,
        format_figure(line.current, line.unit),
        format_figure(line.previous, line.unit),
        format_figure(line.last_year, line.unit),
        format_change(line.change, line.unit),
    ]


def render_pdf(*, definition, period, content) -> bytes:
    document = pdf.Document(f"{definition.name}: {period}")
    board = content["board"]
    document.paragraph(
        _("Stores: %(stores)s. Compared with the previous period (%(previous)s) and a year before (%(year)s).")
        % {"stores": content["stores"], "previous": board["previous"].period, "year": board["last_year"].period}
    )
    header = [_("Figure"), _("This period"), _("Previous period"), _("A year before"), _("Change")]
    align = ["l", "r", "r", "r", "r"]
    document.heading(_("Strengths"))
    document.table(header, [_row(line) for line in content["movers"]["strengths"]] or [["—"] * 5], align)
    document.heading(_("Weaknesses"))
    document.table(header, [_row(line) for line in content["movers"]["weaknesses"]] or [["—"] * 5], align)
    if content["targets"]:
        document.heading(_("Against targets"))
        document.table(
            [_("Figure"), _("This period"), _("Target"), _("Result")],
            [
                [
                    t["line"].label,
                    format_figure(t["line"].current, t["line"].unit),
                    format_figure(t["target"], t["line"].unit),
                    _("met") if t["met"] else _("missed"),
                ]
                for t in content["targets"]
            ],
            ["l", "r", "r", "l"],
        )
    for section in content["sections"]:
        document.heading(str(section.title))
        document.table(header, [_row(line) for line in section.lines] or [["—"] * 5], align)
    return document.render()


def _csv_value(value, unit: str):
    if value is None:
        return ""
    if unit == "count":
        return int(value)
    if unit == "hkd":
        return Decimal(value).quantize(Decimal("0.01"))
    return round(float(value), 4)


def render_csv(*, definition, period, content) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "code", "figure", "unit", "this_period", "previous_period", "year_before", "change",
                     "target", "target_met"])  # fmt: skip
    targets = {t["line"].code: t for t in content["targets"]}
    for section in content["sections"]:
        for line in section.lines:
            target = targets.get(line.code)
            writer.writerow([
                section.code, line.code, line.label, line.unit,
                *(_csv_value(v, line.unit) for v in (line.current, line.previous, line.last_year)),
                "" if line.change is None else round(line.change, 4),
                target["target"] if target else "", ("yes" if target["met"] else "no") if target else "",
            ])  # fmt: skip
    return ("\ufeff" + out.getvalue()).encode("utf-8")  # a BOM, so Excel reads Chinese labels


def run_execute(*, run_id: int) -> ReportRun:
    """Render, archive and e-mail one run. A run that is no longer pending is left alone (idempotent)."""
    with transaction.atomic():
        run = ReportRun.objects.select_for_update().select_related("definition", "definition__owner").get(pk=run_id)
        if run.status != ReportRun.Status.PENDING:
            return run
        run.status = ReportRun.Status.RUNNING
        run.started_at = timezone.now()
        run.save(update_fields=["status", "started_at", "updated_at"])
    definition = run.definition
    try:
        period = selectors.period_for(preset=definition.period, latest=selectors.last_snapshot_day())
        content = report_content(definition=definition, period=period)
        pdf_bytes = render_pdf(definition=definition, period=period, content=content)
        csv_bytes = render_csv(definition=definition, period=period, content=content)
        stem = f"{slugify(definition.name) or 'report'}-{period.start:%Y%m%d}-{period.end:%Y%m%d}"
        run.period_start, run.period_end = period.start, period.end
        run.pdf.save(f"{stem}.pdf", ContentFile(pdf_bytes), save=False)
        run.csv.save(f"{stem}.csv", ContentFile(csv_bytes), save=False)
        message = EmailMessage(
            subject=f"{definition.name}: {period}",
            body=_(
                "The report %(name)s for %(period)s (%(stores)s) is attached as a PDF and a CSV.\n"
                "Strengths: %(strengths)s.\nWeaknesses: %(weaknesses)s.\n"
            )
            % {
                "name": definition.name,
                "period": period,
                "stores": content["stores"],
                "strengths": "; ".join(line.label for line in content["movers"]["strengths"]) or "—",
                "weaknesses": "; ".join(line.label for line in content["movers"]["weaknesses"]) or "—",
            },
            to=definition.recipient_list,
        )
        message.attach(f"{stem}.pdf", pdf_bytes, "application/pdf")
        message.attach(f"{stem}.csv", csv_bytes, "text/csv")
        message.send()
        run.emailed_to = ", ".join(definition.recipient_list)
        run.status = ReportRun.Status.SUCCEEDED
    except Exception as exc:
        run.status = ReportRun.Status.FAILED
        run.error = f"{type(exc).__name__}: {exc}"
    run.finished_at = timezone.now()
    run.save()
    return run


def download_record(*, run: ReportRun, user, kind: str):
    """Log a download of an archived file (append-only)."""
    from reports.models import ReportDownload

    return ReportDownload.objects.create(run=run, user=user, kind=kind)
