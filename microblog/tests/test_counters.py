"""Every stored count equals the count of its rows after every path; repair, check and migrations."""

import ast
import re
import threading
from io import StringIO
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError, SystemCheckError
from django.db import OperationalError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from accounts import services as account_services
from accounts.models import Follow, User
from accounts.tests.factories import FollowFactory, UserFactory
from microblog import counters
from microblog.counters import COUNTERS, Counter, check_counter_triggers, create_sql, drift, missing_triggers
from posts import services as post_services
from posts.models import Message, Post
from posts.tests.factories import MessageFactory, PostFactory

pytestmark = pytest.mark.django_db

BY_NAME = {counter.name: counter for counter in COUNTERS}


def assert_no_drift() -> dict[str, int]:
    """Assert every declared counter equals its rows' count on every row; return each counter's total."""
    assert {counter.name: drift(connection, counter) for counter in COUNTERS} == dict.fromkeys(BY_NAME, 0)
    columns = [counter.column for counter in COUNTERS if counter.table == "accounts_user"]
    totals = [sum(values) for values in zip(*User.objects.values_list(*columns), strict=True)] or [0] * len(columns)
    return dict(zip(columns, totals, strict=True))


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out, stderr=out)
    return out.getvalue()


def test_the_declared_counters():
    assert set(BY_NAME) == {
        "post_count",
        "follower_count",
        "following_count",
        "unread_message_count",
        "unread_activity_count",
        "posts_post.reply_count",
        "posts_post.like_count",
        "posts_post.boost_count",
    }


# Every path that writes counted rows -----------------------------------------------------------


def test_every_counter_equals_the_real_count_after_every_path(moderator_client):
    alice, bob, carol = UserFactory.create_batch(3)
    assert_no_drift()

    # Services.
    post_services.publish_post(author=alice, body="hello")
    account_services.follow_user(follower=alice, followed=bob)
    account_services.follow_user(follower=bob, followed=alice)
    post_services.send_message(sender=bob, recipient=alice, body="hi")
    # Each follow notifies the person followed (posts.Activity, unread_activity_count).
    assert assert_no_drift() == {
        "post_count": 1,
        "follower_count": 2,
        "following_count": 2,
        "unread_message_count": 1,
        "unread_activity_count": 2,
    }

    # Factories, bulk inserts, queryset deletes.
    PostFactory.create_batch(3, author=bob)
    Post.objects.bulk_create(Post(author=carol, body=f"bulk {n}") for n in range(4))
    Follow.objects.bulk_create([Follow(follower=carol, followed=alice), Follow(follower=carol, followed=bob)])
    MessageFactory.create_batch(2, sender=carol, recipient=bob)
    assert_no_drift()
    Post.objects.filter(author=carol, body__in=["bulk 0", "bulk 1"]).delete()
    Follow.objects.filter(follower=carol).delete()
    Message.objects.filter(sender=carol).delete()
    assert assert_no_drift() == {
        "post_count": 6,
        "follower_count": 2,
        "following_count": 2,
        "unread_message_count": 1,
        "unread_activity_count": 2,
    }

    # Re-pointing updates (a data fix in the shell).
    Post.objects.filter(author=bob).update(author=carol)
    Message.objects.filter(recipient=alice).update(recipient=carol)
    assert_no_drift()

    # The admin: deactivation, reactivation, bulk delete of posts and messages.
    MessageFactory.create_batch(2, sender=bob, recipient=alice)
    moderator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "deactivate", "_selected_action": [bob.pk]}
    )
    assert assert_no_drift()["unread_message_count"] == 0  # every unread message is bob's
    moderator_client.post(
        reverse("admin:accounts_user_changelist"), {"action": "reactivate", "_selected_action": [bob.pk]}
    )
    assert assert_no_drift()["unread_message_count"] == 3
    chosen = list(Post.objects.filter(author=carol).values_list("pk", flat=True)[:2])
    delete = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    assert moderator_client.post(reverse("admin:posts_post_changelist"), delete).status_code == 302
    chosen = list(Message.objects.filter(recipient=alice).values_list("pk", flat=True)[:1])
    delete = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    assert moderator_client.post(reverse("admin:posts_message_changelist"), delete).status_code == 302
    assert_no_drift()

    # Reading, unfollowing, and cascades of a deleted account.
    post_services.mark_messages_read(user=User.objects.get(pk=alice.pk))
    account_services.unfollow_user(follower=alice, followed=bob)
    assert_no_drift()
    account_services.delete_account(user=User.objects.get(pk=bob.pk))
    assert assert_no_drift() == {
        "post_count": 4,
        "follower_count": 0,
        "following_count": 0,
        "unread_message_count": 0,
        "unread_activity_count": 0,
    }


