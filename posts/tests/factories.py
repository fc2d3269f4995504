import factory

from accounts.tests.factories import UserFactory
from posts.models import Post


class PostFactory(factory.django.DjangoModelFactory):
    author = factory.SubFactory(UserFactory)
    body = factory.Faker("sentence", nb_words=8)
    language = "en"

    class Meta:
        model = Post
