from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = _("Posts")

    def ready(self):
        from accounts.signals import user_followed
        from posts import checks, counters  # noqa: F401 - registers the system checks, declares the counters

        user_followed.connect(_notify_follow, dispatch_uid="posts.notify_follow")


def _notify_follow(sender, follow, **kwargs):
    from posts.services import notify_follow

    notify_follow(follow=follow)
