import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "hebi.settings")
application = get_wsgi_application()

# Build the matching index and load the embedder in the background at start, so that the first
# record page someone opens shows its matches as fast as the next one.
if os.environ.get("HEBI_WARM_MATCHING", "1") == "1":
    from hebi.matching.index import warm_up

    warm_up()
