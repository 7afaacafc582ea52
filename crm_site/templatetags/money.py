from django import template

from crm_site.money import hkd as format_hkd

register = template.Library()


@register.filter
def hkd(amount):
    """``{{ purchase.total|hkd }}`` → ``HK$12,345.00``."""
    return format_hkd(amount)