def test_cascades_and_the_admin_delete_without_calling_any_service(moderator_client, monkeypatch):
    """Why triggers and not F() updates in the services: these paths never reach them."""

    def never(**kwargs):
        raise AssertionError("a service was called")

    for module, name in [(post_services, "delete_post"), (account_services, "unfollow_user")]:
        monkeypatch.setattr(module, name, never)
    alice, bob = UserFactory.create_batch(2)
    PostFactory.create_batch(3, author=bob)
    FollowFactory(follower=bob, followed=alice)
    MessageFactory(sender=bob, recipient=alice)
    chosen = list(Post.objects.filter(author=bob).values_list("pk", flat=True)[:2])

    delete = {"action": "delete_selected", "_selected_action": chosen, "post": "yes"}
    assert moderator_client.post(reverse("admin:posts_post_changelist"), delete).status_code == 302
    assert stored(bob)[0] == 1
    User.objects.filter(pk=bob.pk).delete()  # a queryset delete: Django cascades to posts, follows, messages

    assert stored(alice) == (0, 0, 0, 0)
    assert_no_drift()


# repair_counters -----------------------------------------------------------------------------


@pytest.fixture
def drifted():
    """Users whose stored counts were corrupted behind the triggers' back (raw SQL on the columns)."""
    alice, bob, carol = UserFactory.create_batch(3)
    PostFactory.create_batch(2, author=alice)
    FollowFactory(follower=bob, followed=alice)
    MessageFactory(sender=bob, recipient=carol)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE accounts_user SET post_count = 9 WHERE id IN (%s, %s)", [alice.pk, bob.pk])
        cursor.execute("UPDATE accounts_user SET follower_count = 0 WHERE id = %s", [alice.pk])
        cursor.execute("UPDATE accounts_user SET unread_message_count = 5 WHERE id = %s", [alice.pk])
    return alice, bob, carol


def stored(user) -> tuple:
    return User.objects.values_list("post_count", "follower_count", "following_count", "unread_message_count").get(
        pk=user.pk
    )


def test_repair_counters_reports_the_drift_per_counter_and_fixes_it(drifted):
    alice, bob, carol = drifted

    output = run("repair_counters")

    assert output.splitlines() == [
        "follower_count: 1 row fixed",
        "following_count: 0 rows fixed",
        "post_count: 2 rows fixed",
        "unread_message_count: 1 row fixed",
        "posts_post.reply_count: 0 rows fixed",
        "posts_post.like_count: 0 rows fixed",
        "posts_post.boost_count: 0 rows fixed",
        "unread_activity_count: 0 rows fixed",
        "Counters repaired.",
    ]
    assert (stored(alice), stored(bob), stored(carol)) == ((2, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1))
    assert "0 rows fixed" in run("repair_counters").splitlines()[2]


def test_repair_counters_dry_run_changes_nothing(drifted):
    alice, _bob, _carol = drifted

    output = run("repair_counters", "--dry-run")

    assert "post_count: 2 rows would be fixed" in output
    assert "Dry run: nothing was changed." in output
    assert stored(alice) == (9, 0, 0, 5)


def test_repair_counters_works_in_small_batches(drifted):
    alice, bob, carol = drifted
    UserFactory.create_batch(3)

    output = run("repair_counters", "--batch-size", "2")

    assert "post_count: 2 rows fixed" in output
    assert (stored(alice), stored(bob), stored(carol)) == ((2, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1))
    assert_no_drift()


