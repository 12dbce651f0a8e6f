"""Split a reply from the quoted history and signature below it (pure; no Django).

`mail-parser-reply` finds where the quoted history starts ("On … wrote:", Outlook's
"Fra:/Sendt:/Til:/Emne:" block, …) in English, Danish, Swedish and Dutch; Norwegian mail
clients write the same headers as Danish ones ("Fra:", "Sendt:", "skrev"). A few patterns it
lacks are added here. The library normalises whitespace, so we only ask it *where* the history
starts and cut the original text there: the reply keeps its exact characters.
"""

from __future__ import annotations

import re

from mailparser_reply import EmailReplyParser

LANGUAGES = ("en", "da", "sv", "nl", "de")

# Lines that start quoted history, each alone on its line (after any ">" quoting).
_EXTRA_HEADERS = re.compile(
    r"^(?:>\s*)*(?:"
    r"-{2,}\s*(?:original message|opprinnelig melding|oprindelig meddelelse|"
    r"ursprungligt meddelande|oorspronkelijk bericht|ursprüngliche nachricht)\s*-{2,}"
    r"|-{2,}\s*(?:forwarded message|videresendt melding|videresendt meddelelse|"
    r"vidarebefordrat meddelande|doorgestuurd bericht)\s*-{2,}"
    r"|_{20,}"
    # "On <date>, <name> <address> wrote:" / "Op <date> schreef <name> <address>:": a digit
    # or an address must come before the verb, so "… wrote:" in the customer's text is kept.
    r"|.{0,300}[\d@].{0,300}?\b(?:het volgende geschreven|wrote|skrev|schreef)\b.{0,200}:"
    r")$",
    re.IGNORECASE,
)
_SIGNATURE_DASHES = re.compile(r"^-- ?$")
_MOBILE_FOOTER = re.compile(
    r"^(?:sent from my|sendt fra min|skickat från min|verzonden (?:vanaf|met) mijn|"
    r"get outlook for|hent outlook for|hent outlook til|skaffa outlook för|"
    r"download outlook voor|outlook voor)\b.{0,60}$",
    re.IGNORECASE,
)


def _strip_quote(line: str) -> str:
    return re.sub(r"^(?:>\s?)+", "", line).strip()


def _library_cut(text: str, lines: list[str], languages: tuple[str, ...]) -> int | None:
    """Index of the line where the library sees the first quoted reply start."""
    try:
        replies = EmailReplyParser(languages=list(languages)).read(text).replies
    except Exception:  # its regexes must not break intake
        return None
    if len(replies) < 2:
        return None
    header = next((ln for ln in (replies[1].headers or "").splitlines() if ln.strip()), "")
    wanted = _strip_quote(header)
    if not wanted:
        return None
    for index, line in enumerate(lines):
        if index and _strip_quote(line) == wanted:
            return index
    return None


def _own_cut(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if index and _EXTRA_HEADERS.match(line.strip()):
            return index
    # A trailing block of ">" lines (with blank lines) is quoted history too.
    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and (lines[start - 1].lstrip().startswith(">") or not lines[start - 1].strip()):
        start -= 1
    if start < end and start > 0:
        return start
    return None


def _signature_cut(lines: list[str]) -> int | None:
    for index, line in enumerate(lines):
        if index and _SIGNATURE_DASHES.match(line):
            return index
    # "Sent from my iPhone" and friends, near the end only.
    for index in range(max(1, len(lines) - 4), len(lines)):
        if _MOBILE_FOOTER.match(lines[index].strip()):
            return index
    return None


def split_reply(text: str, *, languages: tuple[str, ...] = LANGUAGES) -> tuple[str, str]:
    """(the new text, the folded rest: quoted history and signature). Joined they are the
    whole text; the new text is empty only when the text is."""
    lines = text.split("\n")
    cuts = [c for c in (_library_cut(text, lines, languages), _own_cut(lines)) if c is not None]
    cut = min(cuts) if cuts else len(lines)
    head = lines[:cut]
    signature = _signature_cut(head)
    if signature is not None:
        cut = signature
    reply = "\n".join(lines[:cut]).rstrip()
    if not reply.strip():
        return text.strip("\n"), ""
    return reply, "\n".join(lines[cut:]).strip("\n")
