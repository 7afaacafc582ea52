from django import template
from django.template.defaultfilters import floatformat

register = template.Library()


@register.filter
def percent(value, digits=1):
    """A share 0-1 as a percentage with ``digits`` decimals ("94.2 %"); "—" for None."""
    if value is None:
        return "—"
    return f"{floatformat(float(value) * 100, digits)} %"
