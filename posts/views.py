import gzip
import unicodedata

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import RequestDataTooBig, ValidationError
from django.db.models.functions import Lower
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.generic import FormView, ListView, RedirectView, TemplateView
from django.views.generic.edit import FormMixin

from accounts.fragments import count_blocks
from accounts.models import User
from accounts.safety import relation_to
from microblog.errors import json_error
from microblog.fetch import InPlaceActionMixin, wants_json
from microblog.jsonbody import MalformedJSON, parse_json_object
from microblog.mixins import JsonLoginRequiredMixin, PublicReadMixin
from microblog.pagination import LookaheadPaginationMixin, positive_int
from microblog.redirects import safe_next
from microblog.throttling import ReactionRateThrottle, TranslateRateThrottle, throttle
from posts import services, timelines
from posts.activity import attach_posts, group_activities
from posts.entities import segments, tag_key
from posts.forms import EditPostForm, MessageForm, NewMessageForm, PostForm, ReportForm, SearchForm, TranslateForm
from posts.models import Activity, ExportJob, Like, Message, Post, PostEdit, Tag, Tagging
from posts.rendering import mention_names, render_posts
from posts.search import SORTS, search_people, search_posts, with_highlights
from posts.threads import read_thread
from posts.timelines import Cursor, TimelineListMixin
from posts.translation import TranslationError, TranslationTimeout, get_translator

# Notifications are short lines: a page holds more of them than of posts.
ACTIVITY_PER_PAGE = 40
# People suggested on an empty home feed, and in explore's "Who to follow" box.
WELCOME_SUGGESTIONS = 5
EXPLORE_SUGGESTIONS = 3


def body_errors(error: ValidationError) -> list[str]:
    """Return what a service's refusal says about the text: its "body" errors, or the whole refusal.

    full_clean() raises a dict of fields; a refusal (a deleted parent, a block) a bare message.
    """
    if hasattr(error, "error_dict"):
        return error.message_dict.get("body", error.messages)
    return error.messages


class PostListView(LoginRequiredMixin, LookaheadPaginationMixin, ListView):
    """Base for every page that lists posts through posts/_post.html."""

    context_object_name = "posts"
    paginate_by = settings.POSTS_PER_PAGE


class TimelineView(TimelineListMixin, PostListView):
    """Base for the pages that list a timeline (posts/timelines.py), paged by cursor."""


class HomeView(PublicReadMixin, FormMixin, TimelineView):
    """The signed-in user's feed, boosts included, under the "Say something" form (POST, redirect, GET).

    A visitor gets the landing page instead: what the site is, and the latest posts of explore.
    """

    template_name = "posts/home.html"
    form_class = PostForm

    def get_template_names(self):
        return ["posts/home.html" if self.request.user.is_authenticated else "posts/landing.html"]

    def get_queryset(self):
        if not self.request.user.is_authenticated:
            return timelines.explore()
        return timelines.home(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        if user.is_authenticated and context["page_obj"].is_first and not context["posts"]:
            # An empty feed (a newcomer): the welcome card, with people to follow (one query).
            context["suggestions"] = list(User.objects.suggested_for(user, limit=WELCOME_SUGGESTIONS))
        return context

    def post(self, request, *args, **kwargs):
        form = self.get_form()
        if form.is_valid():
            try:
                services.publish_post(author=request.user, **form.post_fields())
            except ValidationError as error:
                form.add_error("body", body_errors(error))
            else:
                messages.success(request, _("Your post is now live!"))
                return redirect("posts:home")
        # Re-show the form with its errors and the text kept, above page 1 of the feed.
        self.object_list = self.get_queryset()
        return self.render_to_response(self.get_context_data(form=form))


class ExploreView(PublicReadMixin, TimelineView):
    """Everyone's posts, replies included, newest first, beside the last day's trending tags."""

    template_name = "posts/explore.html"

    def get_queryset(self):
        return timelines.explore()

    def get_context_data(self, **kwargs):
        context = {**super().get_context_data(**kwargs), "trending_tags": Tagging.objects.trending_now()}
        if self.request.user.is_authenticated and context["page_obj"].is_first:
            # "Who to follow", members only: a visitor could not follow anyone (docs/security.md).
            context["suggestions"] = list(User.objects.suggested_for(self.request.user, limit=EXPLORE_SUGGESTIONS))
        return context


def is_tag_name(name: str) -> bool:
    """Whether `name` is a tag as posts.entities reads one in a post ("#" + name is one whole tag)."""
    return [(segment.kind, segment.name) for segment in segments(f"#{name}")] == [("tag", name)]


class TagView(PublicReadMixin, TimelineView):
    """The posts carrying a #tag (in any letter case), newest first.

    A tag nobody used yet is an empty page; text that could never be a tag is a 404.
    """

    template_name = "posts/tag.html"

    def get_queryset(self):
        name = self.kwargs["tag"]
        if not is_tag_name(name):  # too long, invisible characters, punctuation: never a tag
            raise Http404
        self.tag = Tag.objects.filter(key=tag_key(name)).first()
        self.tag_name = self.tag.name if self.tag else name
        if self.tag is None:
            return timelines.Timeline(timelines.post_entries(Post.objects.none()))
        return timelines.tagged(self.tag)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "tag": self.tag, "tag_name": self.tag_name}


