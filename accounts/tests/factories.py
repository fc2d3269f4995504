import base64

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from PIL import Image

from accounts.models import Block, Follow, Mute, Notification
from accounts.services import issue_api_token, regenerate_recovery_codes, set_avatar

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

    @factory.post_generation
    def avatar(self, create, extracted, **kwargs):
        """`UserFactory(avatar=True)` (or a colour name) uploads a 600x400 picture as the avatar."""
        if create and extracted:
            colour = extracted if isinstance(extracted, str) else "teal"
            set_avatar(user=self, image=Image.new("RGB", (600, 400), colour))


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


class TOTPDeviceFactory(factory.django.DjangoModelFactory):
    """A confirmed authenticator: its user has two-factor sign-in on (recovery codes: `with_two_factor`)."""

    user = factory.SubFactory(UserFactory)
    name = "authenticator"
    confirmed = True

    class Meta:
        model = TOTPDevice


def totp_code(device, offset_steps: int = 0) -> str:
    """Return the 6-digit code `device`'s authenticator app shows now (or `offset_steps` steps away)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=offset_steps):06d}"


def with_two_factor(user) -> tuple[TOTPDevice, list[str]]:
    """Turn two-factor sign-in on for `user`; return the authenticator and the ten recovery codes."""
    return TOTPDeviceFactory(user=user), regenerate_recovery_codes(user=user)


def bearer(user) -> dict:
    """Return request headers carrying a fresh API token of `user`."""
    return {"Authorization": f"Bearer {issue_api_token(user=user)}"}


def basic(login: str, password: str = DEFAULT_PASSWORD) -> dict:
    """Return request headers carrying HTTP Basic credentials."""
    credentials = base64.b64encode(f"{login}:{password}".encode()).decode()
    return {"Authorization": f"Basic {credentials}"}


class BlockFactory(factory.django.DjangoModelFactory):
    blocker = factory.SubFactory(UserFactory)
    blocked = factory.SubFactory(UserFactory)

    class Meta:
        model = Block


class MuteFactory(factory.django.DjangoModelFactory):
    muter = factory.SubFactory(UserFactory)
    muted = factory.SubFactory(UserFactory)
    expires_at = None

    class Meta:
        model = Mute
