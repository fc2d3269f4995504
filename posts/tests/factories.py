import factory

from accounts.tests.factories import UserFactory
from posts.entities import tag_key
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


class ReplyFactory(PostFactory):
    """A reply: `in_reply_to` set, and `conversation` the id of the thread's first post, as publish_post sets it."""

    in_reply_to = factory.SubFactory(PostFactory)
    conversation = factory.LazyAttribute(lambda reply: reply.in_reply_to.conversation or reply.in_reply_to.pk)


class TagFactory(factory.django.DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Tag{n}")
    key = factory.LazyAttribute(lambda tag: tag_key(tag.name))

    class Meta:
        model = Tag
        django_get_or_create = ("key",)


class TaggingFactory(factory.django.DjangoModelFactory):
    post = factory.SubFactory(PostFactory)
    tag = factory.SubFactory(TagFactory)
    created_at = factory.LazyAttribute(lambda tagging: tagging.post.created_at)

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
    """A notification row; by default someone liked a post of the recipient's (with its Like row)."""

    recipient = factory.SubFactory(UserFactory)
    actor = factory.SubFactory(UserFactory)
    kind = Activity.Kind.LIKE
    post = factory.SubFactory(PostFactory, author=factory.SelfAttribute("..recipient"))
    like = factory.SubFactory(LikeFactory, user=factory.SelfAttribute("..actor"), post=factory.SelfAttribute("..post"))

    class Meta:
        model = Activity
