import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Notification
from accounts.tests.factories import UserFactory
from posts.models import Message
from posts.services import send_message
from posts.tests.factories import MessageFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def me(client):
    user = UserFactory(username="me")
    client.force_login(user)
    return user


def unread_badge(client) -> str:
    content = client.get(reverse("posts:explore")).content.decode()
    start = content.index('id="message-count"')
    return content[start : content.index("</span>", start)]


def test_send_message_needs_a_login(client):
    bob = UserFactory()

    response = client.get(reverse("posts:send_message", args=[bob.username]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_sending_a_message_goes_back_to_the_profile_with_a_message(client, me):
    bob = UserFactory(username="bob")

    response = client.post(reverse("posts:send_message", args=["bob"]), {"body": "Hi Bob!"}, follow=True)

    assert response.redirect_chain == [(reverse("posts:profile", args=["bob"]), 302)]
    assert "Your message has been sent." in response.content.decode()
    message = Message.objects.get()
    assert (message.sender, message.recipient, message.body) == (me, bob, "Hi Bob!")


@pytest.mark.parametrize("body", ["", "   ", "x" * 141])
def test_bad_messages_show_a_form_error(client, me, body):
    UserFactory(username="bob")

    response = client.post(reverse("posts:send_message", args=["bob"]), {"body": body})

    assert response.status_code == 200
    assert response.context["form"].errors["body"]
    assert not Message.objects.exists()


def test_you_cannot_message_yourself(client, me):
    response = client.post(reverse("posts:send_message", args=["me"]), {"body": "hello me"}, follow=True)

    assert "You cannot send a message to yourself." in response.content.decode()
    assert not Message.objects.exists()


def test_messaging_an_unknown_user_is_404(client, me):
    assert client.get(reverse("posts:send_message", args=["ghost"])).status_code == 404


def test_inbox_lists_received_messages_newest_first_and_only_mine(client, me):
    first = MessageFactory(recipient=me)
    second = MessageFactory(recipient=me)
    MessageFactory()  # someone else's

    response = client.get(reverse("posts:messages"))

    assert list(response.context["messages_list"]) == [second, first]


def test_sent_tab_lists_what_i_sent(client, me):
    sent = MessageFactory(sender=me)
    MessageFactory(recipient=me)

    response = client.get(reverse("posts:messages_sent"))

    assert list(response.context["messages_list"]) == [sent]


def test_unread_badge_counts_until_the_inbox_is_opened(client, me):
    assert "hidden" in unread_badge(client)
    send_message(sender=UserFactory(), recipient=me, body="one")
    send_message(sender=UserFactory(), recipient=me, body="two")
    me.refresh_from_db()

    assert unread_badge(client).endswith(">2")

    client.get(reverse("posts:messages"))

    assert "hidden" in unread_badge(client)


def test_nobody_reads_another_users_inbox(client, me):
    other = UserFactory()
    MessageFactory(recipient=other, body="secret for other")

    content = client.get(reverse("posts:messages")).content.decode()

    assert "secret for other" not in content


def test_message_bodies_are_escaped(client, me):
    MessageFactory(recipient=me, body="<img src=x onerror=alert(1)>")

    content = client.get(reverse("posts:messages")).content.decode()

    assert "<img src=x" not in content


def test_inbox_runs_a_fixed_number_of_queries(client, me, django_assert_max_num_queries):
    MessageFactory(recipient=me)
    client.get(reverse("posts:messages"))  # the first visit creates the notification row
    MessageFactory(recipient=me)
    with django_assert_max_num_queries(16) as one:
        client.get(reverse("posts:messages"))
    MessageFactory.create_batch(20, recipient=me)
    with django_assert_max_num_queries(16) as many:
        client.get(reverse("posts:messages"))
    with django_assert_max_num_queries(16) as read:  # nothing unread: nothing to mark
        client.get(reverse("posts:messages"))

    assert len(many.captured_queries) == len(one.captured_queries)
    assert len(read.captured_queries) < len(one.captured_queries)


class TestNotifications:
    def test_the_poll_reports_the_unread_count_of_the_user_row(self, client, me):
        send_message(sender=UserFactory(), recipient=me, body="one")
        send_message(sender=UserFactory(), recipient=me, body="two")

        unread, activity = client.get(reverse("accounts:notifications")).json()

        assert (unread["name"], unread["data"]) == ("unread_message_count", 2)
        assert (activity["name"], activity["data"]) == ("unread_activity_count", 0)
        assert not Notification.objects.filter(user=me).exists()

    def test_reading_the_inbox_sets_it_to_zero(self, client, me):
        send_message(sender=UserFactory(), recipient=me, body="hello")

        client.get(reverse("posts:messages"))

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
