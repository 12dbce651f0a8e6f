"""Check the gettext catalogs under casedesk/locale: all translated, none fuzzy, .mo current.

Exits non-zero and lists the problems otherwise. Standard library only, so it runs before any
dependency is installed. Usage: python scripts/check_translations.py [LOCALE_DIR]
"""

from __future__ import annotations

import ast
import struct
import sys
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_LOCALE_DIR = Path(__file__).resolve().parent.parent / "casedesk" / "locale"


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    obsolete: bool = False
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def msgid(self) -> str:
        return self.fields.get("msgid", "")

    def msgstrs(self) -> dict[str, str]:
        return {k: v for k, v in self.fields.items() if k.startswith("msgstr")}


def _unquote(text: str, path: Path, line: int) -> str:
    text = text.strip()
    if len(text) < 2 or text[0] != '"' or text[-1] != '"':
        raise ValueError(f"{path}:{line}: expected a quoted string, got {text!r}")
    # PO string escapes are a subset of Python's, so the literal parser reads them.
    return ast.literal_eval(text)


def parse_po(path: Path) -> list[Entry]:
    """Entries of a .po file, in order; multi-line strings are joined."""
    entries: list[Entry] = []
    entry: Entry | None = None
    key: str | None = None

    def start(line: int) -> Entry:
        nonlocal entry
        if entry is None or entry.fields:
            entry = Entry(line=line)
            entries.append(entry)
        return entry

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = raw.strip()
        if not text:
            entry, key = None, None
            continue
        if text.startswith("#~"):
            # Obsolete entries are ignored by msgfmt; --no-obsolete removes them anyway.
            start(number).obsolete = True
            continue
        if text.startswith("#,"):
            current = start(number)
            current.flags.update(f.strip() for f in text[2:].split(",") if f.strip())
            continue
        if text.startswith("#"):
            start(number)
            continue
        if text.startswith('"'):
            if entry is None or key is None:
                raise ValueError(f"{path}:{number}: string continuation outside an entry")
            entry.fields[key] += _unquote(text, path, number)
            continue
        keyword, _, rest = text.partition(" ")
        current = entry if entry is not None else start(number)
        if keyword in current.fields:  # a new entry without a blank line before it
            entry = None
            current = start(number)
        key = keyword
        current.fields[key] = _unquote(rest, path, number)
    return [e for e in entries if e.fields or e.obsolete]


def check_catalog(po: Path) -> tuple[int, list[str]]:
    problems: list[str] = []
    count = 0
    for e in parse_po(po):
        if e.obsolete:
            continue
        if "msgid" not in e.fields:
            problems.append(f"{po}:{e.line}: entry without msgid")
            continue
        if e.msgid == "":  # the header
            if "fuzzy" in e.flags:
                problems.append(f"{po}:{e.line}: header is marked fuzzy")
            header = e.fields.get("msgstr", "")
            if "charset=UTF-8" not in header:
                problems.append(f"{po}:{e.line}: header lacks charset=UTF-8")
            if "Plural-Forms:" not in header:
                problems.append(f"{po}:{e.line}: header lacks Plural-Forms")
            continue
        count += 1
        label = e.msgid if len(e.msgid) <= 60 else e.msgid[:57] + "..."
        if "fuzzy" in e.flags:
            problems.append(f"{po}:{e.line}: fuzzy: {label!r}")
        msgstrs = e.msgstrs()
        if not msgstrs:
            problems.append(f"{po}:{e.line}: no msgstr: {label!r}")
        for name, value in msgstrs.items():
            if not value:
                problems.append(f"{po}:{e.line}: empty {name}: {label!r}")
    mo = po.with_suffix(".mo")
    if not mo.exists():
        problems.append(f"{mo}: missing; run compilemessages")
    elif _mo_message_count(mo) != count + 1:
        # Git does not keep file times, so compare contents: the .mo holds every translated
        # message plus the header.
        problems.append(f"{mo}: does not match {po.name}; run compilemessages")
    return count, problems


def _mo_message_count(mo: Path) -> int:
    data = mo.read_bytes()
    order = "<" if data[:4] == b"\xde\x12\x04\x95" else ">"
    return int(struct.unpack(order + "I", data[8:12])[0])


def main(argv: list[str]) -> int:
    locale_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_LOCALE_DIR
    catalogs = sorted(locale_dir.glob("*/LC_MESSAGES/*.po"))
    if not catalogs:
        print(f"no catalogs found under {locale_dir}", file=sys.stderr)
        return 1
    all_problems: list[str] = []
    for po in catalogs:
        lang = po.parent.parent.name
        domain = "" if po.stem == "django" else f" ({po.stem})"
        try:
            count, problems = check_catalog(po)
        except (ValueError, SyntaxError, UnicodeDecodeError) as exc:
            all_problems.append(f"{po}: cannot parse: {exc}")
            continue
        if problems:
            all_problems.extend(problems)
            print(f"translations incomplete: {lang}{domain} {len(problems)} problem(s)")
        else:
            print(f"translations complete: {lang}{domain} {count} strings")
    if all_problems:
        print(file=sys.stderr)
        for problem in all_problems:
            print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
