from __future__ import annotations

from django.http import HttpRequest

from casedesk.cases.attachments import Upload


def uploads_from(request: HttpRequest, field: str = "attachments") -> list[Upload]:
    """Uploaded files of a form post as domain Uploads (name, stream, size)."""
    uploads = []
    for f in request.FILES.getlist(field):
        f.open("rb")
        uploads.append(Upload(filename=f.name or "attachment", content=f, size=f.size or 0))
    return uploads
