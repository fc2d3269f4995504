"""English and Spanish: complete catalogues, Spanish pages, the switcher, dates and numbers."""

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import polib
import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.template import Context, Template
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from accounts.tests.factories import UserFactory
from microblog.pagination import LookaheadPage
from posts.tests.factories import PostFactory

ROOT = Path(__file__).resolve().parents[2]
# Every catalogue of every language, keyed like "es/django".
CATALOGUES = {
    f"{path.parent.parent.name}/{path.stem}": path for path in sorted((ROOT / "locale").glob("*/LC_MESSAGES/*.po"))
}
SPANISH = {"accept-language": "es"}

pytestmark = pytest.mark.django_db

# What must survive translation unchanged: %-placeholders and HTML tags.
PRESERVED = re.compile(r"%\(\w+\)[sd]|%[sd]|</?\w+[^>]*>")


def msgids(path: Path) -> set[tuple]:
    """Return the (context, msgid, plural msgid) of every live entry of a .po file."""
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in polib.pofile(str(path)) if not entry.obsolete}


def text(response) -> str:
    """Return a response's HTML with non-breaking spaces made plain, as a reader sees them."""
    return response.content.decode().replace("\xa0", " ")


# --- The catalogues -------------------------------------------------------------------


def test_spanish_has_both_catalogues_with_two_plural_forms():
    assert {"es/django", "es/djangojs"} <= set(CATALOGUES)
    for name in ("es/django", "es/djangojs"):
        assert polib.pofile(str(CATALOGUES[name])).metadata["Plural-Forms"] == "nplurals=2; plural=(n != 1);"


@pytest.mark.parametrize("domain", CATALOGUES)
def test_catalogue_has_no_untranslated_or_fuzzy_entries(domain):
    catalogue = polib.pofile(str(CATALOGUES[domain]))

    untranslated = [entry.msgid for entry in catalogue.untranslated_entries()]
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]

    assert not catalogue.metadata_is_fuzzy, "the header is marked fuzzy: msgfmt would ignore its plural forms"
    assert untranslated == [], f"untranslated in {domain}.po: run `make messages`, then translate"
    assert fuzzy == [], f"fuzzy in {domain}.po: review these translations and drop the fuzzy flag"


@pytest.mark.parametrize("domain", CATALOGUES)
def test_catalogue_keeps_every_placeholder_and_tag(domain):
    broken = []
    for entry in polib.pofile(str(CATALOGUES[domain])):
        if entry.msgid_plural:
            forms = sorted(entry.msgstr_plural.items())
            pairs = [(entry.msgid if index == 0 else entry.msgid_plural, translated) for index, translated in forms]
        else:
            pairs = [(entry.msgid, entry.msgstr)]
        broken += [
            source
            for source, translated in pairs
            if sorted(PRESERVED.findall(source)) != sorted(PRESERVED.findall(translated))
        ]

    assert broken == []


@pytest.mark.gettext
@pytest.mark.parametrize("domain", CATALOGUES)
def test_catalogue_passes_msgfmt_checks(domain):
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", os.devnull, str(CATALOGUES[domain])],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr


