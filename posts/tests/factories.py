import factory

from accounts.tests.factories import UserFactory
from posts.models import Boost, ExportJob, Message, Post


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


class BoostFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    post = factory.SubFactory(PostFactory)

    class Meta:
        model = Boost
