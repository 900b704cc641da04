"""The public CAP pages, mounted at /cap/: the Atom feed and each published version's CAP message."""

from django.urls import path

from yingji.warnings.cap import feed

app_name = "cap"

urlpatterns = [
    path("feed.atom", feed.atom_feed, name="feed"),
    path("<str:identifier>.xml", feed.cap_message, name="message"),
]