@pytest.mark.gettext
def test_catalogues_are_up_to_date_make_messages_finds_no_new_or_stale_msgids(tmp_path):
    """Run `make messages` on a copy of the project and compare what it extracts."""
    project = tmp_path / "project"
    shutil.copytree(
        ROOT,
        project,
        ignore=shutil.ignore_patterns(
            ".git",
            ".venv",
            "vendor",
            "staticfiles",
            "media",
            "node_modules",
            "__pycache__",
            ".*cache",
            "*.mo",
            "db.sqlite3*",
            "test-artifacts",
        ),
    )
    venv = Path(sys.prefix)
    # Without the caller's make flags; `-o` stops make from reinstalling requirements.
    env = {key: value for key, value in os.environ.items() if key not in {"MAKEFLAGS", "MFLAGS", "MAKELEVEL"}}

    result = subprocess.run(
        ["make", "-s", "messages", f"VENV={venv}", "-o", f"{venv}/.installed"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stdout + result.stderr
    for domain, committed in CATALOGUES.items():
        extracted = msgids(project / committed.relative_to(ROOT))
        new, stale = extracted - msgids(committed), msgids(committed) - extracted
        assert not new, f"{domain}.po lacks strings found in the source: run `make messages` and translate: {new}"
        assert not stale, f"{domain}.po keeps strings the source no longer has: run `make messages`: {stale}"


# --- Pages in Spanish -----------------------------------------------------------------


@pytest.mark.parametrize("header", ["es", "es-ES", "es-MX,es;q=0.9,en;q=0.8"])
def test_login_page_is_in_spanish_when_the_browser_asks_for_it(client, header):
    response = client.get(reverse("accounts:login"), headers={"accept-language": header})

    page = text(response)
    assert '<html lang="es"' in page
    assert "<title>Iniciar sesión · Microblog</title>" in page
    assert "Nombre de usuario o correo electrónico" in page
    assert "Recordarme" in page
    assert "¿Aún no tienes cuenta?" in page


def test_login_page_stays_english_for_other_languages(client):
    response = client.get(reverse("accounts:login"), headers={"accept-language": "fr"})

    page = text(response)
    assert '<html lang="en"' in page
    assert "Sign in" in page
    assert "Iniciar sesión" not in page


def test_login_form_errors_are_in_spanish(client):
    user = UserFactory()

    response = client.post(reverse("accounts:login"), {"username": user.username, "password": "wrong"}, headers=SPANISH)

    assert response.status_code == 200
    assert "El nombre de usuario, el correo electrónico o la contraseña no son correctos." in text(response)


def test_home_page_is_in_spanish(client):
    user = UserFactory(username="ana")
    client.force_login(user)

    response = client.get(reverse("posts:home"), headers=SPANISH)

    page = text(response)
    assert "¡Hola, ana!" in page
    assert "Di algo" in page
    assert ">Publicar</button>" in page
    assert "Te damos la bienvenida a Microblog" in page  # an empty feed: the welcome card
    assert ">Explorar</a>" in page
    assert "Cerrar sesión" in page


def test_explore_page_is_in_spanish(client):
    client.force_login(UserFactory())

    response = client.get(reverse("posts:explore"), headers=SPANISH)

    page = text(response)
    assert "<title>Explorar · Microblog</title>" in page
    assert "Todavía nadie ha publicado nada." in page


def test_profile_page_is_in_spanish_with_localized_join_date(client):
    user = UserFactory(date_joined=datetime(2024, 3, 10, 12, 0, tzinfo=UTC))
    PostFactory(author=user)
    client.force_login(user)

    response = client.get(reverse("posts:profile", args=[user.username]), headers=SPANISH)

    page = text(response)
    assert "Se unió en marzo de 2024" in page
    assert "<strong>1</strong> publicación" in page
    assert "<strong>0</strong> seguidores" in page
    assert "Editar tu perfil" in page
    assert "Exportar mis publicaciones" in page


def test_not_found_page_is_in_spanish(client):
    client.force_login(UserFactory())

    response = client.get(reverse("posts:profile", args=["nobody-here"]), headers=SPANISH)

    assert response.status_code == 404
    page = text(response)
    assert "Archivo no encontrado" in page
    assert "Lo sentimos, la página que buscas no existe." in page
    assert "Volver a la página de inicio" in page


def test_flash_messages_are_in_spanish(client):
    user = UserFactory()
    client.force_login(user)

    response = client.post(reverse("posts:home"), {"body": "Hola a todos"}, headers=SPANISH, follow=True)

    assert "¡Tu publicación ya está en línea!" in text(response)


def test_password_reset_email_is_in_spanish(client):
    user = UserFactory()

    client.post(reverse("accounts:password_reset"), {"email": user.email}, headers=SPANISH)

    (email,) = mail.outbox
    assert email.subject == "Restablece tu contraseña de Microblog"
    assert f"Hola, {user.username}:" in email.body
    assert "Para restablecer tu contraseña, abre este enlace:" in email.body


def test_javascript_catalogue_is_in_spanish_with_two_plural_forms(client):
    response = client.get(reverse("javascript-catalog"), headers=SPANISH)

    script = response.content.decode()
    assert "const v = (n != 1);" in script
    assert '"Queda %s car\\u00e1cter",\n      "Quedan %s caracteres"\n' in script
    assert "Descargar posts.json" in script


# --- The language switcher ------------------------------------------------------------


def test_language_switcher_is_in_the_footer_with_the_current_language_selected(client):
    response = client.get(reverse("accounts:login"), headers=SPANISH)

    page = text(response)
    assert f'action="{reverse("set_language")}"' in page
    assert '<option value="es" lang="es" selected>Español</option>' in page
    assert '<option value="en" lang="en">English</option>' in page


def test_choosing_spanish_in_the_switcher_persists_in_a_cookie(client):
    login_url = reverse("accounts:login")

    response = client.post(reverse("set_language"), {"language": "es", "next": login_url})

    assert response.status_code == 302
    assert response["Location"] == login_url
    cookie = response.cookies[settings.LANGUAGE_COOKIE_NAME]
    assert cookie.value == "es"
    assert cookie["max-age"] == settings.LANGUAGE_COOKIE_AGE
    # The cookie wins over the browser's own preference, page after page.
    for url in (login_url, reverse("accounts:register")):
        assert '<html lang="es"' in text(client.get(url, headers={"accept-language": "en"}))


def test_choosing_english_overrides_a_spanish_browser(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})

    response = client.get(reverse("accounts:login"), headers=SPANISH)

    assert "Sign in" in text(response)


def test_switcher_ignores_an_unknown_language(client):
    response = client.post(reverse("set_language"), {"language": "xx", "next": "/"})

    assert response.status_code == 302
    assert settings.LANGUAGE_COOKIE_NAME not in response.cookies


# --- Dates, relative times and numbers ------------------------------------------------


def test_post_from_three_minutes_ago_says_hace_3_minutos_in_spanish(client):
    with time_machine.travel(datetime(2024, 3, 5, 14, 3, tzinfo=UTC), tick=False):
        post = PostFactory(created_at=timezone.now() - timedelta(minutes=3))
        client.force_login(post.author)
        spanish = client.get(reverse("posts:explore"), headers=SPANISH)
        english = client.get(reverse("posts:explore"), headers={"accept-language": "en"})

    assert 'title="5 de marzo de 2024 a las 14:00" data-relative data-date="5 Mar">hace 3 minutos</time>' in text(
        spanish
    )
    assert ">3 minutes ago</time>" in text(english)


@pytest.mark.parametrize(
    ("age", "english", "spanish"),
    [
        (timedelta(days=6, hours=23), ">6 days, 23 hours ago</time>", ">hace 6 días, 23 horas</time>"),
        (timedelta(days=7), ">26 Feb</time>", ">26 Feb</time>"),
        (timedelta(days=100), ">25 Nov 2023</time>", ">25 Nov 2023</time>"),
    ],
)
def test_a_time_older_than_a_week_shows_its_date_with_the_year_when_not_this_years(client, age, english, spanish):
    with time_machine.travel(datetime(2024, 3, 4, 14, 3, tzinfo=UTC), tick=False):
        post = PostFactory(created_at=timezone.now() - age)
        client.force_login(post.author)
        pages = {
            lang: text(client.get(reverse("posts:explore"), headers={"accept-language": lang}))
            for lang in ("es", "en")  # English last: the language outlives the request
        }

    assert english in pages["en"]
    assert spanish in pages["es"]
    # The time links to the post's thread page.
    assert re.search(rf'<a href="{post.get_absolute_url()}"[^>]*><time ', pages["en"])


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        (
            "es",
            [
                # Django's Spanish format groups with a non-breaking space, as the RAE advises.
                "<strong>1\xa0234</strong> publicaciones",
                "<strong>1</strong> seguidor<",
                "<strong>1\xa0234\xa0567</strong> siguiendo",
            ],
        ),
        (
            "en",
            ["<strong>1,234</strong> posts", "<strong>1</strong> follower<", "<strong>1,234,567</strong> following"],
        ),
    ],
)
def test_profile_counts_group_thousands_in_the_active_language(language, expected):
    person = SimpleNamespace(username="ana", post_count=1234, follower_count=1, following_count=1234567)

    with translation.override(language):
        html = render_to_string("accounts/_counts.html", {"person": person})

    for fragment in expected:
        assert fragment in html


def test_page_numbers_in_links_are_never_grouped():
    page = LookaheadPage([], number=1234, per_page=25, has_next=True)

    with translation.override("es"):
        html = render_to_string("includes/pagination.html", {"page_obj": page})
        plain = Template("{{ n }}").render(Context({"n": 1234}))

    assert "page=1233" in html
    assert "page=1235" in html
    assert plain == "1234"
