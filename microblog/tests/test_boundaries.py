"""The app boundaries of docs/architecture.md: what both apps use belongs to neither."""

import ast
import re
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = ("accounts", "posts")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
    return names


def test_the_microblog_toolbox_imports_no_app():
    offenders = {
        str(path.relative_to(ROOT)): sorted(name for name in imported_modules(path) if name.split(".")[0] in APPS)
        for path in (ROOT / "microblog").rglob("*.py")
        if "tests" not in path.parts and path.name != "urls.py"  # the root URLconf wires the apps in
    }

    assert {path: names for path, names in offenders.items() if names} == {}


def test_posts_uses_no_accounts_form_helper_or_form_template():
    python = [name for path in (ROOT / "posts").rglob("*.py") for name in imported_modules(path)]
    templates = "".join(path.read_text() for path in (ROOT / "templates" / "posts").rglob("*.html"))

    assert not [name for name in python if name == "accounts.forms"]
    assert not re.findall(r'{%\s*extends\s+"accounts/', templates)