def test_a_batch_rolled_back_by_a_deadlock_runs_again(drifted, monkeypatch):
    real, calls = counters._repair_batch, []

    def deadlock_once(*args):
        calls.append(args)
        if len(calls) == 1:
            raise OperationalError("deadlock detected")
        return real(*args)

    monkeypatch.setattr(counters, "_repair_batch", deadlock_once)

    assert counters.repair(connection, BY_NAME["post_count"]) == 2
    assert len(calls) == 3  # the failed batch, its retry, and the empty one that ends the walk


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_repair_beside_a_concurrent_write_loses_no_count():
    """A post inserted (and its author's row locked) while the repair runs is counted once.

    Without the batch's FOR UPDATE, the repair's UPDATE would wait for the writer's row
    lock, then count the posts as its own, older snapshot saw them: one post short.
    """
    alice = UserFactory()
    PostFactory(author=alice)
    User.objects.filter(pk=alice.pk).update(post_count=7)
    inserted, release, failures = threading.Event(), threading.Event(), []

    def in_thread(work):
        def run_it():
            try:
                work()
            except Exception as error:  # reported by the main thread
                failures.append(error)
            finally:
                connections.close_all()

        return threading.Thread(target=run_it)

    def write():
        with transaction.atomic():
            Post.objects.create(author_id=alice.pk, body="meanwhile", language="en")
            inserted.set()
            release.wait(60)

    writer = in_thread(write)
    repairer = in_thread(lambda: call_command("repair_counters", stdout=StringIO()))
    writer.start()
    assert inserted.wait(60)
    repairer.start()
    try:
        waiting = False
        for _attempt in range(600):  # the repair reaches the writer's lock, then waits on it
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE %s",
                    ["%FOR UPDATE%"],
                )
                waiting = cursor.fetchone()[0] > 0
            if waiting or not repairer.is_alive():
                break
            threading.Event().wait(0.05)
    finally:
        release.set()
        writer.join(60)
        repairer.join(60)

    assert not failures
    assert waiting
    assert stored(alice)[0] == 2
    assert_no_drift()


def test_repair_counters_refuses_a_bad_batch_size():
    with pytest.raises(CommandError, match="batch-size"):
        call_command("repair_counters", "--batch-size", "0")


@pytest.mark.parametrize("name", ["post_count", "follower_count", "unread_message_count"])
def test_repair_counters_creates_a_missing_trigger_again_then_recounts(drifted, name):
    alice, bob, _carol = drifted
    lost = trigger_of(name)
    drop(lost)
    PostFactory(author=alice)  # uncounted while the trigger is gone, if it is post_count's
    FollowFactory(follower=alice, followed=bob)
    MessageFactory(sender=bob, recipient=alice)

    output = run("repair_counters")

    table = BY_NAME[name].source
    assert f"Missing trigger {lost} on {table}: created again." in output
    assert missing_triggers(connection) == []
    assert check_counter_triggers(databases=["default"]) == []
    assert_no_drift()
    PostFactory(author=alice)
    MessageFactory(sender=bob, recipient=alice)
    assert stored(alice) == (4, 1, 1, 2)


def test_repair_counters_dry_run_only_names_a_missing_trigger(drifted):
    lost = trigger_of("post_count")
    drop(lost)

    output = run("repair_counters", "--dry-run")

    assert f"Missing trigger {lost} on posts_post: would be created again." in output
    assert missing_triggers(connection) == [(lost, "posts_post")]


@pytest.mark.django_db(transaction=True)
def test_repair_counters_refuses_an_unmigrated_database():
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("posts", "0006_unread_message_count_triggers")])
        with pytest.raises(CommandError, match="unapplied migrations"):
            call_command("repair_counters")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


# The system check ------------------------------------------------------------------------------


def trigger_of(name: str) -> str:
    """Return one trigger keeping the counter `name` on this database."""
    return counters.trigger_names(connection.vendor, [BY_NAME[name]])[0][0]


def drop(trigger: str) -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            table = dict(counters.trigger_names("postgresql", COUNTERS))[trigger]
            cursor.execute(f"DROP TRIGGER {trigger} ON {table}")
        else:
            cursor.execute(f"DROP TRIGGER {trigger}")


def test_no_trigger_is_missing_after_the_migrations():
    assert missing_triggers(connection) == []
    assert check_counter_triggers(databases=["default"]) == []


@pytest.mark.parametrize("name", ["post_count", "follower_count", "unread_message_count"])
def test_the_check_reports_a_dropped_trigger(name):
    trigger = trigger_of(name)
    drop(trigger)

    warnings = check_counter_triggers(databases=["default"])

    assert [warning.id for warning in warnings] == ["microblog.W001"]
    assert trigger in warnings[0].msg
    with pytest.raises(SystemCheckError, match=trigger):
        call_command("check", "--database", "default", "--fail-level", "WARNING", stdout=StringIO(), stderr=StringIO())


def test_a_missing_trigger_does_not_stop_migrate():
    drop(trigger_of("post_count"))

    call_command("migrate", verbosity=0)


@pytest.mark.parametrize("name", ["unread_message_count", "posts_post.like_count", "unread_activity_count"])
def test_the_check_reports_a_lost_recount_trigger(name):
    (recount,) = [
        trigger
        for trigger, _table in counters.trigger_names(connection.vendor, [BY_NAME[name]])
        if trigger.endswith("_on_is_active")
    ]
    drop(recount)

    assert recount in check_counter_triggers(databases=["default"])[0].msg


