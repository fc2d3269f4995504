"""Root URLconf: the only module of the project package that imports the apps."""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog

from microblog import views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("csp-report/", views.csp_report, name="csp-report"),
    path("", include("accounts.urls")),
    path("", include("posts.urls")),
]

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns += [path("__debug__/", include("debug_toolbar.urls"))]

handler400 = "microblog.views.bad_request"
handler403 = "microblog.views.permission_denied"
handler404 = "microblog.views.page_not_found"
handler500 = "microblog.views.server_error"
