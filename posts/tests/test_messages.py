"""Private messages as conversations: the inbox, a conversation, New message and its suggestions."""

import re
from datetime import timedelta
from uuid import uuid4

import factory
import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Notification, User
from accounts.tests.factories import UserFactory
from posts.models import Message
from posts.services import mark_messages_read, send_message
from posts.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db

INBOX = reverse("posts:messages")
NEW = reverse("posts:new_message")
SUGGESTIONS = reverse("posts:message_recipients")


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def conversation(username: str) -> str:
    return reverse("posts:conversation", args=[username])


def unread_badge(client) -> str:
    content = client.get(reverse("posts:explore")).content.decode()
    start = content.index('id="message-count"')
    return content[start : content.index("</span>", start)]


def stored_unread(user) -> int:
    return User.objects.values_list("unread_message_count", flat=True).get(pk=user.pk)


def counted_unread(user) -> int:
    return Message.objects.unread_for(User.objects.get(pk=user.pk)).count()


def ago(minutes: int):
    return timezone.now() - timedelta(minutes=minutes)


def token_of(html: str) -> str:
    return re.search(r'name="form_token" value="([^"]+)"', html).group(1)


# The inbox ------------------------------------------------------------------------------


def test_the_inbox_needs_a_login(client):
    response = client.get(INBOX)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_the_inbox_has_one_row_per_person_in_both_directions_newest_first(client, me):
    ana, bob, cai = UserFactory(username="ana"), UserFactory(username="bob"), UserFactory(username="cai")
    MessageFactory(sender=cai, recipient=me, body="old news", created_at=ago(300))
    MessageFactory(sender=ana, recipient=me, body="hi me", created_at=ago(60))
    MessageFactory(sender=me, recipient=ana, body="hi ana", created_at=ago(5))
    MessageFactory(sender=me, recipient=bob, body="first to bob", created_at=ago(50))
    MessageFactory(sender=bob, recipient=me, body="bob answers", created_at=ago(20))
    MessageFactory(sender=ana, recipient=bob, body="not mine")  # between two others
    MessageFactory(sender=cai, recipient=UserFactory(), body="not mine either")

    response = client.get(INBOX)

    rows = response.context["conversations"]
    assert [(row.person, row.last_message.body, row.last_is_mine) for row in rows] == [
        (ana, "hi ana", True),
        (bob, "bob answers", False),
        (cai, "old news", False),
    ]
    html = response.content.decode()
    assert "You: hi ana" in html
    assert "not mine" not in html
    assert f'href="{conversation("bob")}"' in html


def test_the_inbox_marks_the_people_whose_messages_you_have_not_read(client, me):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    MessageFactory.create_batch(2, sender=ana, recipient=me)
    MessageFactory(sender=bob, recipient=me)
    client.get(conversation("bob"))
    MessageFactory(sender=me, recipient=bob)

    response = client.get(INBOX)

    assert {row.person.username: row.unread for row in response.context["conversations"]} == {"ana": 2, "bob": 0}
    html = response.content.decode()
    assert re.search(r'badge rounded-pill text-bg-primary">2<span class="visually-hidden"> unread messages', html)
    assert stored_unread(me) == 2  # the inbox only lists them: nothing was marked


def test_messages_read_by_the_old_inbox_stay_read(client, me):
    ana = UserFactory(username="ana")
    MessageFactory(sender=ana, recipient=me, created_at=ago(60))
    mark_messages_read(user=me)
    MessageFactory(sender=ana, recipient=me)

    (row,) = client.get(INBOX).context["conversations"]

    assert row.unread == 1 == stored_unread(me) == counted_unread(me)


def test_the_inbox_hides_conversations_with_deactivated_people(client, me):
    gone = UserFactory(username="gone", is_active=False)
    MessageFactory(sender=gone, recipient=me)
    MessageFactory(sender=me, recipient=gone)

    assert list(client.get(INBOX).context["conversations"]) == []


