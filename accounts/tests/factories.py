import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from accounts.models import Follow, Notification

DEFAULT_PASSWORD = "correct horse battery staple"


class UserFactory(factory.django.DjangoModelFactory):
    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda user: f"{user.username}@example.com")
    password = factory.django.Password(DEFAULT_PASSWORD)
    about_me = factory.Faker("sentence", nb_words=6)
    last_seen = factory.LazyFunction(timezone.now)

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    class Params:
        superuser = factory.Trait(is_staff=True, is_superuser=True)


class FollowFactory(factory.django.DjangoModelFactory):
    follower = factory.SubFactory(UserFactory)
    followed = factory.SubFactory(UserFactory)

    class Meta:
        model = Follow


class NotificationFactory(factory.django.DjangoModelFactory):
    user = factory.SubFactory(UserFactory)
    name = factory.Sequence(lambda n: f"notice{n}")
    payload = factory.LazyFunction(dict)
    timestamp = factory.LazyFunction(lambda: timezone.now().timestamp())

    class Meta:
        model = Notification
