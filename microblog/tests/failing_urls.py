"""The project's URLs plus two views that fail, for error-handling tests."""

from django.db import OperationalError
from django.urls import path

from microblog.urls import handler404, handler500  # noqa: F401
from microblog.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("kaboom")


def database_gone(request):
    raise OperationalError("could not connect to server")


urlpatterns = [path("boom/", boom), path("db-gone/", database_gone), *project_urlpatterns]