def test_the_check_needs_the_database_tag(capsys):
    drop(trigger_of("post_count"))

    assert check_counter_triggers(databases=None) == []
    call_command("check")  # as CI's `check --deploy` and `makemigrations --check` run: no database asked

    assert "W001" not in capsys.readouterr().out


# The migrations ------------------------------------------------------------------------------


MIGRATIONS = sorted(
    path for app in ("accounts", "posts") for path in (Path(settings.BASE_DIR) / app / "migrations").glob("0*.py")
)
COUNTER_MIGRATIONS = [
    path for path in MIGRATIONS if re.search(r"counter|unread_message_count_triggers|post_count_trigger", path.name)
]


def imported_modules(path: Path) -> set[str]:
    modules = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            modules |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            modules.add(node.module or "")
    return modules


@pytest.mark.parametrize("path", COUNTER_MIGRATIONS, ids=lambda path: f"{path.parent.parent.name}/{path.name}")
def test_counter_migrations_carry_their_own_sql_and_import_no_project_module(path):
    project = {"accounts", "posts", "microblog", "bench"}

    assert not {module for module in imported_modules(path) if module.split(".")[0] in project}
    assert "CREATE TRIGGER" in path.read_text()


def test_no_migration_that_runs_code_imports_a_project_module():
    """No data or SQL migration imports our code (a schema one may name a manager, as Django writes it)."""
    project = {"accounts", "posts", "microblog", "bench"}
    running = [path for path in MIGRATIONS if "RunPython" in path.read_text() or "RunSQL" in path.read_text()]

    importing = [path.name for path in running if {m.split(".")[0] for m in imported_modules(path)} & project]

    assert len(running) >= 6
    assert importing == []


