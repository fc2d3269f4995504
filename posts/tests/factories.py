import factory

from accounts.tests.factories import UserFactory
from posts.models import Activity, Bookmark, Boost, ExportJob, Like, Mention, Message, Post, Tag, Tagging


class PostFactory(factory.django.DjangoModelFactory):
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", nb_words=8)
    language = "en"

    class Meta:
        model = Post


class MessageFactory(factory.django.DjangoModelFactory):
    sender = factory.SubFactory(UserFactory)
    recipient = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", nb_words=6)

    class Meta:
        model = Message


class ExportJobFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    state = ExportJob.State.DONE
    progress = 100

    class Meta:
        model = ExportJob


class TagFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"tag{n}")
    key = factory.LazyAttribute(lambda tag: tag.name.casefold())

    class Meta:
        model = Tag
        django_get_or_create = ("key",)


class TaggingFactory(factory.django.DjangoModelFactory):
    post = factory.SubFactory(PostFactory)
    tag = factory.SubFactory(TagFactory)
    created_at = factory.SelfAttribute("post.created_at")

    class Meta:
        model = Tagging


class MentionFactory(factory.django.DjangoModelFactory):
    post = factory.SubFactory(PostFactory)
    user = factory.SubFactory(UserFactory)

    class Meta:
        model = Mention


class LikeFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)

    class Meta:
        model = Like


class BoostFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)

    class Meta:
        model = Boost


class BookmarkFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)

    class Meta:
        model = Bookmark


class ActivityFactory(factory.django.DjangoModelFactory):
    """A like notification, with the like it reports."""

    like = factory.SubFactory(LikeFactory)
    actor = factory.SelfAttribute("like.user")
    recipient = factory.SelfAttribute("like.post.author")
    post = factory.SelfAttribute("like.post")
    kind = Activity.Kind.LIKE

    class Meta:
        model = Activity
