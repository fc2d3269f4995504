import contextlib
import random
from bisect import bisect
from collections import deque
from datetime import timedelta
from itertools import accumulate, islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Follow, User
from microblog.counters import COUNTERS, repair
from posts import demo
from posts.entities import parse, tag_key
from posts.models import Activity, Bookmark, Boost, Like, Mention, Post, Tag, Tagging

DEMO_PASSWORD = "demo-password-2024"  # printed for the demo login on purpose
BATCH = 5000
# Interactions per post, on average.
REPLY_SHARE = 0.2
LIKES_PER_POST = 3
BOOSTS_PER_POST = 0.3
BOOKMARKS_PER_POST = 0.2
# A reply answers one of this many latest posts: conversations happen within days.
REPLY_WINDOW = 20_000
# The longest thread: one conversation with this many replies, for the thread page's benchmark.
BIG_THREAD = 200


class Command(BaseCommand):
    help = (
        "Fill the database with demo users, English and Spanish posts over the last year, "
        "follows, replies (threads several levels deep), likes, boosts, bookmarks, hashtags, "
        "mentions and their notifications. The last --sparse-users users follow people picked "
        "uniformly at random (quiet feeds); the others mostly follow the popular few. Bulk "
        "inserts: a million posts take minutes. Every demo user's password is "
        f"'{DEMO_PASSWORD}'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50, help="how many users (default 50)")
        parser.add_argument("--posts", type=int, default=1000, help="how many posts in all (default 1000)")
        parser.add_argument("--follows-per-user", type=int, default=10, help="average follows per user (default 10)")
        parser.add_argument(
            "--sparse-users",
            type=int,
            default=None,
            help="how many of the users (the last ones) follow uniformly at random (default: a tenth)",
        )
        parser.add_argument("--days", type=int, default=365, help="spread posts over this many days (default 365)")
        parser.add_argument("--seed", type=int, default=42, help="random seed, for repeatable data sets")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has users")

    def handle(self, *args, users, posts, follows_per_user, sparse_users, days, seed, if_empty, **options):
        if sparse_users is None:
            sparse_users = users // 10
        if users < 1 or posts < 0 or follows_per_user < 0 or days < 1 or not 0 <= sparse_users <= users:
            raise CommandError(
                "--users and --days must be positive; --posts and --follows-per-user not negative; "
                "--sparse-users between 0 and --users."
            )
        if User.objects.exists():
            if if_empty:
                self.stdout.write("The database already has users: no demo data added.")
                return
            # Usernames are unique in any case: "Alice" blocks the demo "alice".
            demo_names = [demo.username_for(i) for i in range(users)]
            taken = User.objects.alias(name=Lower("username")).filter(name__in=demo_names[:1000])
            if taken.exists():
                raise CommandError("Demo users already exist; seed an empty database (or a fresh DATABASE_URL).")
        rng = random.Random(seed)
        try:
            with self._counter_triggers_off() as off:
                people = self._create_users(users, rng)
                self._create_follows(people[: users - sparse_users], people, follows_per_user, rng, skewed=True)
                self._create_follows(people[users - sparse_users :], people, follows_per_user, rng, skewed=False)
                now = timezone.now()
                times = self._create_posts(people, posts, days, rng, now)
                self._create_reactions(people, times, rng, now)
                self._create_activity()
            if off:
                self._recount()
        except IntegrityError as error:
            raise CommandError(
                f"The demo data clashes with existing rows ({error}); seed an empty database."
            ) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo data ready: {users} users, {posts} posts. "
                f"Log in as '{people[0].username}' with password '{DEMO_PASSWORD}'."
            )
        )

    @contextlib.contextmanager
    def _counter_triggers_off(self):
        """On PostgreSQL, run the inserts without triggers (counters and foreign-key checks).

        Each inserted like, boost, reply and notification otherwise runs an UPDATE of its
        post or user: millions of them. `session_replication_role` is this connection's
        alone (a live site's writes keep their triggers) and needs a superuser; without
        one the triggers stay on and count as they go. Yields whether they were off, in
        which case every counter is recounted afterwards.
        """
        off = False
        if connection.vendor == "postgresql":
            try:
                with transaction.atomic(), connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = replica")
                off = True
            except DatabaseError:
                off = False
        try:
            yield off
        finally:
            if off:
                with connection.cursor() as cursor:
                    cursor.execute("SET session_replication_role = DEFAULT")

    def _recount(self):
        """Set every declared counter from the rows, as `manage.py repair_counters` does."""
        # Statistics first: without them the planner counts each post's likes by scanning
        # the whole (just filled) likes table, seconds per batch instead of milliseconds.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        for counter in tqdm(COUNTERS, desc="counters", unit=" counters", file=self.stderr):
            repair(connection, counter, batch_size=BATCH)

    def _create_users(self, count, rng):
        password = make_password(DEMO_PASSWORD)  # hash once: hashing is slow on purpose
        now = timezone.now()
        usernames = [demo.username_for(i) for i in range(count)]
        rows = (
            User(
                username=demo.username_for(i),
                email=f"{demo.username_for(i)}@example.com",
                password=password,
                about_me=demo.about_for(rng),
                date_joined=now - timedelta(days=400),
                last_seen=now - timedelta(minutes=rng.randint(0, 60 * 24 * 30)),
            )
            for i in range(count)
        )
        self._bulk(User, rows, count, "users")
        return list(User.objects.filter(username__in=usernames).order_by("pk").only("pk", "username"))

    def _create_follows(self, followers, people, per_user, rng, *, skewed):
        """Make each of `followers` follow ~`per_user` of `people`: mostly the popular few, or anyone alike."""
        if len(people) < 2 or per_user == 0 or not followers:
            return
        weights = demo.author_weights(len(people), skew=0.8) if skewed else None
        per_user = min(per_user, len(people) - 1)

        def edges():
            for person in followers:
                if skewed:
                    chosen = {p.pk for p in rng.choices(people, weights=weights, k=per_user)} - {person.pk}
                else:
                    chosen = [p.pk for p in rng.sample(people, per_user + 1) if p.pk != person.pk][:per_user]
                for pk in chosen:
                    yield Follow(follower_id=person.pk, followed_id=pk)

        label = "follows" if skewed else "uniform follows"
        self._bulk(Follow, edges(), len(followers) * per_user, label, ignore_conflicts=True)

    def _create_posts(self, people, count, days, rng, now):
        """Insert posts oldest first, a fifth of them replies, with their tags and mentions.

        Return (post id, author id, age in seconds) of every post, oldest first, for the
        reactions to come (ints: a million datetimes would take a hundred megabytes more).
        """
        weights = demo.author_weights(len(people))
        span = days * 86400
        usernames = [person.username for person in people]
        user_ids = {person.username.lower(): person.pk for person in people}
        tags = self._create_tags(now - timedelta(seconds=span))

        # Oldest first, as a live site writes them: the table's physical order then follows
        # created_at, which is what "the newest posts" scans of every page rely on.
        ages = sorted((rng.randint(0, span) for _ in range(count)), reverse=True)
        authors = rng.choices(people, weights=weights, k=count)
        # (id, author id, conversation root id) of the latest posts, which replies answer.
        recent = deque(maxlen=REPLY_WINDOW)
        big_thread: list[tuple[int, int, int]] = []  # the first post's conversation
        big_thread_left = min(BIG_THREAD, count // 20)
        times: list[tuple[int, int, int]] = []

        # Small data sets are inserted in ten batches or so, so that they get replies too.
        size = max(1, min(BATCH, count // 10))

        def batches():
            rows = iter(zip(authors, ages, strict=True))
            while batch := list(islice(rows, size)):
                yield batch

        with tqdm(total=count, desc="posts", unit=" rows", file=self.stderr, disable=count < BATCH) as bar:
            for batch in batches():
                posts, big_in_batch = [], 0
                for author, age in batch:
                    body, language = demo.post_text(rng)
                    post = Post(
                        author_id=author.pk,
                        body=demo.decorate(body, rng, usernames, weights),
                        language=language,
                        created_at=now - timedelta(seconds=age),
                    )
                    # Replies answer posts of earlier batches only, whose ids are known (and older).
                    if recent and rng.random() < REPLY_SHARE:
                        if big_thread_left > 0 and big_in_batch < BIG_THREAD // 8:
                            # A few per batch: the thread grows over weeks, and deep.
                            big_thread_left -= 1
                            big_in_batch += 1
                            parent = rng.choice(big_thread)
                        else:
                            parent = rng.choice(recent)
                        post.in_reply_to_id, post.conversation = parent[0], parent[2]
                    posts.append(post)
                with transaction.atomic():
                    Post.objects.bulk_create(posts, batch_size=BATCH)
                    self._store_entities(posts, tags, user_ids)
                for post, (_author, age) in zip(posts, batch, strict=True):
                    row = (post.pk, post.author_id, post.conversation or post.pk)
                    recent.append(row)
                    if not big_thread or post.conversation == big_thread[0][0]:
                        big_thread.append(row)
                    times.append((post.pk, post.author_id, age))
                bar.update(len(posts))
        return times

    def _create_tags(self, first_used):
        """Create the demo's tags (and the rare words'), return their ids by key."""
        names = [*demo.TAGS, *demo.RARE_WORDS]
        Tag.objects.bulk_create([Tag(name=name, key=tag_key(name), created_at=first_used) for name in names])
        return dict(Tag.objects.values_list("key", "pk"))

    def _store_entities(self, posts, tags, user_ids):
        """Store the tags and mentions of `posts`, read from their bodies by the site's one parser."""
        taggings, mentions = [], []
        for post in posts:
            entities = parse(post.body)
            for name in entities.tags:
                if (tag_id := tags.get(tag_key(name))) is not None:
                    taggings.append(Tagging(post_id=post.pk, tag_id=tag_id, created_at=post.created_at))
            for name in entities.mentions:
                if (user_id := user_ids.get(name.lower())) is not None:
                    mentions.append(Mention(post_id=post.pk, user_id=user_id))
        Tagging.objects.bulk_create(taggings, batch_size=BATCH)
        Mention.objects.bulk_create(mentions, batch_size=BATCH)

    def _create_reactions(self, people, times, rng, now):
        """Insert likes, boosts and bookmarks, most on popular authors' posts, a while after each post."""
        if not times or len(people) < 2:
            return
        rank = {person.pk: index for index, person in enumerate(people)}
        author_weights = demo.author_weights(len(people))
        # A post's pull: its author's popularity times its own luck (a few posts take off).
        pull = list(accumulate(author_weights[rank[author]] * rng.paretovariate(1.5) for _, author, _ in times))
        actors = list(accumulate(demo.author_weights(len(people), skew=0.5)))
        for model, per_post, label in (
            (Like, LIKES_PER_POST, "likes"),
            (Boost, BOOSTS_PER_POST, "boosts"),
            (Bookmark, BOOKMARKS_PER_POST, "bookmarks"),
        ):
            total = round(len(times) * per_post)
            chosen = set()
            for _ in range(total):
                index = bisect(pull, rng.random() * pull[-1])
                user = people[bisect(actors, rng.random() * actors[-1])].pk
                if user != times[index][1]:
                    chosen.add((index, user))
            # Oldest first, as they would have happened.
            events = []
            for index, user in chosen:
                post_id, _author, age = times[index]
                # Hours after the post, mostly; never in the future.
                age -= min(rng.expovariate(1 / (6 * 3600)), age)
                events.append((-age, post_id, user))
            events.sort()
            rows = (
                model(user_id=user, post_id=post_id, created_at=now + timedelta(seconds=at))
                for at, post_id, user in events
            )
            self._bulk(model, rows, len(events), label)

    def _create_activity(self):
        """Write the notification of every follow, like, boost, reply and mention, in one INSERT each.

        INSERT ... SELECT: the rows are all in the database already, and a notification
        is a join of them (what posts.services writes, one event at a time, on a live site).
        """
        activity, post, mention = Activity._meta.db_table, Post._meta.db_table, Mention._meta.db_table
        columns = (
            f"INSERT INTO {activity} (recipient_id, actor_id, kind, post_id, follow_id, like_id, boost_id, created_at)"
        )
        statements = [
            f"{columns} SELECT f.followed_id, f.follower_id, %s, NULL, f.id, NULL, NULL, f.created_at "
            f"FROM {Follow._meta.db_table} f",
            f"{columns} SELECT p.author_id, l.user_id, %s, l.post_id, NULL, l.id, NULL, l.created_at "
            f"FROM {Like._meta.db_table} l JOIN {post} p ON p.id = l.post_id WHERE p.author_id <> l.user_id",
            f"{columns} SELECT p.author_id, b.user_id, %s, b.post_id, NULL, NULL, b.id, b.created_at "
            f"FROM {Boost._meta.db_table} b JOIN {post} p ON p.id = b.post_id WHERE p.author_id <> b.user_id",
            f"{columns} SELECT parent.author_id, r.author_id, %s, r.id, NULL, NULL, NULL, r.created_at "
            f"FROM {post} r JOIN {post} parent ON parent.id = r.in_reply_to_id WHERE parent.author_id <> r.author_id",
            # A reply that mentions the author it answers notifies once, as a reply.
            f"{columns} SELECT m.user_id, p.author_id, %s, p.id, NULL, NULL, NULL, p.created_at "
            f"FROM {mention} m JOIN {post} p ON p.id = m.post_id WHERE p.author_id <> m.user_id AND NOT EXISTS "
            f"(SELECT 1 FROM {post} parent WHERE parent.id = p.in_reply_to_id AND parent.author_id = m.user_id)",
        ]
        kinds = [Activity.Kind.FOLLOW, Activity.Kind.LIKE, Activity.Kind.BOOST, Activity.Kind.REPLY]
        kinds.append(Activity.Kind.MENTION)
        with connection.cursor() as cursor:
            for statement, kind in tqdm(
                list(zip(statements, kinds, strict=True)), desc="notifications", unit=" kinds", file=self.stderr
            ):
                with transaction.atomic():
                    cursor.execute(statement, [str(kind)])

    def _bulk(self, model, rows, total, label, **options):
        rows = iter(rows)
        with tqdm(total=total, desc=label, unit=" rows", file=self.stderr, disable=total < BATCH) as bar:
            while batch := list(islice(rows, BATCH)):
                with transaction.atomic():
                    model.objects.bulk_create(batch, batch_size=BATCH, **options)
                bar.update(len(batch))
