"""Checking uploads before anything is stored: size, type by name and by content."""

from __future__ import annotations

import mimetypes
import re
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath
from typing import IO

from django.conf import settings
from django.core.files.base import File
from django.core.files.storage import default_storage
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from casedesk.core.errors import DomainError, ErrorCode

# Leading bytes of formats whose content we can recognise; a file claiming one of these
# extensions must really be that format (no HTML served under a .png name).
MAGIC: dict[str, tuple[bytes, ...]] = {
    "png": (b"\x89PNG\r\n\x1a\n",),
    "jpg": (b"\xff\xd8\xff",),
    "jpeg": (b"\xff\xd8\xff",),
    "gif": (b"GIF87a", b"GIF89a"),
    "webp": (b"RIFF",),
    "pdf": (b"%PDF-",),
    "zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "xlsx": (b"PK\x03\x04",),
    "docx": (b"PK\x03\x04",),
}
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Upload:
    """A file as received from a form, an e-mail or the API, not yet stored."""

    filename: str
    content: IO[bytes]
    size: int


def clean_filename(name: str) -> str:
    # Drop any path (both separators), control and bidi-override characters.
    base = PureWindowsPath(PurePosixPath(name).name).name
    base = _UNSAFE.sub("", unicodedata.normalize("NFC", base)).strip(" .")
    return base[:200] or "attachment"


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def validate_upload(upload: Upload) -> tuple[str, str]:
    """Return (clean filename, content type) or raise a DomainError saying what is wrong."""
    name = clean_filename(upload.filename)
    limit = settings.CASEDESK_ATTACHMENT_MAX_BYTES
    if upload.size > limit:
        raise DomainError(
            _("“%(name)s” is too large (%(size)s); the limit is %(limit)s.")
            % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(limit)},
            code=ErrorCode.ATTACHMENT_TOO_LARGE,
            details={"filename": name},
        )
    ext = extension_of(name)
    allowed = settings.CASEDESK_ATTACHMENT_EXTENSIONS
    if ext not in allowed:
        raise DomainError(
            _("Files of type “%(ext)s” are not accepted. Allowed: %(allowed)s.")
            % {"ext": ext or "?", "allowed": ", ".join(allowed)},
            code=ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
            details={"filename": name},
        )
    if ext in MAGIC:
        head = upload.content.read(16)
        upload.content.seek(0)
        if not head.startswith(MAGIC[ext]):
            raise DomainError(
                _("“%(name)s” does not contain what its name says (%(ext)s).")
                % {"name": name, "ext": ext},
                code=ErrorCode.ATTACHMENT_TYPE_NOT_ALLOWED,
                details={"filename": name},
            )
    content_type = mimetypes.guess_type(f"x.{ext}")[0] or "application/octet-stream"
    return name, content_type


def store_upload(upload: Upload) -> str:
    """Write the bytes under a generated name; the user's name never reaches the disk."""
    ext = extension_of(clean_filename(upload.filename))
    path = f"cases/{uuid.uuid4().hex}.{ext}" if ext else f"cases/{uuid.uuid4().hex}"
    return default_storage.save(path, File(upload.content))


def delete_stored(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)
