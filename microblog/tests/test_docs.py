"""README.md and docs/*.md name only files, commands and settings that exist.

The docs are the learner's map, so a moved file or a renamed setting must fail a test,
not mislead a reader. What counts as a name:

- a repo path: a code span or link target that is relative and contains "/" or ends
  in a known extension (`posts/services.py`, `templates/includes/`, `docs/api.md`);
  template names (`posts/_post.html`) are found under templates/, bare names
  (`app.js`, `tests/`) anywhere in the repository, migrations as Django names them
  (`posts/0004_post_search_index`), `file.py:name` must have `name` in the file, and a
  placeholder (`locale/<lang>/...`) checks the part before it;
- a Python name of our apps (`posts.services.publish_post`, `accounts.ApiToken`), which
  must import; permissions (`posts.delete_post`) name a model, check ids (`posts.W001`)
  are in the app's code;
- a command: `manage.py X` must be a management command, `make X` a Makefile target;
- a setting: an UPPER_CASE code span must be a Django setting, an environment
  variable the project reads, a key the settings set (`CONN_HEALTH_CHECKS`), a
  module-level constant of our code, or a variable of the Makefile.

Names that legitimately do not exist in the repository are listed below, each with
its reason.
"""

import importlib
import importlib.util
import re
import subprocess
from functools import cache
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import get_commands

ROOT = Path(settings.BASE_DIR)
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]

EXTENSIONS = (".py", ".md", ".html", ".js", ".css", ".txt", ".json", ".po", ".toml", ".ini", ".yaml", ".yml", ".svg")
EXTENSIONS += (".png", ".cfg", ".sh", ".conf")
OUR_PYTHON_NAME = re.compile(r"(accounts|posts|microblog|bench)(\.\w+)+(\(\))?")
PLACEHOLDER = re.compile(r"[<{*]|\.\.\.|…")

