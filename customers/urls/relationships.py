"""URLs of this part of the client record (included by customers/urls/__init__.py, namespace "customers")."""

urlpatterns = []