@method_decorator(never_cache, name="dispatch")  # private like the inbox: no shared cache may keep it
class BookmarksView(TimelineView):
    """Your bookmarks, newest bookmark first; nobody else sees them."""

    template_name = "posts/bookmarks.html"

    def get_queryset(self):
        return timelines.bookmarks(self.request.user)


class ProfileView(PublicReadMixin, TimelineView):
    """A user's profile header and, in two tabs, their posts (without or with replies) and boosts."""

    template_name = "posts/profile.html"
    with_replies = False

    def get_queryset(self):
        self.profile_user = get_object_or_404(
            User.objects.active().with_follow_state(self.request.user),
            username=self.kwargs["username"],
        )
        # A block either way: the page says so and shows nothing of the person (accounts/safety.py).
        self.relation = relation_to(self.request.user, self.profile_user)
        if self.relation.blocked:
            return timelines.Timeline(timelines.post_entries(Post.objects.none()))
        return timelines.profile(self.profile_user, with_replies=self.with_replies)

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "profile_user": self.profile_user,
            "relation": self.relation,
            "with_replies": self.with_replies,
        }


class SearchView(PostListView):
    """The search box's results: matching people above matching posts, or one tab of either.

    ?type=people or ?type=posts shows one kind, 25 a page; ?sort=latest lists posts newest
    first instead of best match first (?sort=top, the default).
    """

    template_name = "posts/search.html"
    # People shown above the posts on the "All" tab; a link leads to the rest.
    people_preview = 5

    def get_queryset(self):
        self.form = SearchForm(self.request.GET)
        self.form.is_valid()  # a bad field is shown and left at its default; the others still apply
        self.query = self.form.cleaned_data.get("q", "")
        self.kind = self.form.cleaned_data.get("type", "")
        self.sort = self.form.cleaned_data.get("sort", SORTS[0])
        viewer = self.request.user
        if self.kind == "people":
            return search_people(self.query, viewer).with_follow_state(viewer)
        return search_posts(self.query, sort=self.sort).visible_to(viewer).with_viewer_state(viewer)

    def get_context_object_name(self, object_list):
        return "people" if self.kind == "people" else "posts"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        people = []
        if self.kind != "people":
            with_highlights(context["posts"], self.query)
            if not self.kind and context["page_obj"].is_first:
                found = search_people(self.query, self.request.user).with_follow_state(self.request.user)
                people = list(found[: self.people_preview + 1])
        return {
            **context,
            "form": self.form,
            "search_query": self.query,
            "search_type": self.kind,
            "search_sort": self.sort,
            "people_preview": people[: self.people_preview],
            "more_people": len(people) > self.people_preview,
            "query_string": self.search_params(),
            "type_links": [
                (kind, label, self.search_params(type=kind)) for kind, label in SearchForm.TYPE_CHOICES.items()
            ],
            "sort_links": [
                (sort, label, self.search_params(sort=sort)) for sort, label in SearchForm.SORT_CHOICES.items()
            ],
            "people_link": self.search_params(type="people"),
        }

    def search_params(self, **changes) -> str:
        """Return this search's query string with `changes`, leaving out the defaults."""
        params = {"q": self.query, "type": self.kind, "sort": self.sort, **changes}
        return urlencode({key: value for key, value in params.items() if key == "q" or value not in ("", SORTS[0])})


