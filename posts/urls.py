from django.urls import path

from posts import views

app_name = "posts"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("explore/", views.ExploreView.as_view(), name="explore"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("user/<str:username>/", views.ProfileView.as_view(), name="profile"),
    path("post/<int:pk>/delete/", views.DeletePostView.as_view(), name="delete"),
]