def test_the_inbox_pages_by_person_without_counting(client, me):
    people = UserFactory.create_batch(26)
    for minutes, person in enumerate(people):
        MessageFactory(sender=person, recipient=me, created_at=ago(minutes))
        MessageFactory(sender=me, recipient=person, created_at=ago(minutes + 100))  # older: no second row

    first = client.get(INBOX)
    second = client.get(INBOX, {"page": 2})

    assert [row.person for row in first.context["conversations"]] == people[:25]
    assert [row.person for row in second.context["conversations"]] == people[25:]
    assert first.context["page_obj"].has_next()
    assert not second.context["page_obj"].has_next()
    assert 'href="?page=2"' in first.content.decode()
    assert [row.person for row in client.get(INBOX, {"page": "x"}).context["conversations"]] == people[:25]
    assert client.get(INBOX, {"page": 99}).status_code == 200


def test_the_inbox_runs_a_fixed_number_of_queries(client, me, django_assert_max_num_queries):
    MessageFactory(sender=UserFactory(), recipient=me)
    client.get(INBOX)  # last_seen is fresh from here on
    with django_assert_max_num_queries(6) as one:
        client.get(INBOX)
    for person in UserFactory.create_batch(30):
        MessageFactory.create_batch(2, sender=person, recipient=me)
        MessageFactory(sender=me, recipient=person)
    with django_assert_max_num_queries(6) as many:
        client.get(INBOX)

    assert len(many.captured_queries) == len(one.captured_queries)
    assert not any("COUNT(*) FROM posts_message\n" in q["sql"] for q in many.captured_queries)


def test_an_empty_inbox_offers_a_new_message(client, me):
    html = client.get(INBOX).content.decode()

    assert f'href="{NEW}"' in html
    assert "No messages yet." in html


def test_the_old_sent_tab_goes_to_the_inbox(client, me):
    response = client.get(reverse("posts:messages_sent"))

    assert (response.status_code, response["Location"]) == (302, INBOX)


def test_message_bodies_are_escaped(client, me):
    MessageFactory(sender=UserFactory(username="ana"), recipient=me, body="<img src=x onerror=alert(1)>")

    for url in (INBOX, conversation("ana")):
        assert "<img src=x" not in client.get(url).content.decode()


# A conversation ---------------------------------------------------------------------------


def test_a_conversation_shows_both_directions_oldest_first_and_only_ours(client, me):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    first = MessageFactory(sender=ana, recipient=me, body="hello", created_at=ago(30))
    second = MessageFactory(sender=me, recipient=ana, body="hi ana", created_at=ago(20))
    third = MessageFactory(sender=ana, recipient=me, body="how are you", created_at=ago(10))
    MessageFactory(sender=bob, recipient=me, body="from bob")
    MessageFactory(sender=ana, recipient=bob, body="ana to bob")

    response = client.get(conversation("ana"))

    assert response.context["conversation"] == [first, second, third]
    html = response.content.decode()
    assert "from bob" not in html
    assert "ana to bob" not in html
    assert html.index("hello") < html.index("hi ana") < html.index("how are you") < html.index('name="body"')


def test_another_users_conversation_is_only_yours_with_them(client, me):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    MessageFactory(sender=ana, recipient=bob, body="a secret of theirs")

    response = client.get(conversation("bob"))

    assert response.context["conversation"] == []
    assert "a secret of theirs" not in response.content.decode()


def test_a_long_conversation_pages_back_in_time(client, me):
    ana = UserFactory(username="ana")
    same_time = ago(100)
    older = [MessageFactory(sender=ana, recipient=me, created_at=same_time) for _ in range(3)]  # one instant
    newer = [
        MessageFactory(sender=me if minutes % 2 else ana, recipient=ana if minutes % 2 else me, created_at=ago(minutes))
        for minutes in range(26, 0, -1)
    ]
    everything = older + newer

    latest = client.get(conversation("ana"))
    cursor = re.search(r'href="\?(before=[0-9-]+)" rel="prev">Earlier messages', latest.content.decode()).group(1)
    earlier = client.get(f"{conversation('ana')}?{cursor}")

    assert latest.context["conversation"] == everything[-25:]
    assert earlier.context["conversation"] == everything[:-25]
    assert not earlier.context["earlier"]
    assert f'href="{conversation("ana")}">Latest messages' in earlier.content.decode()
    assert client.get(f"{conversation('ana')}?before=garbage").context["conversation"] == everything[-25:]