# Paths that are not in the repository on purpose.
NOT_IN_REPO = {
    ".env": "optional, written by whoever deploys; never committed",
    "db.sqlite3": "the SQLite database, created by `migrate`",
    "posts.json": "the name of the exported file users download",
    "staticfiles": "created by `collectstatic`",
    "test-artifacts/screenshots/": "created by the browser tests",
    "test-artifacts/": "created by the browser tests",
    "locale/fr/": "the example of adding a language: `make messages LOCALES=fr` creates it",
    **dict.fromkeys(
        ["chrome_forms.html", "includes/chrome_forms.html", "templates/includes/chrome_forms.html"],
        "removed by change 11; docs/performance.md keeps the history of what it replaced",
    ),
}
# Management commands of apps installed only with REDIS_URL.
REDIS_ONLY_COMMANDS = {"rqworker": "django_rq's worker, installed with REDIS_URL"}
# UPPER_CASE words in code spans that are not settings.
NOT_SETTINGS = {
    **dict.fromkeys(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"], "HTTP methods"),
    **dict.fromkeys(
        [
            "OR",
            "AND",
            "NOT",
            "IN",
            "SELECT",
            "UPDATE",
            "INSERT",
            "DISTINCT",
            "MIN",
            "MAX",
            "EXPLAIN",
            "ANALYZE",
            "EXISTS",
            "LIMIT",
            "OFFSET",
            "CASCADE",
            "UNION",
            "SET_NULL",
        ],
        "SQL",
    ),
    "MATCH": "SQLite FTS5's operator",
    **dict.fromkeys(["INFO", "WARNING", "ERROR", "DEBUG"], "log levels (DEBUG is also a setting)"),
    "REMOTE_ADDR": "a key of request.META",
    "HEALTHCHECK": "a Dockerfile instruction",
    "DJANGO_SUPERUSER_PASSWORD": "read by Django's own createsuperuser --noinput",
}


def _without_fences(text: str) -> str:
    return re.sub(r"^```.*?^```", "", text, flags=re.MULTILINE | re.DOTALL)


def code_spans(text: str) -> list[str]:
    """Return the contents of the inline code spans of a Markdown text (not fenced blocks)."""
    return re.findall(r"`([^`\n]+)`", _without_fences(text))


def fenced_blocks(text: str) -> list[str]:
    return re.findall(r"^```[^\n]*\n(.*?)^```", text, flags=re.MULTILINE | re.DOTALL)


def link_targets(text: str) -> list[str]:
    return [target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", _without_fences(text))]


@cache
def tracked_files() -> list[str]:
    """Return the repository's files: committed or new, not ignored (.venv, staticfiles, ...)."""
    try:
        listing = subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
    except (OSError, subprocess.CalledProcessError):  # no git, or not a checkout (a container image)
        skip = {".git", ".venv", "staticfiles", "test-artifacts", "node_modules", "__pycache__"}
        return [
            str(path.relative_to(ROOT))
            for path in ROOT.rglob("*")
            if path.is_file() and not skip & set(path.relative_to(ROOT).parts)
        ]
    return [name for name in listing.stdout.splitlines() if (ROOT / name).exists()]


def looks_like_path(span: str) -> bool:
    if " " in span or "://" in span or span.startswith(("/", "~", "-", ".venv")) or "=" in span:
        return False
    if re.fullmatch(r"\d+/\w+", span) or re.fullmatch(r"(application|text|image)/[\w.+-]+", span):
        return False  # a rate (`10/min`) or a media type
    if span.lower() in EXTENSIONS or span in (".mo", ".po"):
        return False  # a file type, not a file
    if not re.fullmatch(r"[\w.\-/<>{},*…]+(:\w+)?", span):
        return False
    return "/" in span or span.split(":")[0].lower().endswith(EXTENSIONS) or span in NOT_IN_REPO


def path_exists(span: str, doc: Path) -> bool:
    """Return whether `span` names something in the repository (see the module docstring)."""
    if span in NOT_IN_REPO:
        return True
    if ":" in span:
        path, name = span.split(":")
        return path_exists(path, doc) and any(
            name in (ROOT / tracked).read_text() for tracked in tracked_files() if tracked.endswith(path)
        )
    migration = re.fullmatch(r"(\w+)/(\d{4}_\w+)", span)
    if migration:
        return (ROOT / migration[1] / "migrations" / f"{migration[2]}.py").exists()
    cut = PLACEHOLDER.search(span)
    candidate = span[: cut.start()] if cut else span
    if cut and not candidate.endswith("/"):
        candidate = candidate.rsplit("/", 1)[0] + "/" if "/" in candidate else ""
    if not candidate:
        return True  # nothing before the placeholder to check
    candidate = candidate.rstrip("/")
    places = [ROOT / candidate, doc.parent / candidate, ROOT / "templates" / candidate, ROOT / "static" / candidate]
    if any(place.exists() for place in places):
        return True
    if "/" not in candidate:  # a bare file or folder name
        return any(candidate in Path(name).parts for name in tracked_files())
    return any(name.startswith(candidate + ".") for name in tracked_files())  # a stem: results/<date>


def python_name_exists(name: str) -> bool:
    """Return whether a dotted name of our code (`posts.services.publish_post`) imports."""
    parts = name.removesuffix("()").split(".")
    if len(parts) == 2 and re.fullmatch(r"[EW]\d{3}", parts[1]):  # a system check id
        return any(name in (ROOT / path).read_text() for path in tracked_files() if path.startswith(f"{parts[0]}/"))
    permission = re.fullmatch(r"(view|add|change|delete)_(\w+)", parts[-1])
    if len(parts) == 2 and permission:
        return python_name_exists(f"{parts[0]}.{permission[2]}")
    for split in range(len(parts), 0, -1):
        module = ".".join(parts[:split])
        try:
            target = importlib.import_module(module)
        except ImportError:
            continue
        except Exception:  # a settings module that refuses to load here (prod without SECRET_KEY)
            return split == len(parts) and importlib.util.find_spec(module) is not None
        try:
            for attribute in parts[split:]:
                target = getattr(target, attribute)
        except AttributeError:
            break
        return True
    if len(parts) == 2:  # app_label.Model, as Django names models (any letter case)
        try:
            apps.get_model(*parts)
        except LookupError:
            return False
        return True
    return False


@cache
def make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.MULTILINE))


@cache
def make_variables() -> set[str]:
    return set(re.findall(r"\$\(([A-Z][A-Z0-9_]*)\)", (ROOT / "Makefile").read_text()))


@cache
def environment_variables() -> set[str]:
    """Return the environment variables the project's Python code reads."""
    read = re.compile(
        r"""(?:environ\.get|getenv|environ\.setdefault|env(?:\.\w+)?)\(\s*["']([A-Z][A-Z0-9_]*)["']"""
        r"""|environ\[\s*["']([A-Z][A-Z0-9_]*)["']\s*\]"""
    )
    names = set()
    for name in tracked_files():
        if name.endswith(".py"):
            for match in read.finditer((ROOT / name).read_text()):
                names.add(match.group(1) or match.group(2))
    return names