def installed_sql() -> dict[str, str]:
    """Return each counter trigger's SQL as the database holds it (SQLite) or its function body (PostgreSQL)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT proname, prosrc FROM pg_proc WHERE pronamespace = current_schema()::regnamespace")
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(cursor.fetchall())


def test_the_database_runs_exactly_the_sql_the_declarations_render():
    """A declaration changed without its migration fails here (run `manage.py counter_migration`)."""
    installed = installed_sql()
    for statement in create_sql(connection.vendor, COUNTERS):
        if connection.vendor == "postgresql" and statement.startswith("CREATE OR REPLACE FUNCTION"):
            name = statement.split()[4].removesuffix("()")
            assert installed[name] == statement.split("$$")[1], name
        elif connection.vendor == "sqlite" and statement.startswith("CREATE TRIGGER"):
            name = statement.split()[2]
            assert installed[name] == statement, name


@pytest.mark.django_db(transaction=True)
def test_migrating_from_before_the_counters_fills_them_and_installs_every_trigger():
    executor = MigrationExecutor(connection)
    before = [("accounts", "0004_moderators_group"), ("posts", "0004_post_search_index")]
    try:
        executor.migrate(before)
        # The models of that time: the counter columns do not exist yet.
        old = MigrationExecutor(connection).loader.project_state(before).apps
        alice, bob = (
            old.get_model("accounts", "User").objects.create(username=name, email=f"{name}@example.com")
            for name in ("alice", "bob")
        )
        for body in ("one", "two"):
            old.get_model("posts", "Post").objects.create(author_id=alice.pk, body=body, language="en")
        old.get_model("accounts", "Follow").objects.create(follower_id=bob.pk, followed_id=alice.pk)
        old.get_model("posts", "Message").objects.create(sender_id=bob.pk, recipient_id=alice.pk, body="hi")

        executor = MigrationExecutor(connection)
        middle = [("accounts", "0006_user_unread_message_count"), ("posts", "0006_unread_message_count_triggers")]
        executor.migrate(middle)
        legacy = stored(alice)
        # The frozen first triggers count too (through that time's model: later columns do not exist yet).
        MigrationExecutor(connection).loader.project_state(middle).apps.get_model("posts", "Post").objects.create(
            author_id=alice.pk, body="three", language="en"
        )
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())

        assert legacy == (2, 1, 0, 1)
        assert stored(alice) == (3, 1, 0, 1)
        assert missing_triggers(connection) == []
        MessageFactory(recipient_id=alice.pk)
        FollowFactory(follower_id=alice.pk, followed_id=bob.pk)
        assert stored(alice) == (3, 1, 1, 2)
        assert_no_drift()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_the_trigger_swap_can_be_undone_with_the_old_triggers_working():
    executor = MigrationExecutor(connection)
    try:
        middle = [("accounts", "0006_user_unread_message_count"), ("posts", "0006_unread_message_count_triggers")]
        executor.migrate(middle)
        # That time's models: the columns of later migrations (conversations) do not exist yet.
        old = MigrationExecutor(connection).loader.project_state(middle).apps
        alice, bob = (
            old.get_model("accounts", "User").objects.create(username=name, email=f"{name}@example.com")
            for name in ("alice", "bob")
        )
        old.get_model("posts", "Post").objects.create(author_id=alice.pk, body="one", language="en")
        old.get_model("accounts", "Follow").objects.create(follower_id=bob.pk, followed_id=alice.pk)
        old.get_model("posts", "Message").objects.create(sender_id=bob.pk, recipient_id=alice.pk, body="hi")

        assert stored(alice) == (1, 1, 0, 1)
        assert len(missing_triggers(connection)) == len(counters.trigger_names(connection.vendor, COUNTERS))
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert missing_triggers(connection) == []


# Declaring and generating ---------------------------------------------------------------------


def test_counter_migration_prints_a_frozen_migration_for_a_counter():
    module = run("counter_migration", "posts", "post_count", "--print")

    tree = ast.parse(module)
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}

    assert imported == {"django.db"}
    assert "(SELECT COUNT(*) FROM posts_post AS counted WHERE counted.author_id = accounts_user.id)" in module
    assert "posts_post_counts_accounts_user" in module
    assert "atomic = False" in module  # the fill takes its own batches


def test_the_written_migration_installs_and_removes_the_triggers():
    module = run("counter_migration", "posts", "post_count", "--print")
    migration = {}
    exec(compile(module, "0099_post_count_counter.py", "exec"), migration)
    author = UserFactory()
    editor = SimpleNamespace(connection=connection)  # the functions read only its connection

    migration["backwards"](None, editor)
    assert {name for name, _table in missing_triggers(connection)} == {
        name for name, _table in counters.trigger_names(connection.vendor, [BY_NAME["post_count"]])
    }
    PostFactory(author=author)  # not counted: no trigger
    migration["forwards"](None, editor)
    assert stored(author)[0] == 0
    migration["fill"](None, editor)

    assert missing_triggers(connection) == []
    assert stored(author)[0] == 1  # the migration counted the rows already there
    PostFactory(author=author)
    assert stored(author)[0] == 2


def test_counter_migration_adds_the_column_when_no_migration_has_it():
    from posts.management.commands.counter_migration import Command, render_migration

    loader = MigrationExecutor(connection).loader
    before = loader.project_state(("accounts", "0004_moderators_group"))  # no counter columns yet
    new = [BY_NAME["follower_count"]]

    fields = Command()._new_columns(new, "accounts", before)
    module = render_migration(new, {("accounts", "0004_moderators_group")}, "Followers.", fields)

    assert [(model, field.name) for model, field in fields] == [("user", "follower_count")]
    compile(module, "migration.py", "exec")
    assert "from django.db import migrations, models" in module
    assert "AddFieldKeepingTriggers(\n            model_name='user',\n            name='follower_count'" in module
    assert module.index("AddFieldKeepingTriggers(\n") < module.index("migrations.RunPython(forwards")
    assert Command()._new_columns(new, "accounts", loader.project_state()) == []
    with pytest.raises(CommandError, match="new to the migrations of 'accounts'"):
        Command()._new_columns(new, "posts", before)


def test_counter_migration_refuses_an_unknown_counter():
    with pytest.raises(CommandError, match="Not declared: like_count"):
        call_command("counter_migration", "posts", "like_count", "--print")


def test_a_counter_declared_twice_or_with_too_long_a_name_is_refused():
    with pytest.raises(ValueError, match="declared twice"):
        counters.declare(BY_NAME["post_count"])
    with pytest.raises(ValueError, match="too long"):
        Counter(table="accounts_user", column="c", source="a_table_with_a_very_long_name_indeed_really", key="k")


def test_a_counter_of_rows_in_its_own_table_renders_unambiguous_sql():
    """The replies of a post (coming next): the counted and the counting rows share posts_post."""
    replies = Counter(table="posts_post", column="reply_count", source="posts_post", key="in_reply_to_id")

    assert replies.name == "posts_post.reply_count"
    assert replies.counted() == (
        "(SELECT COUNT(*) FROM posts_post AS counted WHERE counted.in_reply_to_id = posts_post.id)"
    )
    assert "WHERE posts_post.id = NEW.in_reply_to_id;" in create_sql("sqlite", [replies])[3]
