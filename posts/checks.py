"""System checks for the posts app's settings."""

from django.core import checks

from posts.translation import configuration_problem


@checks.register()
def check_translator(app_configs, **kwargs):
    """Warn when TRANSLATOR is set but unusable: the Translate buttons stay hidden."""
    problem = configuration_problem()
    if not problem:
        return []
    hint = "See docs/translation.md; until this is fixed, posts show no Translate button."
    return [checks.Warning(problem, hint=hint, id="posts.W001")]
