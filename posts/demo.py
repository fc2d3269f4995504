"""Realistic demo content for seed_demo: people, bilingual posts, a skewed social graph."""

import random
from itertools import accumulate

FIRST_NAMES = [
    "alice", "bruno", "carmen", "diego", "elena", "farah", "gabriel", "hana", "ines", "jorge",
    "kemal", "lucia", "marta", "nico", "olga", "pablo", "quinn", "rosa", "sofia", "tomas",
    "ursula", "victor", "wen", "ximena", "yusuf", "zoe",
]  # fmt: skip

ABOUT = {
    "en": [
        "Coffee first, questions later.", "Amateur astronomer and professional napper.",
        "I write code and bake bread.", "Runner, reader, recovering perfectionist.",
        "Taking photos of doors in every city I visit.", "Teacher by day, guitarist by night.",
    ],
    "es": [
        "Primero el café, después las preguntas.", "Astrónoma aficionada y lectora incansable.",
        "Escribo código y hago pan los domingos.", "Corredor, lector y perfeccionista en recuperación.",
        "Fotografío puertas en cada ciudad que visito.", "Profesora de día, guitarrista de noche.",
    ],
}  # fmt: skip

SUBJECTS = {
    "en": ["My cat", "The new café downtown", "This book", "Our team", "The weather", "My garden",
           "The morning train", "This recipe", "The city library", "My old bicycle"],
    "es": ["Mi gato", "La nueva cafetería del centro", "Este libro", "Nuestro equipo", "El tiempo",
           "Mi jardín", "El tren de la mañana", "Esta receta", "La biblioteca municipal", "Mi vieja bicicleta"],
}  # fmt: skip
PREDICATES = {
    "en": ["is surprisingly good today", "made me smile again", "deserves more attention",
           "reminds me of summer holidays", "was a complete disaster, but a fun one",
           "keeps getting better every week", "needs a little more patience", "is exactly what I needed"],
    "es": ["está sorprendentemente bien hoy", "me hizo sonreír otra vez", "merece más atención",
           "me recuerda a las vacaciones de verano", "fue un desastre total, pero divertido",
           "mejora cada semana", "necesita un poco más de paciencia", "es justo lo que necesitaba"],
}  # fmt: skip
ENDINGS = {
    "en": ["", " Anyone else?", " Highly recommended.", " More soon!", " What do you think?"],
    "es": ["", " ¿Alguien más?", " Muy recomendable.", " ¡Pronto más!", " ¿Qué opináis?"],
}
# Rare words give search benchmarks something to find among the common ones.
RARE_WORDS = ["zeppelin", "quokka", "marmalade", "aurora", "xylophone", "origami"]


def username_for(index: int) -> str:
    """Return a readable unique username for the `index`-th demo user."""
    name = FIRST_NAMES[index % len(FIRST_NAMES)]
    return name if index < len(FIRST_NAMES) else f"{name}{index // len(FIRST_NAMES)}"


def about_for(rng: random.Random) -> str:
    """Return an about-me text in English or Spanish."""
    return rng.choice(ABOUT[rng.choice(["en", "es"])])


def post_text(rng: random.Random) -> tuple[str, str]:
    """Return (body, language) for a post, English or Spanish, at most 140 characters."""
    language = "en" if rng.random() < 0.6 else "es"
    body = f"{rng.choice(SUBJECTS[language])} {rng.choice(PREDICATES[language])}.{rng.choice(ENDINGS[language])}"
    if rng.random() < 0.01:
        body += f" #{rng.choice(RARE_WORDS)}"
    return body[:140], language


def author_weights(count: int, skew: float = 1.1) -> list[float]:
    """Zipf-like weights: a few users post a lot, most post a little."""
    return [1 / (rank + 1) ** skew for rank in range(count)]


# Hashtags in about one post in ten, a few far more used than the rest (a tag page of
# every size); RARE_WORDS above are tags too.
TAGS = [
    "Django", "python", "coffee", "books", "running", "café", "música", "photography", "garden", "cats",
    "travel", "recipes", "astronomy", "cycling", "jazz", "football", "madrid", "london", "rain", "sunday",
    "opensource", "teaching", "bread", "design", "films", "podcasts", "hiking", "chess", "yoga", "tea",
]  # fmt: skip
TAGGED_SHARE = 0.1
_TAG_CUM_WEIGHTS = list(accumulate(1 / (rank + 1) ** 1.1 for rank in range(len(TAGS))))
MENTION_SHARE = 0.05


def decorate(body: str, rng: random.Random, usernames: list[str], user_weights: list[float]) -> str:
    """Add a #tag (Zipf-weighted) and an @mention (of a popular user, mostly) to some bodies, within 140 characters."""
    extras = ""
    if rng.random() < TAGGED_SHARE:
        extras += " #" + rng.choices(TAGS, cum_weights=_TAG_CUM_WEIGHTS)[0]
    if usernames and rng.random() < MENTION_SHARE:
        extras += " @" + rng.choices(usernames, weights=user_weights)[0]
    return body if len(body) + len(extras) > 140 else body + extras