class PostView(PublicReadMixin, TemplateView):
    """The thread page of a post: its ancestors, the post, its replies as a tree, and the reply form (signed in)."""

    template_name = "posts/thread.html"

    def get_context_data(self, **kwargs):
        shown = Post.objects.visible_to(self.request.user).only("pk", "conversation")
        post = get_object_or_404(shown, pk=self.kwargs["pk"])
        thread = read_thread(post, self.request.user, page=positive_int(self.request.GET.get("page")))
        # The whole page's posts in one cache read; the tree's {% render_post %} then finds each one's HTML.
        render_posts([*filter(None, thread.ancestors), thread.post, *thread.descendants()], self.request.user)
        form = None
        if self.request.user.is_authenticated:
            form = kwargs.pop("form", None) or PostForm(initial={"body": reply_prefill(thread.post, self.request.user)})
        return {**super().get_context_data(**kwargs), "thread": thread, "post": thread.post, "form": form}


class ReplyView(LoginRequiredMixin, FormView):
    """GET: the post and a reply form addressed to its people; POST: publish the reply, go to its thread."""

    template_name = "posts/reply.html"
    form_class = PostForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.parent = get_object_or_404(
            Post.objects.visible_to(request.user).for_display().with_viewer_state(request.user), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"body": reply_prefill(self.parent, self.request.user)}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "post": self.parent}

    def form_valid(self, form):
        try:
            reply = services.publish_post(author=self.request.user, in_reply_to=self.parent, **form.post_fields())
        except ValidationError as error:  # ReplyRefused included: the parent went away meanwhile
            form.add_error("body", body_errors(error))
            return self.form_invalid(form)
        messages.success(self.request, _("Your reply is now live!"))
        return redirect(reverse("posts:post", args=[reply.pk]) + f"#post-{reply.pk}")


def reply_prefill(post: Post, viewer) -> str:
    """Return the start of a reply to `post`: "@author " and the others it mentions, never the viewer."""
    names = [post.author.username, *mention_names(post).values()]
    seen, handles = {viewer.username.lower()}, []
    for name in names:
        if name.lower() not in seen:
            seen.add(name.lower())
            handles.append(f"@{name} ")
    return "".join(handles)


@method_decorator(throttle(ReactionRateThrottle), name="post")
class ReactionView(InPlaceActionMixin, View):
    """POST only: like, boost or bookmark a post, or undo it, through the service named `action`.

    A form gets a redirect back (to `next` when it is on this site, else the thread
    page); the buttons' script asks for JSON and gets the post's fresh counts and the
    viewer's state. Repeating a request changes nothing (the services are idempotent).
    """

    action = ""  # a function of posts.services: like_post, unlike_post, boost_post, ...
    missing_message = gettext_lazy("This post is no longer available.")

    def post(self, request, pk):
        post = get_object_or_404(Post.objects.visible_to(request.user), pk=pk)
        getattr(services, self.action)(user=request.user, post=post)
        state = self.state(post.pk) if wants_json(request) else {}
        return self.done(state, redirect_to=self.back(post.get_absolute_url()))

    def state(self, pk: int) -> dict:
        """Return the post's counts and the viewer's state, read fresh from the database (one query)."""
        fields = ("id", "liked", "boosted", "bookmarked", "like_count", "reply_count", "boost_count")
        return Post.objects.filter(pk=pk).with_viewer_state(self.request.user).values(*fields).get()


