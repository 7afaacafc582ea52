from django.contrib.auth.mixins import PermissionRequiredMixin
from django.http import Http404


class PermissionRequired404Mixin(PermissionRequiredMixin):
    """Model permission check that answers a signed-in user without it with a 404.

    The same answer for "missing" and "forbidden": a URL never tells whether a
    record exists. Anonymous users are sent to the login page as usual.
    """

    def handle_no_permission(self):
        if self.request.user.is_authenticated:
            raise Http404
        return super().handle_no_permission()
