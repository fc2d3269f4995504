"""Content negotiation for the REST API: always answer with the view's first renderer.

microblog answers JSON whatever the Accept header says, so clients that send
`Accept: text/html` (or nothing useful) must not get a 406. Apart from
microblog/api.py because DRF imports it while rest_framework.views loads.
"""

from rest_framework.negotiation import DefaultContentNegotiation


class FirstRendererNegotiation(DefaultContentNegotiation):
    """Parse by Content-Type as usual; render with the first renderer, ignoring Accept."""

    def select_renderer(self, request, renderers, format_suffix=None):
        renderer = renderers[0]
        return renderer, renderer.media_type
