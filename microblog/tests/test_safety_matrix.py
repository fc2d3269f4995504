"""Who sees a person across blocks and mutes: every page and API call that shows posts or people.

Ana writes posts, replies, boosts and likes, follows Carl, messages and mentions
everyone. Five people look at what she did: one who follows her, a stranger, one who
follows and mutes her, one she blocked and one who blocked her. SEES names, for every
URL that shows posts or people, which of them find Ana there; every other URL name is
in NO_ONE_SHOWN with the reason. A new URL in neither fails
`test_every_url_has_a_rule`: decide what it shows and add a row.
"""

from types import SimpleNamespace

import pytest
from django.test import Client
from django.urls import reverse

from accounts import services
from accounts.tests.factories import UserFactory, bearer
from microblog.tests.test_authorization import PUBLIC, url_names
from posts import services as post_services
from posts.tests.factories import PostFactory

pytestmark = pytest.mark.django_db

VIEWERS = ("follower", "stranger", "muter", "blocked", "blocker")
# The words only Ana's posts, her about-me and her messages hold.
POST_WORD, ABOUT_WORD, MESSAGE_WORD, NAME = "zebrafinch", "xylophonist", "quokkagram", "anastasia"

THREE = {"follower", "stranger", "muter"}  # everyone not on the other side of a block
FEED = {"follower", "stranger"}  # a feed that is not only your follows: mutes apply as well

# URL name -> (arguments, query, what marks Ana on the page, who finds it there).
# `who` may also be a dict when the page differs (home: only people who follow her).
SEES = {
    "posts:home": ([], {}, POST_WORD, {"follower"}),
    "posts:explore": ([], {}, POST_WORD, FEED),
    "posts:tag": (["safetytag"], {}, POST_WORD, FEED),
    "posts:search": ([], {"q": "writes"}, POST_WORD, THREE),
    "posts:profile": ([NAME], {}, POST_WORD, THREE),
    "posts:profile_replies": ([NAME], {}, POST_WORD, THREE),
    "posts:post": (["post"], {}, POST_WORD, THREE),
    "posts:reply": (["post"], {}, POST_WORD, THREE),
    "posts:history": (["post"], {}, POST_WORD, THREE),
    "posts:likes": (["carls"], {}, NAME, THREE),
    "posts:boosts": (["carls"], {}, NAME, THREE),
    "posts:bookmarks": ([], {}, POST_WORD, THREE),
    "posts:activity": ([], {}, NAME, FEED),
    "posts:messages": ([], {}, NAME, THREE),
    "posts:conversation": ([NAME], {}, MESSAGE_WORD, THREE),
    "posts:send_message": ([NAME], {}, MESSAGE_WORD, THREE),  # redirects to the conversation
    "posts:message_recipients": ([], {"q": "anas"}, NAME, THREE),
    "accounts:popup": ([NAME], {}, ABOUT_WORD, THREE),
    "posts:report": (["post"], {}, POST_WORD, THREE),  # the form lists the person's recent posts
    "posts:report_user": ([NAME], {}, POST_WORD, THREE),
    "accounts:followers": (["carl"], {}, NAME, THREE),
    "accounts:following": (["carl"], {}, NAME, THREE),
    "api:feed": ([], {}, POST_WORD, {"follower"}),
    "api:posts": ([], {}, POST_WORD, FEED),
    "api:tag_posts": (["safetytag"], {}, POST_WORD, FEED),
    "api:post": (["post"], {}, POST_WORD, THREE),
    "api:post_context": (["carls"], {}, POST_WORD, THREE),
    "api:post_history": (["post"], {}, "drafts", THREE),  # the version before her edit
    "api:user_posts": (["ana"], {}, POST_WORD, THREE),
    "api:user": (["ana"], {}, ABOUT_WORD, THREE),
    "api:users": ([], {}, NAME, THREE),
    "api:followers": (["carl_id"], {}, NAME, THREE),
    "api:following": (["carl_id"], {}, NAME, THREE),
    "api:bookmarks": ([], {}, POST_WORD, THREE),
    "api:notifications": ([], {}, NAME, FEED),
}

