"""Quote and signature folding on real clients' replies in en, nb, sv, da and nl (pure)."""
# ruff: noqa: E501 - the sample mails read best one per line, as clients write them

from __future__ import annotations

import pytest

from casedesk.mail.quoting import split_reply

SUPPORT = "Support <support@desk.test>"

# (client-language, mail text, the reply that must remain)
REPLIES = [
    ("outlook-en", f"Hi,\nstill broken.\n\nFrom: {SUPPORT}\nSent: Monday, March 2, 2026 10:15\nTo: Anna <anna@a.test>\nSubject: [Case 2026-000001] New reply\n\nHello\n", "Hi,\nstill broken."),
    ("gmail-en", f"Still broken.\n\nOn Mon, 2 Mar 2026 at 10:15, {SUPPORT} wrote:\n> Hello\n", "Still broken."),
    ("gmail-en-wrapped", "Still broken.\n\nOn Mon, 2 Mar 2026 at 10:15, Support Team of the Vendor <\nsupport@desk.test> wrote:\n\n> Hello\n", "Still broken."),
    ("apple-en", f"Thanks!\n\nSent from my iPhone\n\n> On 2 Mar 2026, at 10:15, {SUPPORT} wrote:\n>\n> Hello\n", "Thanks!"),
    ("outlook-nb", f"Hei,\nDet virker fortsatt ikke. Se C:\\Data\\report.xlsx\n\nFra: {SUPPORT}\nSendt: mandag 2. mars 2026 10:15\nTil: Kari <kari@a.test>\nEmne: [Sak 2026-000001] Nytt svar\n\nHei Kari,\nPrøv igjen.\n", "Hei,\nDet virker fortsatt ikke. Se C:\\Data\\report.xlsx"),
    ("gmail-nb", f"Takk, nå virker det!\n\nman. 2. mar. 2026 kl. 10:15 skrev {SUPPORT}:\n> Hei Kari,\n> Prøv igjen.\n", "Takk, nå virker det!"),
    ("apple-nb", f"Virker ikke.\n\nSendt fra min iPhone\n\n> 2. mar. 2026 kl. 10:15 skrev {SUPPORT}:\n>\n> Hei\n", "Virker ikke."),
    ("outlook-sv", f"Hej!\nFortfarande fel.\n\nFrån: {SUPPORT}\nSkickat: den 2 mars 2026 10:15\nTill: Kari <kari@a.test>\nÄmne: [Ärende 2026-000001] Nytt svar\n\nHej\n", "Hej!\nFortfarande fel."),
    ("gmail-sv", f"Det fungerar nu.\n\nDen mån 2 mars 2026 kl 10:15 skrev {SUPPORT}:\n> Hej\n", "Det fungerar nu."),
    ("apple-sv", f"Fungerar inte.\n\nSkickat från min iPhone\n\n> 2 mars 2026 kl. 10:15 skrev {SUPPORT}:\n>\n> Hej,\n", "Fungerar inte."),
    ("outlook-da", f"Hej\nDet virker ikke.\n\nFra: {SUPPORT}\nSendt: 2. marts 2026 10:15\nTil: Kari <kari@a.test>\nEmne: [Sag 2026-000001] Nyt svar\n\nHej\n", "Hej\nDet virker ikke."),
    ("gmail-da", f"Tak, det virker.\n\nman. 2. mar. 2026 kl. 10.15 skrev {SUPPORT}:\n> Hej\n", "Tak, det virker."),
    ("apple-da", f"Virker stadig ikke.\n\nSendt fra min iPhone\n\n> Den 2. mar. 2026 kl. 10.15 skrev {SUPPORT}:\n>\n> Hej\n", "Virker stadig ikke."),
    ("outlook-nl", f"Hallo,\nNog steeds fout.\n\nVan: {SUPPORT}\nVerzonden: maandag 2 maart 2026 10:15\nAan: Kari <kari@a.test>\nOnderwerp: [Zaak 2026-000001] Nieuw antwoord\n\nHallo\n", "Hallo,\nNog steeds fout."),
    ("gmail-nl", f"Het werkt niet.\n\nOp ma 2 mrt 2026 om 10:15 schreef {SUPPORT}:\n> Hallo\n", "Het werkt niet."),
    ("apple-nl", f"Nog steeds kapot.\n\n> Op 2 mrt 2026, om 10:15 heeft {SUPPORT} het volgende geschreven:\n>\n> Hallo\n", "Nog steeds kapot."),
    ("outlook-old-separator", "Hi\n\n-----Original Message-----\nFrom: Support\nSent: Monday\n\nold\n", "Hi"),
    ("signature-dashes", "Fixed, thanks.\n\n-- \nAnna Berg\nClinic A\n", "Fixed, thanks."),
]  # fmt: skip


@pytest.mark.parametrize(("text", "reply"), [r[1:] for r in REPLIES], ids=[r[0] for r in REPLIES])
def test_the_quoted_history_is_folded(text: str, reply: str) -> None:
    new, folded = split_reply(text)
    assert new == reply
    assert folded
    assert text.startswith(new)
    assert folded.splitlines()[-1] in text  # kept, not thrown away


KEPT_WHOLE = [
    "Line one\n- a bullet\n- another\nTak for hjælpen i går\nBest regards is what I wrote\nend",
    "The log wrote: C:\\Data\\x.log at 10:15:\nfoo",
    "Fravær i timelisten vises ikke.\nMed vennlig hilsen\nKari",
    "",
]


@pytest.mark.parametrize("text", KEPT_WHOLE)
def test_ordinary_text_is_not_folded(text: str) -> None:
    assert split_reply(text) == (text, "")
