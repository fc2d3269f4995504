from django.urls import path

from posts import views

app_name = "posts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("explore/", views.ExploreView.as_view(), name="explore"),
    path("tags/<str:tag>/", views.TagView.as_view(), name="tag"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("user/<str:username>/", views.ProfileView.as_view(), name="profile"),
    path("user/<str:username>/replies/", views.ProfileView.as_view(with_replies=True), name="profile_replies"),
    path("post/<int:pk>/", views.PostView.as_view(), name="post"),
    path("post/<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
    path("post/<int:pk>/delete/", views.DeletePostView.as_view(), name="delete"),
    path("translate/", views.TranslateView.as_view(), name="translate"),
    path("send_message/<str:username>/", views.SendMessageView.as_view(), name="send_message"),
    path("messages/", views.InboxView.as_view(), name="messages"),
    path("export_posts/", views.ExportPostsView.as_view(), name="export_posts"),
    path("export_posts/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path("messages/sent/", views.InboxView.as_view(box="sent"), name="messages_sent"),
]