def test_a_conversation_runs_a_fixed_number_of_queries(client, me, django_assert_max_num_queries):
    ana = UserFactory(username="ana")
    MessageFactory(sender=ana, recipient=me)
    client.get(conversation("ana"))
    with django_assert_max_num_queries(8) as one:
        client.get(conversation("ana"))
    for _ in range(30):
        MessageFactory(sender=ana, recipient=me)
        MessageFactory(sender=me, recipient=ana)
    with django_assert_max_num_queries(12) as unread:  # marking them read: one UPDATE, one refresh
        client.get(conversation("ana"))
    with django_assert_max_num_queries(8) as many:
        client.get(conversation("ana"))

    assert len(many.captured_queries) == len(one.captured_queries)
    marking = [q["sql"] for q in unread.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(marking) == len(one.captured_queries) + 2


def test_opening_a_conversation_marks_that_persons_messages_read_and_keeps_the_count_exact(client, me):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    MessageFactory.create_batch(3, sender=ana, recipient=me)
    MessageFactory.create_batch(2, sender=bob, recipient=me)
    MessageFactory(sender=ana, recipient=bob)  # bob's to read, not mine

    response = client.get(conversation("ana"))

    assert len(response.context["new_ids"]) == 3  # this page still shows them as new
    assert response.content.decode().count(">new</span>") == 3
    assert response.context["unread_message_count"] == 2  # the navbar of this very page
    assert stored_unread(me) == counted_unread(me) == 2
    assert stored_unread(bob) == counted_unread(bob) == 1
    assert not Message.objects.filter(sender=ana, recipient=me, read_at__isnull=True).exists()
    assert unread_badge(client).endswith(">2")

    assert client.get(conversation("ana")).context["new_ids"] == set()


def test_messages_read_by_the_old_inbox_are_not_new_in_the_conversation(client, me):
    ana = UserFactory(username="ana")
    MessageFactory(sender=ana, recipient=me, created_at=ago(60))
    mark_messages_read(user=me)
    fresh = MessageFactory(sender=ana, recipient=me)

    assert client.get(conversation("ana")).context["new_ids"] == {fresh.pk}


def test_a_conversation_with_a_missing_or_deactivated_person_is_a_404(client, me):
    UserFactory(username="gone", is_active=False)

    assert client.get(conversation("ghost")).status_code == 404
    assert client.get(conversation("gone")).status_code == 404
    assert client.post(conversation("ghost"), {"body": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_a_conversation_with_yourself_goes_back_to_the_inbox_with_a_message(client, me):
    response = client.post(conversation("me"), {"body": "hello me"}, follow=True)

    assert response.redirect_chain == [(INBOX, 302)]
    assert "You cannot send a message to yourself." in response.content.decode()
    assert not Message.objects.exists()


def test_the_username_in_the_address_is_read_in_any_letter_case(client, me):
    UserFactory(username="Ana")

    assert client.get(conversation("ana")).context["person"].username == "Ana"


def test_sending_stays_in_the_conversation(client, me):
    ana = UserFactory(username="ana")
    page = client.get(conversation("ana")).content.decode()

    response = client.post(conversation("ana"), {"body": "Hi Ana!", "form_token": token_of(page)}, follow=True)

    message = Message.objects.get()
    assert (message.sender, message.recipient, message.body) == (me, ana, "Hi Ana!")
    assert response.redirect_chain == [(f"{conversation('ana')}#message-{message.pk}", 302)]
    assert response.context["conversation"] == [message]
    assert stored_unread(ana) == 1


@pytest.mark.parametrize("body", ["", "   ", "\u200b", "x" * 141, "x" * 100_000])
def test_a_bad_reply_shows_a_form_error_with_the_text_kept(client, me, body):
    ana = UserFactory(username="ana")
    MessageFactory(sender=ana, recipient=me, body="earlier words")

    response = client.post(conversation("ana"), {"body": body})

    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert response.context["form"]["body"].value() == body
    assert "earlier words" in response.content.decode()  # the conversation is still there
    assert Message.objects.count() == 1


def test_two_identical_posts_of_one_form_send_one_message(client, me):
    UserFactory(username="ana")
    token = token_of(client.get(conversation("ana")).content.decode())

    first = client.post(conversation("ana"), {"body": "only once", "form_token": token})
    again = client.post(conversation("ana"), {"body": "only once", "form_token": token})

    assert Message.objects.count() == 1
    assert first["Location"] == again["Location"] == f"{conversation('ana')}#message-{Message.objects.get().pk}"


def test_a_kept_form_written_again_is_a_new_message(client, me):
    """The back button can bring the form back with its token: a new text is not swallowed."""
    UserFactory(username="ana")
    token = str(uuid4())

    client.post(conversation("ana"), {"body": "first", "form_token": token})
    client.post(conversation("ana"), {"body": "second", "form_token": token})

    assert sorted(Message.objects.values_list("body", flat=True)) == ["first", "second"]


@pytest.mark.parametrize("token", ["", "not-a-uuid", "x" * 5000])
def test_a_missing_or_garbled_token_still_sends(client, me, token):
    UserFactory(username="ana")

    response = client.post(conversation("ana"), {"body": "hi", "form_token": token})

    assert response.status_code == 302
    assert Message.objects.get().form_token is None


def test_the_same_token_from_two_people_is_two_messages(me):
    ana, bob = UserFactory.create_batch(2)
    token = uuid4()

    send_message(sender=ana, recipient=me, body="hi", form_token=token)
    send_message(sender=bob, recipient=me, body="hi", form_token=token)

    assert Message.objects.count() == 2


# The old addresses ----------------------------------------------------------------------


def test_the_profile_link_opens_the_conversation(client, me):
    UserFactory(username="bob")

    response = client.get(reverse("posts:send_message", args=["bob"]))

    assert (response.status_code, response["Location"]) == (302, conversation("bob"))


def test_the_old_form_address_still_sends(client, me):
    bob = UserFactory(username="bob")

    response = client.post(reverse("posts:send_message", args=["bob"]), {"body": "Hi Bob!"})

    message = Message.objects.get()
    assert (message.sender, message.recipient, message.body) == (me, bob, "Hi Bob!")
    assert response["Location"] == f"{conversation('bob')}#message-{message.pk}"


def test_send_message_needs_a_login(client):
    bob = UserFactory()

    response = client.get(reverse("posts:send_message", args=[bob.username]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_you_cannot_message_yourself(client, me):
    response = client.post(reverse("posts:send_message", args=["me"]), {"body": "hello me"}, follow=True)

    assert "You cannot send a message to yourself." in response.content.decode()
    assert not Message.objects.exists()


def test_messaging_an_unknown_user_is_404(client, me):
    assert client.get(reverse("posts:send_message", args=["ghost"])).status_code == 404


# New message ----------------------------------------------------------------------------


def test_new_message_has_a_recipient_field_that_works_as_plain_text(client, me):
    html = client.get(NEW, {"to": "bob"}).content.decode()

    field = re.search(r'<input type="text" name="recipient"[^>]*>', html).group(0)
    assert 'value="bob"' in field
    assert 'list="recipient-suggestions"' in field
    assert f'data-suggestions-url="{SUGGESTIONS}"' in field
    assert '<datalist id="recipient-suggestions"></datalist>' in html


@pytest.mark.parametrize("typed", ["bob", "Bob", "@bob", "  BOB "])
def test_new_message_sends_and_goes_to_the_conversation(client, me, typed):
    bob = UserFactory(username="bob")

    response = client.post(NEW, {"recipient": typed, "body": "Hello Bob"})

    message = Message.objects.get()
    assert (message.sender, message.recipient, message.body) == (me, bob, "Hello Bob")
    assert response["Location"] == f"{conversation('bob')}#message-{message.pk}"


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("ghost", "There is no one called ghost here."),
        ("gone", "There is no one called gone here."),
        ("me", "You cannot send a message to yourself."),
        ("ME", "You cannot send a message to yourself."),
        ("", "Enter the username of the person to write to."),
        ("bo\x00b", "Null characters are not allowed."),
        ("x" * 151, "Ensure this value has at most 150 characters (it has 151)."),
        ("%", "There is no one called % here."),
    ],
)
def test_new_message_to_no_one_is_a_form_error_with_the_text_kept(client, me, typed, error):
    UserFactory(username="bob")
    UserFactory(username="gone", is_active=False)

    response = client.post(NEW, {"recipient": typed, "body": "keep me"})

    assert response.status_code == 200
    assert response.context["form"].errors["recipient"] == [error]
    assert "keep me</textarea>" in response.content.decode()
    assert not Message.objects.exists()


def test_new_message_with_a_bad_body_keeps_the_recipient(client, me):
    UserFactory(username="bob")

    response = client.post(NEW, {"recipient": "bob", "body": "x" * 141})

    assert response.context["form"].errors["body"]
    assert 'value="bob"' in response.content.decode()
    assert not Message.objects.exists()


def test_new_message_ignores_odd_form_data(client, me):
    UserFactory(username="bob")

    response = client.post(NEW, {"recipient": ["ghost", "bob"], "body": ["hi", "there"], "form_token": ["a", "b"]})

    assert response.status_code == 302
    assert Message.objects.get().body == "there"  # QueryDict gives the last value, as Django does


# The username suggestions ----------------------------------------------------------------


def test_suggestions_need_a_login(client):
    response = client.get(SUGGESTIONS, {"q": "a"})

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"


def test_suggestions_are_active_usernames_starting_with_the_text_in_any_case(client, me):
    for name in ["Anabel", "ana", "banana", "anton", "Zed"]:
        UserFactory(username=name)
    UserFactory(username="anagone", is_active=False)

    assert client.get(SUGGESTIONS, {"q": "AN"}).json() == {"usernames": ["ana", "Anabel", "anton"]}
    assert client.get(SUGGESTIONS, {"q": "@ana"}).json() == {"usernames": ["ana", "Anabel"]}
    assert client.get(SUGGESTIONS, {"q": "me"}).json() == {"usernames": []}  # not yourself


def test_suggestions_are_limited(client, me):
    UserFactory.create_batch(12, username=factory.Sequence(lambda n: f"sam{n}"))

    assert len(client.get(SUGGESTIONS, {"q": "sam"}).json()["usernames"]) == 8


@pytest.mark.parametrize("query", ["", " ", "%", "_", "\\", "'", "\x00", "a\x00", "x" * 10_000, "é", "😀", "a%b"])
def test_suggestions_survive_odd_input(client, me, query):
    UserFactory(username="a_b")

    response = client.get(SUGGESTIONS, {"q": query})

    assert response.status_code == 200
    assert response.json()["usernames"] in ([], ["a_b"])
    if query in {"%", "a%b", ""}:
        assert response.json()["usernames"] == []  # LIKE's wildcards are text here


def test_an_underscore_is_an_underscore(client, me):
    UserFactory(username="a_b")
    UserFactory(username="axb")

    assert client.get(SUGGESTIONS, {"q": "a_"}).json() == {"usernames": ["a_b"]}


def test_suggestions_cost_a_fixed_number_of_queries(client, me, django_assert_max_num_queries):
    client.get(SUGGESTIONS, {"q": "a"})  # last_seen is fresh
    UserFactory.create_batch(20, username=factory.Sequence(lambda n: f"ab{n}"))
    with django_assert_max_num_queries(4):  # session, user, blocks and mutes, the names
        client.get(SUGGESTIONS, {"q": "ab"})


# The navbar badge and the poll ------------------------------------------------------------


def test_unread_badge_counts_until_the_conversations_are_opened(client, me):
    ana, bob = UserFactory(username="ana"), UserFactory(username="bob")
    assert "hidden" in unread_badge(client)
    send_message(sender=ana, recipient=me, body="one")
    send_message(sender=bob, recipient=me, body="two")

    assert unread_badge(client).endswith(">2")
    client.get(INBOX)
    assert unread_badge(client).endswith(">2")
    client.get(conversation("ana"))
    assert unread_badge(client).endswith(">1")
    client.get(conversation("bob"))
    assert "hidden" in unread_badge(client)


class TestNotifications:
    def test_the_poll_reports_the_unread_count_of_the_user_row(self, client, me):
        send_message(sender=UserFactory(), recipient=me, body="one")
        send_message(sender=UserFactory(), recipient=me, body="two")

        unread, activity = client.get(reverse("accounts:notifications")).json()

        assert (unread["name"], unread["data"]) == ("unread_message_count", 2)
        assert (activity["name"], activity["data"]) == ("unread_activity_count", 0)
        assert not Notification.objects.filter(user=me).exists()

    def test_reading_the_conversation_sets_it_to_zero(self, client, me):
        send_message(sender=UserFactory(username="ana"), recipient=me, body="hello")

        client.get(conversation("ana"))

        assert client.get(reverse("accounts:notifications")).json()[0]["data"] == 0

    def test_endpoint_returns_only_mine_newer_than_since_oldest_first(self, client, me):
        send_message(sender=UserFactory(), recipient=me, body="hello")
        Notification.objects.create(user=me, name="task_progress", payload={"progress": 5}, timestamp=2e9)
        Notification.objects.create(user=UserFactory(), name="task_progress", payload={}, timestamp=2e9)

        everything = client.get(reverse("accounts:notifications")).json()
        later = client.get(reverse("accounts:notifications"), {"since": "1999999999.5"}).json()

        assert [n["name"] for n in everything] == ["unread_message_count", "unread_activity_count", "task_progress"]
        assert everything[0] == {"name": "unread_message_count", "data": 1, "timestamp": 0}
        assert later == [
            {"name": "unread_message_count", "data": 1, "timestamp": 1999999999.5},
            {"name": "unread_activity_count", "data": 0, "timestamp": 1999999999.5},
            {"name": "task_progress", "data": {"progress": 5}, "timestamp": 2e9},
        ]

    @pytest.mark.parametrize("since", ["abc", "nan", "inf", "-1", "1e999", "0x10"])
    def test_bad_since_is_a_400_json_error(self, client, me, since):
        response = client.get(reverse("accounts:notifications"), {"since": since})

        assert response.status_code == 400
        assert response.json()["error"] == "Bad Request"

    def test_anonymous_callers_get_401_json(self, client):
        response = client.get(reverse("accounts:notifications"))

        assert response.status_code == 401
        assert response.json()["error"] == "Unauthorized"

    def test_the_poll_is_cheap(self, client, me, django_assert_max_num_queries):
        client.get(reverse("posts:explore"))  # last_seen is fresh now
        with django_assert_max_num_queries(3):  # session, user, notifications
            client.get(reverse("accounts:notifications"), {"since": "0"})

    def test_the_poll_does_not_write_the_session(self, client, me):
        client.get(reverse("posts:explore"))
        before = client.session.session_key

        response = client.get(reverse("accounts:notifications"))

        assert "sessionid" not in response.cookies
        assert client.session.session_key == before


def test_a_deleted_account_takes_its_messages_and_notifications(me):
    bob = UserFactory()
    send_message(sender=me, recipient=bob, body="to bob")
    send_message(sender=bob, recipient=me, body="to me")

    me.delete()

    assert not Message.objects.exists()
    assert not Notification.objects.filter(user_id=me.pk).exists()


def test_notifications_get_is_the_only_method(me):
    client = Client()
    client.force_login(me)

    assert client.post(reverse("accounts:notifications")).status_code == 405
