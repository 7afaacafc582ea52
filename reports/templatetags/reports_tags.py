from django import template
from django.contrib.humanize.templatetags.humanize import intcomma

from crm_site.money import hkd

register = template.Library()


@register.filter
def figure(value, unit):
    """A dashboard figure in its unit: a count, HK$, a percentage or hours; an em dash when there is none."""
    if value is None:
        return "—"
    if unit == "hkd":
        return hkd(value)
    if unit == "percent":
        return f"{float(value) * 100:.1f} %"
    if unit == "hours":
        return f"{float(value):.1f} h"
    return intcomma(int(value))


@register.filter
def change(value, unit):
    """The change against a comparison: percentage points for rates, a relative change otherwise."""
    if value is None:
        return "—"
    if unit == "percent":
        return f"{float(value) * 100:+.1f} pt"
    return f"{float(value) * 100:+.0f} %"