class ReactorsView(PublicReadMixin, LookaheadPaginationMixin, ListView):
    """Who liked (or boosted, with `model = Boost`) a post, most recent first."""

    template_name = "posts/reactors.html"
    context_object_name = "people"
    paginate_by = settings.POSTS_PER_PAGE
    model = Like

    def get_queryset(self):
        viewer = self.request.user
        self.post = get_object_or_404(Post.objects.visible_to(viewer).select_related("author"), pk=self.kwargs["pk"])
        return self.model.objects.people_for(self.post, viewer).with_follow_state(viewer)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "post": self.post, "relation": self.model._meta.model_name}


class DeletePostView(InPlaceActionMixin, View):
    """POST only: delete one of your own posts; a form then goes to your profile, the script removes it in place."""

    missing_message = gettext_lazy("This post is no longer available.")

    def post(self, request, pk):
        post = get_object_or_404(Post, pk=pk)
        if post.author_id != request.user.pk:
            raise Http404  # do not reveal other people's post ids
        services.delete_post(post=post)
        # Not back to `next`: the page the form came from may be this post's thread, now gone.
        return self.done(
            # The author's post count, for the page's count blocks (a profile header).
            {"id": pk, "deleted": True, "counts": count_blocks(request.user)} if wants_json(request) else {},
            redirect_to=reverse("posts:profile", args=[request.user.username]),
            message=_("Your post has been deleted."),
        )


class EditPostView(LoginRequiredMixin, FormView):
    """GET: the form with one of your own posts' text and warning; POST: save them, go to the post.

    Someone else's post is a 404, as for Delete (other people's post ids are not revealed).
    The text is kept on an error; the same text again records nothing.
    """

    template_name = "posts/edit.html"
    form_class = EditPostForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.edited = get_object_or_404(Post.objects.for_display().with_viewer_state(request.user), pk=kwargs["pk"])
        if self.edited.author_id != request.user.pk:
            raise Http404
        return super().dispatch(request, *args, **kwargs)

    def get_initial(self):
        return {"body": self.edited.body, "content_warning": self.edited.content_warning}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "post": self.edited}

    def form_valid(self, form):
        try:
            changed = services.edit_post(
                post=self.edited,
                editor=self.request.user,
                body=form.cleaned_data["body"],
                content_warning=form.cleaned_data["content_warning"],
            )
        except services.EditRefused as refusal:
            if refusal.code == "gone":
                raise Http404 from None
            form.add_error(None, refusal.messages)
            return self.form_invalid(form)
        except ValidationError as error:
            for field, found in error.message_dict.items():
                form.add_error(field if field in form.fields else "body", found)
            return self.form_invalid(form)
        if changed:
            messages.success(self.request, _("Your post has been updated."))
        else:
            messages.info(self.request, _("Nothing changed: the post is as it was."))
        return redirect(f"{self.edited.get_absolute_url()}#post-{self.edited.pk}")


class PostHistoryView(PublicReadMixin, LookaheadPaginationMixin, ListView):
    """The post as it is now, above its earlier versions, the most recent first, each with its time.

    As public as the post itself; the versions are plain text (their mentions and tags
    were read from the text that replaced them).
    """

    template_name = "posts/history.html"
    context_object_name = "versions"
    paginate_by = settings.POSTS_PER_PAGE

    def get_queryset(self):
        self.edited = get_object_or_404(
            Post.objects.visible_to(self.request.user).for_display().with_viewer_state(self.request.user),
            pk=self.kwargs["pk"],
        )
        return PostEdit.objects.of(self.edited)

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "post": self.edited}