# What the other URLs show, and why no rule of SEES applies to them.
NO_ONE_SHOWN = {
    # Actions: what each refuses across a block is tested in accounts/tests/test_safety.py.
    "posts:delete": "an action on your own post",
    "posts:edit": "your own post (anyone else's is a 404)",
    "posts:like": "an action",
    "posts:unlike": "an action",
    "posts:boost": "an action",
    "posts:unboost": "an action",
    "posts:bookmark": "an action",
    "posts:unbookmark": "an action",
    "accounts:follow": "an action",
    "accounts:unfollow": "an action",
    "accounts:block": "an action (its page asks first)",
    "accounts:unblock": "an action",
    "accounts:mute": "an action (its page asks how long)",
    "accounts:unmute": "an action",
    "api:follow": "an action",
    "api:block": "an action",
    "api:mute": "an action",
    "api:post_like": "an action",
    "api:post_boost": "an action",
    "api:post_bookmark": "an action",
    "api:reports": "an action: a report names its posts by id",
    "posts:translate": "translates the text sent, shows nobody",
    "posts:export_posts": "an action on your own posts",
    # Your own things.
    "accounts:blocks": "your own blocks: the people you chose",
    "accounts:mutes": "your own mutes: the people you chose",
    "api:blocks": "your own blocks",
    "api:mutes": "your own mutes",
    "posts:export_download": "your own posts",
    "posts:new_message": "an empty form",
    "posts:messages_sent": "a redirect to the inbox",
    "accounts:password_change": "your own account",
    "accounts:edit_profile": "your own account",
    "accounts:delete_account": "your own account",
    "accounts:two_factor": "your own account",
    "accounts:two_factor_setup": "your own account",
    "accounts:two_factor_disable": "your own account",
    "accounts:recovery_codes": "your own account",
    "accounts:notifications": "your own badge counts and task progress",
}


def test_every_url_has_a_rule():
    names = {name for name in url_names() if not name.startswith("admin:")} - PUBLIC
    missing = names - set(SEES) - set(NO_ONE_SHOWN)
    stale = (set(SEES) | set(NO_ONE_SHOWN)) - names

    assert not missing, f"say in SEES or NO_ONE_SHOWN what these URLs show across a block: {sorted(missing)}"
    assert not stale, f"these names are no longer URLs: {sorted(stale)}"


@pytest.fixture
def world():
    """Ana's posts, replies, boosts, likes, follows and messages, then the five viewers' relations to her."""
    ana = UserFactory(username=NAME, about_me=f"I am a {ABOUT_WORD}")
    carl = UserFactory(username="carl")
    services.follow_user(follower=ana, followed=carl)
    services.follow_user(follower=carl, followed=ana)
    carls = PostFactory(author=carl, body="carl's question")
    post = post_services.publish_post(author=ana, body=f"Ana drafts {POST_WORD} #safetytag")
    post_services.edit_post(post=post, editor=ana, body=f"Ana writes {POST_WORD} #safetytag")
    post_services.publish_post(author=ana, body=f"Ana answers {POST_WORD}", in_reply_to=carls)
    post_services.like_post(user=ana, post=carls)
    post_services.boost_post(user=ana, post=carls)
    viewers = {kind: UserFactory(username=kind) for kind in VIEWERS}
    for kind, viewer in viewers.items():
        post_services.bookmark_post(user=viewer, post=post)
        post_services.publish_post(author=ana, body=f"@{kind} look: {POST_WORD}")
        post_services.send_message(sender=ana, recipient=viewer, body=f"a {MESSAGE_WORD} for you")
        if kind in ("follower", "muter", "blocked", "blocker"):
            services.follow_user(follower=viewer, followed=ana)
    services.mute_user(muter=viewers["muter"], muted=ana)
    services.block_user(blocker=ana, blocked=viewers["blocked"])
    services.block_user(blocker=viewers["blocker"], blocked=ana)
    return SimpleNamespace(ana=ana, carl=carl, carls=carls, post=post, viewers=viewers)


def resolve(world, arguments):
    named = {"post": world.post.pk, "carls": world.carls.pk, "ana": world.ana.pk, "carl_id": world.carl.pk}
    return [named.get(argument, argument) for argument in arguments]


@pytest.mark.parametrize("viewer", VIEWERS)
@pytest.mark.parametrize("name", sorted(SEES))
def test_who_finds_ana(world, name, viewer):
    arguments, query, mark, who = SEES[name]
    client = Client()
    user = world.viewers[viewer]
    headers = {}
    if name.startswith("api:"):
        headers = bearer(user)
    else:
        client.force_login(user)

    response = client.get(reverse(name, args=resolve(world, arguments)), query, headers=headers, follow=True)

    text = response.content.decode()
    if viewer in who:
        assert response.status_code == 200, text[:500]
        assert mark in text, f"{viewer} should find Ana on {name}"
    else:
        assert response.status_code in (200, 404), text[:500]
        assert mark not in text, f"{viewer} should not find Ana on {name}"
        if viewer in ("blocked", "blocker"):  # nothing of hers at all, whatever the page's mark
            assert POST_WORD not in text
            assert ABOUT_WORD not in text
            assert MESSAGE_WORD not in text
