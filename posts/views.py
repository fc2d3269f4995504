from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import ListView
from django.views.generic.edit import FormMixin

from accounts.models import User
from microblog.pagination import LookaheadPaginationMixin
from posts import services
from posts.forms import PostForm, SearchForm
from posts.models import Post
from posts.search import search_posts, with_highlights


class PostListView(LoginRequiredMixin, LookaheadPaginationMixin, ListView):
    """Base for every page that lists posts through posts/_post.html."""

    context_object_name = "posts"
    paginate_by = settings.POSTS_PER_PAGE


class HomeView(FormMixin, PostListView):
    """The signed-in user's feed under the "Say something" form (POST, redirect, GET)."""

    template_name = "posts/home.html"
    form_class = PostForm

    def get_queryset(self):
        return Post.objects.feed_for(self.request.user)

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                services.publish_post(author=request.user, body=form.cleaned_data["body"])
            except ValidationError as error:
                form.add_error("body", error.message_dict.get("body", error.messages))
            else:
                messages.success(request, _("Your post is now live!"))
                return redirect("posts:home")
        # Re-show the form with its errors and the text kept, above page 1 of the feed.
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class ExploreView(PostListView):
    """Everyone's posts, newest first."""

    template_name = "posts/explore.html"

    def get_queryset(self):
        return Post.objects.for_display()


class ProfileView(PostListView):
    """A user's profile header and their posts."""

    template_name = "posts/profile.html"

    def get_queryset(self):
        self.profile_user = get_object_or_404(
            User.objects.active().with_counts().with_follow_state(self.request.user),
            username=self.kwargs["username"],
        )
        return Post.objects.by_author(self.profile_user)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "profile_user": self.profile_user}


class SearchView(PostListView):
    """Posts matching the navbar search box, best match first, words highlighted."""

    template_name = "posts/search.html"

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return search_posts(self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        with_highlights(context["posts"], self.query)
        return {
            **context,
            "form": self.form,
            "search_query": self.query,
            "query_string": urlencode({"q": self.query}),
        }


class DeletePostView(LoginRequiredMixin, View):
    """POST only: delete one of your own posts."""

    http_method_names = ["post"]

    def post(self, request, pk):
        post = get_object_or_404(Post, pk=pk)
        if post.author_id != request.user.pk:
            raise Http404  # do not reveal other people's post ids
        services.delete_post(post=post)
        messages.success(request, _("Your post has been deleted."))
        return redirect(reverse("posts:profile", args=[request.user.username]))
