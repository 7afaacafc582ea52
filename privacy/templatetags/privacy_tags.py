from django import template

from privacy.masking import masked

register = template.Library()


@register.simple_tag(takes_context=True)
def sensitive(context, value, keep_last=0):
    """``{% sensitive customer.address %}``: the value, or its mask without privacy.view_sensitive."""
    return masked(context["request"].user, value, keep_last=keep_last)
