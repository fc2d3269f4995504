from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from posts.exports import write_posts_json


class Command(BaseCommand):
    help = "Write a user's posts as JSON (the same format as the emailed export) to stdout or a file."

    def add_arguments(self, parser):
        parser.add_argument("username", help="whose posts to export")
        parser.add_argument("-o", "--output", help="write to this file instead of stdout")

    def handle(self, *args, username, output, **options):
        user = User.objects.named(username).first()
        if user is None:
            raise CommandError(f"No user is called {username!r}.")
        if output:
            try:
                with open(output, "w", encoding="utf-8") as out:
                    count = write_posts_json(user, out)
            except OSError as error:
                raise CommandError(f"Cannot write {output}: {error}") from error
            self.stderr.write(f"Wrote {count} posts to {output}.")
        else:
            self.stdout.ending = ""  # the JSON is written in pieces; no newline after each
            write_posts_json(user, self.stdout)