@cache
def settings_keys_and_constants() -> set[str]:
    """Return the keys the settings modules set ("CONN_HEALTH_CHECKS") and our module constants."""
    names = set()
    for name in tracked_files():
        if name.endswith(".py") and "/migrations/" not in name:
            source = (ROOT / name).read_text()
            names |= set(re.findall(r"^([A-Z][A-Z0-9_]*)\s*[:=]", source, flags=re.MULTILINE))
            if name.startswith("microblog/settings/"):
                names |= set(re.findall(r"""["']([A-Z][A-Z0-9_]*)["']""", source))
    return names


def is_setting_name(span: str) -> bool:
    return bool(re.fullmatch(r"[A-Z][A-Z0-9]*(_[A-Z0-9]+)*", span)) and len(span) > 1


def setting_exists(name: str) -> bool:
    return (
        name in NOT_SETTINGS
        or hasattr(settings, name)
        or name in environment_variables()
        or name in settings_keys_and_constants()
        or name in make_variables()
    )


def commands_named(text: str) -> list[tuple[str, str]]:
    """Return the (`manage.py` or `make`, name) pairs in code spans and fenced blocks."""
    code = "\n".join([*code_spans(text), *fenced_blocks(text)])
    found = [("manage.py", name) for name in re.findall(r"manage\.py[ \t]+([a-z][\w-]*)", code)]
    found += [
        ("make", name) for name in re.findall(r"(?:^|[ \t;&|(])make[ \t]+([a-z][\w-]*)", code, flags=re.MULTILINE)
    ]
    return found


def _problems(check) -> list[str]:
    problems = []
    for doc in DOCS:
        problems += [f"{doc.relative_to(ROOT)}: {problem}" for problem in check(doc, doc.read_text())]
    return problems


def test_every_named_path_exists():
    def check(doc, text):
        names = [span for span in code_spans(text) if looks_like_path(span)]
        names += [target for target in link_targets(text) if target and "://" not in target]
        return [f"no such file or folder: {name}" for name in names if not path_exists(name, doc)]

    assert _problems(check) == []


def test_every_named_python_object_exists():
    def check(doc, text):
        names = [
            span for span in code_spans(text) if re.fullmatch(r"(accounts|posts|microblog|bench)(\.\w+)+(\(\))?", span)
        ]
        return [f"does not import: {name}" for name in names if not python_name_exists(name)]

    assert _problems(check) == []


def test_every_named_command_exists():
    commands = set(get_commands()) | set(REDIS_ONLY_COMMANDS)

    def check(doc, text):
        return [
            f"no such command: {tool} {name}"
            for tool, name in commands_named(text)
            if name not in (commands if tool == "manage.py" else make_targets())
        ]

    assert _problems(check) == []


def test_every_named_setting_exists():
    def check(doc, text):
        names = [span for span in code_spans(text) if is_setting_name(span)]
        names += [name for span in code_spans(text) for name in re.findall(r"\b([A-Z][A-Z0-9]*_[A-Z0-9_]+)=", span)]
        return [f"no such setting or environment variable: {name}" for name in names if not setting_exists(name)]

    assert _problems(check) == []


def test_the_module_map_of_architecture_md_lists_every_toolbox_module():
    text = (ROOT / "docs" / "architecture.md").read_text()
    block = next(block for block in fenced_blocks(text) if block.startswith("microblog/"))
    listed = set(re.findall(r"([a-z_]+)\.py", block.split("accounts/")[0]))
    modules = {path.stem for path in (ROOT / "microblog").glob("*.py") if path.stem != "__init__"}

    assert listed == modules


@pytest.mark.parametrize(
    ("span", "exists"),
    [
        ("posts/services.py", True),
        ("posts/nothing.py", False),
        ("posts/_post.html", True),  # a template name
        ("app.js", True),  # a bare file name
        ("locale/<lang>/LC_MESSAGES/", True),
        ("nowhere/<lang>/", False),
        ("bench/results/<date>.{md,json,png}", True),
    ],
)
def test_the_path_rule_itself(span, exists):
    assert path_exists(span, ROOT / "docs" / "architecture.md") is exists


def test_the_other_rules_fail_on_names_that_do_not_exist():
    assert commands_named("run `manage.py nonesuch` or `make nonesuch`") == [
        ("manage.py", "nonesuch"),
        ("make", "nonesuch"),
    ]
    assert "nonesuch" not in make_targets()
    assert not setting_exists("NO_SUCH_SETTING")
    assert setting_exists("REDIS_URL")  # an environment variable the settings read
    assert not python_name_exists("posts.services.no_such_service")
    assert python_name_exists("posts.delete_post")  # a permission
    assert not python_name_exists("posts.delete_nothing")