@method_decorator(never_cache, name="dispatch")  # private messages: no cache may keep them
class InboxView(LoginRequiredMixin, LookaheadPaginationMixin, ListView):
    """The inbox: one row per person you exchanged messages with, newest conversation first."""

    template_name = "posts/messages.html"
    context_object_name = "conversations"
    paginate_by = settings.POSTS_PER_PAGE

    def get_queryset(self):
        return Message.objects.conversations_of(self.request.user)


@method_decorator(never_cache, name="dispatch")  # private messages: no cache may keep them
class ConversationView(LoginRequiredMixin, TemplateView):
    """Your messages with one person, oldest at the top, and the reply box below (POST, redirect, GET).

    Opening it marks what they sent you read. "Earlier messages" pages back in time by
    cursor (`?before=<microseconds>-<id>`), each direction read newest first from its index.
    """

    template_name = "posts/conversation.html"
    form_class = MessageForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.person = get_object_or_404(User.objects.active().named(kwargs["username"]))
        if self.person.pk == request.user.pk:
            messages.error(request, _("You cannot send a message to yourself."))
            return redirect("posts:messages")
        # A block either way: the page says so, and shows and takes no messages (accounts/safety.py).
        self.relation = relation_to(request.user, self.person)
        return super().dispatch(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        return self.render_to_response(self.get_context_data(form=self.form_class()))

    def post(self, request, *args, **kwargs):
        form = self.form_class(request.POST)
        if form.is_valid():
            try:
                message = services.send_message(
                    sender=request.user,
                    recipient=self.person,
                    body=form.cleaned_data["body"],
                    form_token=form.cleaned_data["form_token"],
                )
            except ValidationError as error:
                form.add_error("body", body_errors(error))
            else:
                return redirect(f"{conversation_url(self.person)}#message-{message.pk}")
        # The text is kept above the errors; the page shows the conversation as it is now.
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, **kwargs):
        if self.relation.blocked:
            context = super().get_context_data(**kwargs)
            return {**context, "person": self.person, "relation": self.relation, "form": None}
        before = Cursor.parse(self.request.GET.get("before", ""))
        per_page = settings.POSTS_PER_PAGE
        me, person = self.request.user, self.person
        # Each direction cut at the page in SQL, then merged: the newest `per_page` of both.
        newest_first = sorted(
            [
                *Message.objects.from_to(me, person, before=before)[: per_page + 1],
                *Message.objects.from_to(person, me, before=before)[: per_page + 1],
            ],
            key=lambda message: (message.created_at, message.pk),
            reverse=True,
        )
        shown = newest_first[:per_page][::-1]
        # Read before marking, so this page can still show which ones are new.
        read_until = me.last_message_read_time
        new = {
            message.pk
            for message in shown
            if message.sender_id == person.pk
            and message.read_at is None
            and (read_until is None or message.created_at > read_until)
        }
        if self.request.method == "GET" and me.unread_message_count:
            services.mark_conversation_read(user=me, person=person)
        return {
            **super().get_context_data(**kwargs),
            "person": person,
            "conversation": shown,
            "new_ids": new,
            "earlier": f"before={Cursor(shown[0].created_at, shown[0].pk)}" if len(newest_first) > per_page else "",
            "is_earlier_page": before is not None,
            "action": conversation_url(person),
            "relation": self.relation,
        }


def conversation_url(person: User) -> str:
    """Return the address of the signed-in user's conversation with `person`."""
    return reverse("posts:conversation", args=[person.username])


class SendMessageView(ConversationView):
    """The old message form's address: its GET shows the conversation, its POST sends as the conversation does."""

    def get(self, request, *args, **kwargs):
        return redirect(conversation_url(self.person))


class SentMessagesView(LoginRequiredMixin, RedirectView):
    """The old "Sent" tab: the inbox lists both directions now."""

    pattern_name = "posts:messages"


