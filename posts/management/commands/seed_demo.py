import random
from datetime import timedelta
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from tqdm import tqdm

from accounts.models import Follow, User
from posts import demo
from posts.models import Post

DEMO_PASSWORD = "demo-password-2024"  # printed for the demo login on purpose
BATCH = 5000


class Command(BaseCommand):
    help = (
        "Fill the database with demo users, English and Spanish posts over the last year and "
        "follows. Bulk inserts: a million posts take minutes. Every demo user's password is "
        f"'{DEMO_PASSWORD}'."
    )

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=50, help="how many users (default 50)")
        parser.add_argument("--posts", type=int, default=1000, help="how many posts in all (default 1000)")
        parser.add_argument("--follows-per-user", type=int, default=10, help="average follows per user (default 10)")
        parser.add_argument("--days", type=int, default=365, help="spread posts over this many days (default 365)")
        parser.add_argument("--seed", type=int, default=42, help="random seed, for repeatable data sets")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the database has users")

    def handle(self, *args, users, posts, follows_per_user, days, seed, if_empty, **options):
        if users < 1 or posts < 0 or follows_per_user < 0 or days < 1:
            raise CommandError("--users and --days must be positive; --posts and --follows-per-user not negative.")
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
            people = self._create_users(users, rng)
            self._create_follows(people, follows_per_user, rng)
            self._create_posts(people, posts, days, rng)
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

    def _create_follows(self, people, per_user, rng):
        if len(people) < 2 or per_user == 0:
            return
        weights = demo.author_weights(len(people), skew=0.8)
        per_user = min(per_user, len(people) - 1)

        def edges():
            for person in people:
                chosen = {p.pk for p in rng.choices(people, weights=weights, k=per_user)} - {person.pk}
                for pk in chosen:
                    yield Follow(follower_id=person.pk, followed_id=pk)

        self._bulk(Follow, edges(), len(people) * per_user, "follows", ignore_conflicts=True)

    def _create_posts(self, people, count, days, rng):
        weights = demo.author_weights(len(people))
        now = timezone.now()
        span = days * 86400

        # Oldest first, as a live site writes them: the table's physical order then follows
        # created_at, which is what "the newest posts" scans of every page rely on.
        ages = sorted((rng.randint(0, span) for _ in range(count)), reverse=True)

        def rows():
            for author, age in zip(rng.choices(people, weights=weights, k=count), ages, strict=True):
                body, language = demo.post_text(rng)
                yield Post(author_id=author.pk, body=body, language=language, created_at=now - timedelta(seconds=age))

        self._bulk(Post, rows(), count, "posts")

    def _bulk(self, model, rows, total, label, **options):
        rows = iter(rows)
        with tqdm(total=total, desc=label, unit=" rows", file=self.stderr, disable=total < BATCH) as bar:
            while batch := list(islice(rows, BATCH)):
                with transaction.atomic():
                    model.objects.bulk_create(batch, batch_size=BATCH, **options)
                bar.update(len(batch))
