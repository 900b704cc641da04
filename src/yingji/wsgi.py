"""WSGI entry point served by gunicorn (`yingji serve`)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "yingji.settings")
application = get_wsgi_application()

from yingji.core.runtime import freeze_loaded_heap  # noqa: E402  (needs the apps loaded above)

freeze_loaded_heap()
