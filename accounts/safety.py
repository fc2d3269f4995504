"""Who a signed-in person keeps away: the one place that reads blocks and mutes for a request.

A block works both ways: the blocker and the blocked never see each other's posts,
boosts, replies or profile, and neither can follow, message, reply to, like, boost or
notify the other. A mute is one-sided and silent: the muted person's posts and boosts
leave the muter's feeds and notifications, and fold away in threads.

Every page and API call that lists posts or people asks `boundaries_of(viewer)` once:
one query of three index ranges, kept on the user object for the rest of the request
(none at all for a visitor). The lists then leave those people out in SQL
(posts.timelines, posts.search, posts.threads, the people lists) and single lookups
go through `PostQuerySet.visible_to()` / `UserQuerySet.visible_to()`, so a blocked
post is a 404 like a deleted one. Writes check `keeps_away()` in the services.
docs/security.md says what each tool does and does not do.
"""

from dataclasses import dataclass

from django.db.models import Exists, IntegerField, Q, Value
from django.utils import timezone

from accounts.models import Block, Mute, User

# What a row of the boundaries query says about the other person.
BLOCKING, BLOCKED_BY, MUTING = 1, 2, 3


@dataclass(frozen=True)
class Boundaries:
    """The ids of the people a viewer blocked, who blocked the viewer, and whom the viewer mutes."""

    blocking: frozenset[int] = frozenset()
    blocked_by: frozenset[int] = frozenset()
    muting: frozenset[int] = frozenset()

    @property
    def blocked(self) -> frozenset[int]:
        """Everyone on the other side of a block, whichever side started it."""
        return self.blocking | self.blocked_by

    def hidden(self, *, muting: bool = True) -> frozenset[int]:
        """The people left out of a list: the blocked, and the muted too where mutes apply (feeds)."""
        return self.blocked | self.muting if muting else self.blocked

    def __bool__(self) -> bool:
        return bool(self.blocking or self.blocked_by or self.muting)


NOBODY = Boundaries()
_ATTRIBUTE = "_safety_boundaries"


def boundaries_of(viewer) -> Boundaries:
    """Return `viewer`'s boundaries, read once per user object (one query; none for a visitor)."""
    if viewer is None or not viewer.is_authenticated:
        return NOBODY
    known = getattr(viewer, _ATTRIBUTE, None)
    if known is not None:
        return known
    kind = IntegerField()
    rows = (
        Block.objects.filter(blocker=viewer.pk)
        .values_list("blocked_id", Value(BLOCKING, output_field=kind))
        .union(
            Block.objects.filter(blocked=viewer.pk).values_list("blocker_id", Value(BLOCKED_BY, output_field=kind)),
            Mute.objects.in_force().filter(muter=viewer.pk).values_list("muted_id", Value(MUTING, output_field=kind)),
            all=True,
        )
    )
    found: dict[int, set[int]] = {BLOCKING: set(), BLOCKED_BY: set(), MUTING: set()}
    for person, relation in rows:
        found[relation].add(person)
    known = Boundaries(*(frozenset(found[relation]) for relation in (BLOCKING, BLOCKED_BY, MUTING)))
    setattr(viewer, _ATTRIBUTE, known)
    return known


def forget(*users) -> None:
    """Drop the boundaries kept on these user objects, after a block or mute between them changed."""
    for user in users:
        if user is not None and _ATTRIBUTE in getattr(user, "__dict__", {}):
            delattr(user, _ATTRIBUTE)


def blocked_between(one, other) -> bool:
    """Whether a block stands between two people, either way (one query)."""
    one_id, other_id = getattr(one, "pk", one), getattr(other, "pk", other)
    return Block.objects.filter(Q(blocker=one_id, blocked=other_id) | Q(blocker=other_id, blocked=one_id)).exists()


def keeps_away(recipient_id: int, actor_id: int) -> bool:
    """Whether `recipient_id` must not hear from `actor_id`: a block either way, or a mute in force (one query)."""
    blocks = Block.objects.filter(Q(blocker=recipient_id, blocked=actor_id) | Q(blocker=actor_id, blocked=recipient_id))
    mutes = Mute.objects.in_force(timezone.now()).filter(muter=recipient_id, muted=actor_id)
    return User.objects.filter(pk=recipient_id).filter(Exists(blocks) | Exists(mutes)).exists()


@dataclass(frozen=True)
class Relation:
    """What stands between a viewer and one person: what their profile and popup show."""

    blocking: bool = False  # the viewer blocked the person
    blocked_by: bool = False  # the person blocked the viewer
    muting: bool = False  # the viewer mutes the person

    @property
    def blocked(self) -> bool:
        return self.blocking or self.blocked_by


def relation_to(viewer, person) -> Relation:
    """Return what stands between `viewer` and `person`, from the viewer's boundaries (no query once read)."""
    if person is None or not viewer.is_authenticated or viewer.pk == person.pk:
        return Relation()
    boundaries = boundaries_of(viewer)
    return Relation(
        blocking=person.pk in boundaries.blocking,
        blocked_by=person.pk in boundaries.blocked_by,
        muting=person.pk in boundaries.muting,
    )
