from django.urls import path

import accounts.converters  # noqa: F401  (registers the <username:...> converter)
from posts import views
from posts.models import Boost, Like

app_name = "posts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("explore/", views.ExploreView.as_view(), name="explore"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("user/<username:username>/", views.ProfileView.as_view(), name="profile"),
    path("user/<username:username>/report/", views.ReportView.as_view(), name="report_user"),
    path("user/<username:username>/replies/", views.ProfileView.as_view(with_replies=True), name="profile_replies"),
    path("post/<int:pk>/", views.PostView.as_view(), name="post"),
    path("post/<int:pk>/reply/", views.ReplyView.as_view(), name="reply"),
    path("post/<int:pk>/delete/", views.DeletePostView.as_view(), name="delete"),
    path("post/<int:pk>/edit/", views.EditPostView.as_view(), name="edit"),
    path("post/<int:pk>/history/", views.PostHistoryView.as_view(), name="history"),
    path("post/<int:pk>/like/", views.ReactionView.as_view(action="like_post"), name="like"),
    path("post/<int:pk>/unlike/", views.ReactionView.as_view(action="unlike_post"), name="unlike"),
    path("post/<int:pk>/boost/", views.ReactionView.as_view(action="boost_post"), name="boost"),
    path("post/<int:pk>/unboost/", views.ReactionView.as_view(action="unboost_post"), name="unboost"),
    path("post/<int:pk>/bookmark/", views.ReactionView.as_view(action="bookmark_post"), name="bookmark"),
    path("post/<int:pk>/unbookmark/", views.ReactionView.as_view(action="unbookmark_post"), name="unbookmark"),
    path("post/<int:pk>/report/", views.ReportView.as_view(), name="report"),
    path("post/<int:pk>/likes/", views.ReactorsView.as_view(model=Like), name="likes"),
    path("post/<int:pk>/boosts/", views.ReactorsView.as_view(model=Boost), name="boosts"),
    path("tags/<str:tag>/", views.TagView.as_view(), name="tag"),
    path("bookmarks/", views.BookmarksView.as_view(), name="bookmarks"),
    path("translate/", views.TranslateView.as_view(), name="translate"),
    path("send_message/<username:username>/", views.SendMessageView.as_view(), name="send_message"),
    path("messages/", views.InboxView.as_view(), name="messages"),
    path("messages/new/", views.NewMessageView.as_view(), name="new_message"),
    path("messages/recipients/", views.RecipientSuggestionsView.as_view(), name="message_recipients"),
    # "@": no username can shadow the pages beside it (a user called "new").
    path("messages/@<username:username>/", views.ConversationView.as_view(), name="conversation"),
    path("export_posts/", views.ExportPostsView.as_view(), name="export_posts"),
    path("export_posts/<int:pk>/download/", views.ExportDownloadView.as_view(), name="export_download"),
    path("activity/", views.ActivityView.as_view(), name="activity"),
    # The inbox lists both directions now.
    path("messages/sent/", views.SentMessagesView.as_view(), name="messages_sent"),
]
