"""HTML from e-mail, made safe to show: sanitised with nh3, never served as received.

Inline images (`cid:` links) point at the stored attachment instead; remote images and
scripts are dropped, so opening a mail tells no sender that it was read.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import nh3

_TAGS = {
    "a", "b", "blockquote", "br", "code", "div", "em", "h1", "h2", "h3", "h4", "hr", "i",
    "img", "li", "ol", "p", "pre", "span", "strong", "table", "tbody", "td", "th", "thead",
    "tr", "u", "ul",
}  # fmt: skip
_ATTRIBUTES = {"a": {"href", "title"}, "img": {"src", "alt", "width", "height"}, "td": {"colspan"}}
_CID = re.compile(r"^cid:<?([^>]+)>?$", re.IGNORECASE)


def sanitize_html(html: str, *, cid_url: Callable[[str], str | None]) -> str:
    """Safe HTML; `cid_url` maps a Content-ID to a URL of ours (None drops the image)."""

    def attribute(tag: str, name: str, value: str) -> str | None:
        if tag == "img" and name == "src":
            match = _CID.match(value.strip())
            return cid_url(match.group(1)) if match else None
        return value

    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        attribute_filter=attribute,
        url_schemes={"http", "https", "mailto", "cid"},
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )
