"""Root URLconf: the only module of the project package that imports the apps."""

from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.i18n import JavaScriptCatalog
from drf_spectacular.views import SpectacularJSONAPIView

from accounts import api as accounts_api
from microblog import api, views
from posts import api as posts_api

# microblog's API paths: no trailing slashes, so clients written for it work unchanged.
api_patterns = [
    path("tokens", accounts_api.TokenView.as_view(), name="tokens"),
    path("users", accounts_api.UserListView.as_view(), name="users"),
    path("users/<int:id>", accounts_api.UserDetailView.as_view(), name="user"),
    path("users/<int:id>/followers", accounts_api.FollowersView.as_view(), name="followers"),
    path("users/<int:id>/following", accounts_api.FollowingView.as_view(), name="following"),
    path("users/<int:id>/follow", accounts_api.FollowView.as_view(), name="follow"),
    path("users/<int:id>/block", accounts_api.BlockView.as_view(), name="block"),
    path("users/<int:id>/mute", accounts_api.MuteView.as_view(), name="mute"),
    path("blocks", accounts_api.BlockListView.as_view(), name="blocks"),
    path("mutes", accounts_api.MuteListView.as_view(), name="mutes"),
    path("users/<int:id>/posts", posts_api.UserPostsView.as_view(), name="user_posts"),
    path("posts", posts_api.ExploreView.as_view(), name="posts"),
    path("posts/<int:id>", posts_api.PostDetailView.as_view(), name="post"),
    path("posts/<int:id>/context", posts_api.PostContextView.as_view(), name="post_context"),
    path("posts/<int:id>/history", posts_api.PostHistoryView.as_view(), name="post_history"),
    path("posts/<int:id>/like", posts_api.LikeView.as_view(), name="post_like"),
    path("posts/<int:id>/boost", posts_api.BoostView.as_view(), name="post_boost"),
    path("posts/<int:id>/bookmark", posts_api.BookmarkView.as_view(), name="post_bookmark"),
    path("feed", posts_api.FeedView.as_view(), name="feed"),
    path("tags/<str:tag>/posts", posts_api.TagPostsView.as_view(), name="tag_posts"),
    path("bookmarks", posts_api.BookmarksView.as_view(), name="bookmarks"),
    path("notifications", posts_api.NotificationsView.as_view(), name="notifications"),
    path("reports", posts_api.ReportView.as_view(), name="reports"),
    path("openapi.json", SpectacularJSONAPIView.as_view(), name="openapi"),
    path("docs", api.ApiDocsView.as_view(), name="docs"),
    # Last: any other path under /api/ is a JSON 404 (this also stops APPEND_SLASH redirects).
    re_path(r"^.*$", api.not_found, name="not_found"),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("csp-report/", views.csp_report, name="csp-report"),
    # A 404 unless BENCH_MODE is on (checked per request, so tests can switch it).
    path("bench/ceiling/", views.bench_ceiling, name="bench-ceiling"),
    path("bench/bare/", views.bench_bare, name="bench-bare"),
    path("api/", include((api_patterns, "api"))),
    path("", include("accounts.urls")),
    path("", include("posts.urls")),
]

if "debug_toolbar" in settings.INSTALLED_APPS:
    urlpatterns += [path("__debug__/", include("debug_toolbar.urls"))]

handler400 = "microblog.views.bad_request"
handler403 = "microblog.views.permission_denied"
handler404 = "microblog.views.page_not_found"
handler500 = "microblog.views.server_error"

# Uploaded pictures: Django serves MEDIA_ROOT only while developing; in production the web
# server does (docs/deployment.md), or S3 when MEDIA_STORAGE=s3.
if settings.DEBUG:
    urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)
