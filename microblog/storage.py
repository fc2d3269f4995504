"""Static files storage for production: WhiteNoise's, with each URL worked out once per process."""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    """Remember the URL of every static file a template asks for.

    Every page links about ten static files, and each {% static %} looked its hashed name
    up in the manifest again (~25 µs apiece). The manifest cannot change while a process
    runs (a deploy restarts it), so the first answer stays right.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
