"""The project's URLs plus views that fail, for error-handling tests."""

from django.db import OperationalError
from django.urls import path
from rest_framework.permissions import AllowAny
from rest_framework.views import APIView

from microblog.urls import handler404, handler500  # noqa: F401
from microblog.urls import urlpatterns as project_urlpatterns


def boom(request):
    raise RuntimeError("kaboom")


def database_gone(request):
    raise OperationalError("could not connect to server")


class ApiBoom(APIView):
    """An API view with a bug: not an API exception, so DRF re-raises it."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def get(self, request):
        raise RuntimeError("kaboom")


urlpatterns = [
    path("boom/", boom),
    path("db-gone/", database_gone),
    path("api/boom", ApiBoom.as_view()),
    path("api/plain-boom", boom),
    path("api/db-gone", database_gone),
    *project_urlpatterns,
]
