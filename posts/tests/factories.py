import factory
from django.db.models import F
from PIL import Image

from accounts.tests.factories import UserFactory
from microblog.images import make_variants, save_variants
from posts.entities import tag_key
from posts.models import (
    ATTACHMENT_SIZES,
    Activity,
    Attachment,
    Bookmark,
    Boost,
    ExportJob,
    Like,
    Mention,
    Message,
    Post,
    PostEdit,
    Report,
    Tag,
    Tagging,
)


class PostFactory(factory.django.DjangoModelFactory):
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", nb_words=8)
    language = "en"

    class Meta:
        model = Post


class PostEditFactory(factory.django.DjangoModelFactory):
    """An earlier version of a post (what services.edit_post keeps); the post is not changed."""

    post = factory.SubFactory(PostFactory)
    body = factory.Faker("sentence", nb_words=6)
    content_warning = ""
    created_at = factory.LazyAttribute(lambda edit: edit.post.created_at)

    class Meta:
        model = PostEdit


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


def stored_picture(width: int = 120, height: int = 90, color: str = "teal") -> dict:
    """Store a small generated picture in the sizes of ATTACHMENT_SIZES, as publish_post would."""
    return save_variants(make_variants(Image.new("RGB", (width, height), color), ATTACHMENT_SIZES), folder="posts")


class AttachmentFactory(factory.django.DjangoModelFactory):
    """A picture of a post, with real (tiny) files under MEDIA_ROOT; the post's attachment_count follows."""

    post = factory.SubFactory(PostFactory)
    variants = factory.LazyFunction(stored_picture)
    width = factory.LazyAttribute(lambda picture: picture.variants["large"]["width"])
    height = factory.LazyAttribute(lambda picture: picture.variants["large"]["height"])
    alt_text = factory.Faker("sentence", nb_words=5)
    position = factory.LazyAttribute(lambda picture: picture.post.attachments.count())

    class Meta:
        model = Attachment

    @factory.post_generation
    def count_on_post(picture, create, extracted, **kwargs):
        if create:
            Post.objects.filter(pk=picture.post_id).update(attachment_count=F("attachment_count") + 1)
            picture.post.refresh_from_db(fields=["attachment_count"])


class ReportFactory(factory.django.DjangoModelFactory):
    """An open report of a person; `posts=[...]` names some of their posts."""

    reporter = factory.SubFactory(UserFactory)
    target = factory.SubFactory(UserFactory)
    category = Report.Category.SPAM
    comment = factory.Faker("sentence", nb_words=6)
    language = "en"

    class Meta:
        model = Report
        skip_postgeneration_save = True

    @factory.post_generation
    def posts(self, create, extracted, **kwargs):
        if create and extracted:
            self.posts.add(*extracted)