@method_decorator(never_cache, name="dispatch")
class NewMessageView(LoginRequiredMixin, FormView):
    """Write to anyone by username (suggested as you type), then go on in the conversation."""

    template_name = "posts/new_message.html"
    form_class = NewMessageForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sender": self.request.user}

    def get_initial(self):
        return {"recipient": self.request.GET.get("to", "")[:150]}

    def form_valid(self, form):
        recipient = form.cleaned_data["recipient"]
        try:
            message = services.send_message(
                sender=self.request.user,
                recipient=recipient,
                body=form.cleaned_data["body"],
                form_token=form.cleaned_data["form_token"],
            )
        except ValidationError as error:
            form.add_error("body", body_errors(error))
            return self.form_invalid(form)
        return redirect(f"{conversation_url(recipient)}#message-{message.pk}")


# The "To" field's suggestions: a few names are enough to pick from while typing.
RECIPIENT_SUGGESTIONS = 8


@method_decorator(never_cache, name="dispatch")
class RecipientSuggestionsView(JsonLoginRequiredMixin, View):
    """GET ?q=<prefix>: `{"usernames": [...]}`, the active people whose username starts with it (any case)."""

    def get(self, request):
        prefix = request.GET.get("q", "").strip().removeprefix("@").lower()
        # Usernames are at most 150 characters and hold no control characters (a NUL
        # would reach PostgreSQL as an error): such a prefix names no one.
        if not prefix or len(prefix) > 150 or any(unicodedata.category(char) == "Cc" for char in prefix):
            return JsonResponse({"usernames": []})
        usernames = (
            User.objects.visible_to(request.user)
            .exclude(pk=request.user.pk)
            .alias(username_lower=Lower("username"))
            .filter(username_lower__startswith=prefix)
            .order_by("username_lower", "pk")
            .values_list("username", flat=True)[:RECIPIENT_SUGGESTIONS]
        )
        return JsonResponse({"usernames": list(usernames)})


