from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PostsConfig(AppConfig):
    name = "posts"
    verbose_name = _("Posts")

    def ready(self):
        from accounts.signals import account_deleting, user_blocked, user_followed
        from posts import checks, counters  # noqa: F401 - registers the system checks, declares the counters

        user_followed.connect(_notify_follow, dispatch_uid="posts.notify_follow")
        account_deleting.connect(_forget_account_files, dispatch_uid="posts.forget_account_files")
        user_blocked.connect(_forget_between, dispatch_uid="posts.forget_between")


def _notify_follow(sender, follow, **kwargs):
    from posts.services import notify_follow

    notify_follow(follow=follow)


def _forget_account_files(sender, user, **kwargs):
    from posts.services import forget_account_files

    forget_account_files(user=user)


def _forget_between(sender, blocker, blocked, **kwargs):
    from posts.services import forget_between

    forget_between(blocker=blocker, blocked=blocked)