@method_decorator(never_cache, name="dispatch")  # who did what to you: no cache may keep it
class ActivityView(LoginRequiredMixin, LookaheadPaginationMixin, ListView):
    """Your notifications, newest first, alike ones grouped; opening it marks them all read."""

    template_name = "posts/activity.html"
    context_object_name = "activities"
    paginate_by = ACTIVITY_PER_PAGE

    def get_queryset(self):
        return Activity.objects.for_recipient(self.request.user)

    def get(self, request, *args, **kwargs):
        # Read before marking, so this page can still show which ones were new.
        self.last_read = request.user.last_activity_read_time
        # Nothing unread (the trigger-kept count on the row authentication just loaded):
        # nothing to record, and four queries less for every visit after the first.
        if request.user.unread_activity_count:
            services.mark_activity_read(user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        groups = group_activities(context["activities"], last_read=self.last_read)
        attach_posts(groups, self.request.user)
        render_posts([group.post for group in groups if group.post], self.request.user)
        return {**context, "groups": groups, "last_read": self.last_read}


class ExportPostsView(LoginRequiredMixin, View):
    """POST only: start exporting the user's posts in the background."""

    http_method_names = ["post"]

    def post(self, request):
        try:
            services.start_export(
                user=request.user,
                language=translation.get_language() or "",
                site_url=request.build_absolute_uri("/").rstrip("/"),
            )
        except services.ExportAlreadyRunning:
            messages.warning(request, _("An export is already in progress. Wait for it to finish."))
        else:
            messages.info(
                request,
                _("Your posts are being exported. Follow the progress in the menu bar; we will email you the file."),
            )
        return redirect(safe_next(request, reverse("posts:profile", args=[request.user.username])))


class ExportDownloadView(LoginRequiredMixin, View):
    """Download a finished export: only its owner, only until it expires."""

    def get(self, request, pk):
        job = get_object_or_404(ExportJob.objects.downloadable_by(request.user), pk=pk)
        response = HttpResponse(gzip.decompress(job.result), content_type="application/json")
        response["Content-Disposition"] = 'attachment; filename="posts.json"'
        response["Cache-Control"] = "private, no-store"
        return response


@method_decorator(throttle(TranslateRateThrottle), name="post")
class TranslateView(JsonLoginRequiredMixin, View):
    """POST {text, source_language, dest_language} as JSON; answer {text} translated."""

    http_method_names = ["post"]

    @method_decorator(never_cache)
    def dispatch(self, request, *args, **kwargs):
        return super().dispatch(request, *args, **kwargs)

    def http_method_not_allowed(self, request, *args, **kwargs):
        return json_error(405, _("Send the text to translate with POST."), Allow="POST")

    def post(self, request):
        try:
            data = parse_json_object(request.body)
        except RequestDataTooBig:
            return json_error(413, _("The request body is too large."))
        except MalformedJSON as error:
            return json_error(400, str(error))
        form = TranslateForm(data)
        if not form.is_valid():
            field, errors = next(iter(form.errors.items()))
            return json_error(400, f"{form.fields[field].label}: {errors[0]}")
        translator = get_translator()
        if translator is None:
            return json_error(503, _("Translation is not available on this site."))
        try:
            text = translator.translate(
                form.cleaned_data["text"], form.cleaned_data["source_language"], form.cleaned_data["dest_language"]
            )
        except TranslationTimeout:
            return json_error(504, _("The translation service is too slow right now. Please try again later."))
        except TranslationError:
            return json_error(502, _("The translation service is unavailable right now. Please try again later."))
        return JsonResponse({"text": text})


@method_decorator(never_cache, name="dispatch")
class ReportView(LoginRequiredMixin, FormView):
    """Report a post (/post/<pk>/report/) or a person (/user/<name>/report/): a plain form page, then back.

    A post's report checks the post and offers its author's other recent posts; a
    person's report offers their recent posts. Reporting oneself is refused with a message; a deactivated or
    unknown person or post is a 404. What the form cannot file (the hourly limit) is a form error, the text kept.
    """

    template_name = "posts/report.html"
    form_class = ReportForm

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return super().dispatch(request, *args, **kwargs)
        self.target, self.reported_post = self.find_target(**kwargs)
        if self.target.pk == request.user.pk:
            messages.error(request, _("You cannot report yourself."))
            return redirect(self.back_url())
        return super().dispatch(request, *args, **kwargs)

    def find_target(self, **kwargs) -> tuple[User, Post | None]:
        """Return the person reported and the post reported (None for a person's report), or raise Http404."""
        if "pk" in kwargs:
            shown = Post.objects.visible_to(self.request.user).select_related("author")
            post = get_object_or_404(shown, pk=kwargs["pk"])
            return post.author, post
        # Across a block the person is not there (their posts would show on the form).
        return get_object_or_404(User.objects.visible_to(self.request.user).named(kwargs["username"])), None

    def back_url(self) -> str:
        """Return the page the report was made from: the post's thread, or the person's profile."""
        if self.reported_post is not None:
            return self.reported_post.get_absolute_url()
        return reverse("posts:profile", args=[self.target.username])

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "target": self.target, "post": self.reported_post}

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), "person": self.target, "reported_post": self.reported_post}

    def form_valid(self, form):
        try:
            report, created = services.file_report(
                reporter=self.request.user,
                target=self.target,
                category=form.cleaned_data["category"],
                posts=form.cleaned_data["posts"],
                comment=form.cleaned_data["comment"],
                site_url=self.request.build_absolute_uri("/").removesuffix("/"),
            )
        except ValidationError as error:
            form.add_error(None, error.messages)
            return self.form_invalid(form)
        if created:
            messages.success(self.request, _("Thanks, our moderators will look at it."))
        else:
            messages.success(
                self.request,
                _("Thanks: we added this to your earlier report about @%(username)s.")
                % {"username": self.target.username},
            )
        return redirect(self.back_url())
