"""How a reader's message is read: contractions, her words against his, and what she asks for.

A reader writes "he hasn't texted me in 4 days, what should I do?". Read naively, "hasn't"
gives the one-letter token "t" (which every "Don't …" matches) and "do" and "4" are noise. Here:

- contractions are spelt out before anything else, with or without the apostrophe ("hasn't",
  "hasnt" → "has not"; "he's" → "he"), in the message and in the indexed node texts alike;
- function words (`graph.text_index.STOP_WORDS`) and the words every reader message is full of
  but no answer turns on ("get", "time", "really", "guy") are not terms; nor are bare numbers
  or one-letter words;
- each term knows whose clause it came from: `her` ("I keep overthinking", "how to stop
  overthinking"), `him` ("when he is distant", or what he says in quotes: `he texted "i need
  space"`) or `both` ("we", no subject, or what she thinks: "I think things are going too
  fast"): retrieval weighs
  a term from her clause lightly on his inner state (a reason), so her overthinking does not
  read as his rumination;
- what she asks for (`Intent`): advice ("should I", "how do I"), reasons ("why"), signs
  ("signs", "how can I tell"), a duration ("how long", "two weeks") or a verdict: where the line
  is between healthy space and a pattern to address ("is this normal", "should I be worried",
  "red flag", "is he done");
- her sentences (`sentences`: split at ".", "!", "?", ";" and line breaks), for a message that
  tells more than one situation;
- how long he has been distant, when she says it in days or weeks (`told_duration`: "4 days", "a
  week", "16 days", "two weeks"), so that a week is read against the articles' figures (3–7
  days, beyond two weeks) and not matched to "two weeks" by its word.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Final, Literal

import yaml

from graph.text_index import STOP_WORDS, analyse, expand_contractions

__all__ = [
    "COMMON_WORDS",
    "OFF_TOPIC",
    "READERS_WORDS",
    "Intent",
    "Role",
    "Term",
    "expand_contractions",
    "his_withdrawal",
    "names_a_man",
    "names_signs",
    "intents",
    "off_topic",
    "sentences",
    "terms",
    "told_duration",
]

Role = Literal["her", "him", "both"]
Intent = Literal["advice", "why", "signs", "duration", "verdict"]

# Words a reader's message is full of that no answer turns on; kept out of the terms so that
# "he goes cold every time we get close" does not find "Time together gets shorter"; then who he
# is to her ("my husband" is the articles' frame, as "my boyfriend") and when her story happens
# (the weekday, the evening, how many years). The last lines are how readers type ("idk", "tbh",
# "fr", "tho"): a word no node has, which would count as a subject the articles do not cover
# (`graph.retrieval.FLOOR`, `graph.retrieval.FOREIGN`).
COMMON_WORDS: Final = frozenset(
    """
    about actually again ago also always am any anymore anything around ask asked asking barely
    bf boyfriend bring can cause could day done down each even ever every everything feel feeling
    feels felt fine first get gets getting go goes going gone got guy guys happen happened happening honestly just
    keep keeps know knows like literally lol lot may maybe me mean meaning means might more most
    much must need needs never new nothing now ok okay one only other out over please pls pretty
    probably really right said say saying says see seem seems she should so some someone
    something still stop stopped stopping stops stuff such super sure take tell than thing
    things through time times together told try trying up very want wants way well went what
    whats while without woman women yeah yes yet
    husband hubby fiance fiancee partner
    monday tuesday wednesday thursday friday saturday sunday weekend weekends today tonight yesterday
    afternoon evening evenings lunch dinner year years
    btw idk idek imo ngl omg rn smh tbh ur wtf ya yall kinda sorta gonna wanna gotta u
    af bc bruh cuz dunno fml fr fyi haha hahaha hmm ikr imho istg jk lmao lmfao lowkey highkey
    nah nope nvm omfg plz prolly rly rlly srsly tbf tho thx ty ugh yep
    """.split()  # noqa: SIM905 (a word list reads best as words)
)
# A reader's word the articles never use, and theirs for the same thing ("mom": parents); see the file.
READERS_WORDS: Final[Mapping[str, str]] = MappingProxyType(
    yaml.safe_load((Path(__file__).parent / "readers_words.yaml").read_text(encoding="utf-8"))
)
_NOT_TERMS: Final = STOP_WORDS | COMMON_WORDS | {"not", "no"}
# Words that, before "to", say when or what ought to be ("he used to call", "we're supposed to"):
# no word of hers about what he does ("used" is not "useful" or "feels used").
_BEFORE_TO: Final = frozenset({"used", "supposed"})
# "After" is the articles' word for what follows intimacy ("pulls away after sex"); in a message
# that does not speak of intimacy it only orders her story ("after i met his roommates").
_INTIMACY: Final = re.compile(
    r"\b(?:sex|slept|sleep(?:ing)? (?:together|with)|hook(?:ed|ing)? up|hookup|intima\w*|in bed|"
    r"first time|first night|night together|made love|making love|physical|cuddl\w*|kiss\w*|close\w*)\b",
    re.IGNORECASE,
)
# "last week", "this month": when something happened, not how long he has been distant.
_DATE: Final = re.compile(r"\b(?:last|this|next|that)\s+(?:days?|weeks?|weekend|months?|years?|night)\b", re.IGNORECASE)
_WORD = re.compile(r"[^\W_]+")
_SENTENCE: Final = re.compile(r"[.!?;\n]+(?:\s|$)|\n")
_CLAUSE = re.compile(
    r"[.!?;,:()\n]+|\b(?:and|but|so|because|cause|bc|since|when|whenever|while|or|then|if|though|although)\b",
    re.IGNORECASE,
)
_HER: Final = frozenset({"i", "my", "myself", "mine"})
_HIM: Final = frozenset({"he", "his", "himself", "boyfriend", "bf", "guy", "man", "partner", "husband"})
# Every word that names him, or men: a message with none is about someone else, unless it tells
# his doing in other words (graph.retrieval).
_MEN: Final = _HIM | {"him", "hes", "boyfriends", "hubby", "guys", "men", "boy", "boys", "fiance", "ex"}
_SIGNS: Final = frozenset({"sign", "signs"})
_POSSESSIVE: Final[dict[str, Role]] = {"his": "him", "my": "her", "our": "both"}
_OPINING: Final = frozenset({"think", "thought", "guess", "wonder", "suppose", "believe", "bet"})
_ASKING: Final = frozenset({"how", "should", "what", "can", "do", "is", "am", "could", "would"})

_COUNTS: Final[dict[str, float]] = {
    "a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "a couple of": 2, "a couple": 2, "couple of": 2, "a few": 3, "few": 3, "several": 3,
}  # fmt: skip
_COUNT: Final = r"(\d{1,3}|" + "|".join(sorted(map(re.escape, _COUNTS), key=len, reverse=True)) + ")"

_INTENTS: Final[tuple[tuple[Intent, re.Pattern[str]], ...]] = (
    (
        "advice",
        re.compile(
            r"\b(?:should i|what (?:should|do|can|could) i|how (?:do|can|should|could) i|how to|"
            r"do i|can i|what now|advice|help me|what to do|stop|is there (?:an? )?(?:\w+ )?way|"
            r"(?:best|right|better|easier) way to|any tips|get him to)\b",
            re.IGNORECASE,
        ),
    ),
    ("why", re.compile(r"\b(?:why|reasons?|what makes|is that why|because of)\b", re.IGNORECASE)),
    ("signs", re.compile(r"\b(?:signs?|how (?:can|do) i (?:tell|know)|red flags?|is it normal)\b", re.IGNORECASE)),
    # A span of time, not one day ("he never asks about my day", "every day"): "how long", "days",
    # "a week", "two months".
    ("duration", re.compile(rf"\b(?:how long|days|weeks|months|{_COUNT}\s*(?:day|week|month))\b", re.IGNORECASE)),
    (
        "verdict",
        re.compile(
            r"\b(?:is (?:this|it|that|he|his \w+) (?:still |just |even )?(?:normal|healthy|ok|okay|fine)|"
            r"normal or|healthy or|(?:should|do|must) i (?:be )?(?:worried|worry|concerned)|"
            r"(?:a )?(?:red flags?|bad sign|warning signs?)|is (?:it|this|he|that) over|is he done|done with me|"
            r"how (?:can|do|would) i (?:tell|know)|when (?:should|do) i (?:worry|walk away|leave|give up)|"
            r"too long|still normal|(?:normal|healthy)(?=\s*\?))\b",
            re.IGNORECASE,
        ),
    ),
)


# Subjects of a relationship the articles do not treat: money, cheating, moving in together,
# chores, drink and drugs, violence, weddings and children, gifts and pets, a prenup, religion,
# politics, in-laws, his job applications, his health, unfollowing, snoring, a long-distance
# relationship, a kiss or an open relationship, porn, lateness, tattoos, smoking,
# social media. A message about one
# of them is declined unless it also speaks of his pulling away (`graph.retrieval`), so that a
# word it shares with the articles by chance ("pays it back", "changed his password") does not
# bring advice about something else. Phrases, not single words, where a word alone is on topic
# ("cheated on" is his past, "move on" is hers to decide, "his phone after sex" is a sign).
OFF_TOPIC: Final = re.compile(
    r"\b(?:money|cash|borrow\w*|lend\w*|loans?|debts?|owes?|owing|bills?|rent|salary|"
    r"cheating|cheats|i (?:have )?cheated|cheated on my (?:husband|boyfriend|bf|partner)|affair|"
    r"password|passcode|flirt(?:s|ing|ed)?|tinder|dating apps?|"
    r"mov(?:e|es|ing) in|liv(?:e|es|ing) together|chores?|housework|dishes|laundry|"
    r"drunk|drinks|drinking|alcohol|drugs?|weed|hits me|hit me|violent|abus\w*|"
    r"propos(?:e|ed|al)|wedding|pregnan\w*|baby|kids?|birthday|gifts?|dogs?|cats?|puppy|"
    r"prenup|religio\w*|church|politic\w*|vot(?:e|ed|ing)|elections?|in-laws?|"
    r"his (?:mom|mum|mother|dad|father|parents|family) (?:keeps|always|constantly|wants|expects|insists|"
    r"hates|doesn'?t like|shows up|calls|texts)|"
    r"resume|cv|job interviews?|doctor|illness|surgery|unfollow\w*|snor\w*|"
    r"long[- ]distance|time (?:difference|zones?)|"
    r"kiss(?:ed|ing) (?:someone|somebody|another|a girl|her|his ex)|on a break|open relationship|"
    r"threesomes?|porn\w*|always late|running late|tattoos?|smok(?:e|es|ing)|vap(?:e|es|ing)|"
    r"insta(?:gram)?|social media|date ideas?|"
    r"my (?:mom|mum|mother|dad|father|parents|family|friends) (?:hates?|dislikes?|doesn'?t like|don'?t like)|"
    r"(?:over|about|miss|missing) my ex|are you (?:a |an )?(?:real|human|bot|robot|ai|person)|"
    r"what can (?:you|u) (?:do|help)|do (?:you|u) speak|(?:i'?m|i am|we'?re|we are|got|get) engaged|"
    r"falling for (?:my|a|someone|another)|my (?:mom|mum|mother|dad|father|parents|family) can'?t stand|"
    r"my (?:best )?friends? (?:stopped|ignores?|doesn'?t invite|won'?t|is mad|hates?)|"
    r"(?:dating|with|slept with|hooked up with) my ex|my (?:daughter|son)|"
    r"(?:date|dating) (?:a |my )?(?:co-?workers?|colleagues?|boss)|who am i (?:talking|speaking) to|"
    r"how does this (?:chat|app|bot|thing) work|save (?:our|this|the) (?:conversation|chat))\b",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Term:
    """One meaningful word of a message: as typed (folded), its stem, and whose clause it is in."""

    word: str
    stem: str
    role: Role
    owned: bool = False  # said with a possessive right before it ("his friends", "my anxiety")


def _subject(words: list[str], i: int) -> Role | None:
    """The subject word `words[i]` names, if it is one ("my boyfriend" is his, "me" is no subject)."""
    word = words[i]
    if word in ("my", "our") and i + 1 < len(words) and words[i + 1] in _HIM:
        return "him"
    if word in _HER:
        return "her"
    if word in _HIM:
        return "him"
    if word in ("we", "our"):
        return "both"
    return None


def _roles(words: list[str]) -> list[Role]:
    """Whose each word is: the nearest subject before it ("I think he is avoidant": "avoidant" is
    his), else the clause's first subject, else hers when she is asking ("how to stop …")."""
    subjects = [_subject(words, i) for i in range(len(words))]
    current: Role | None = next((s for s in subjects if s is not None), None)
    if current is None:
        # "how to stop …" asks of her own doing; "what is the halo effect" asks what an idea is.
        # ("whats the …" reads "what the …": the clitic is dropped)
        defining = words[0] == "what" and words[1:2] in (["is"], ["are"], ["does"], ["the"], ["a"], ["an"])
        current = "her" if words[0] in _ASKING and not defining else "both"
    out: list[Role] = []
    for i, subject in enumerate(subjects):
        current = subject or current
        if subject == "her" and i + 1 < len(words) and words[i + 1] in _OPINING:
            current = "both"  # "i think things are going fast": what she thinks, not what she does
        out.append(current)
    return out


def terms(text: str) -> list[Term]:
    """The meaningful words of a reader's message, once each (first clause wins), in order.

    >>> [(t.word, t.role) for t in terms("How to stop overthinking when he is distant?")]
    [('overthinking', 'her'), ('distant', 'him')]
    >>> [t.word for t in terms("he hasn't texted me, I don't get it, every time we get close")]
    ['texted', 'close']
    >>> [(t.word, t.role) for t in terms('he said "i need space" and i think things are going fast')]
    [('space', 'him'), ('think', 'both'), ('fast', 'both')]
    >>> [t.word for t in terms("he used to call me every night")]
    ['call', 'night']
    >>> [t.word for t in terms("after we slept together he left")]
    ['after', 'slept', 'left']
    >>> [t.word for t in terms("after i met his roommates he left")]
    ['met', 'roommates', 'left']
    """
    out: dict[str, Term] = {}
    intimate = _INTIMACY.search(text) is not None
    for clause in _CLAUSE.split(_DATE.sub(" ", _his_words(expand_contractions(text)))):
        words = [w.casefold() for w in _WORD.findall(clause)]
        if not words:
            continue
        for i, (word, role) in enumerate(zip(words, _roles(words), strict=True)):
            if len(word) < 2 or any(c.isdigit() for c in word) or word in _NOT_TERMS or word in out:
                continue
            if word in _BEFORE_TO and words[i + 1 : i + 2] == ["to"]:  # "he used to call": when, not use
                continue
            if word == "after" and not intimate:  # the order of her story, not "after sex" (`_INTIMACY`)
                continue
            stem = analyse(word)
            if stem is not None and len(stem) > 1:
                before = words[i - 1] if i else ""
                if before in _POSSESSIVE:
                    out[word] = Term(word, stem, _POSSESSIVE[before], owned=True)
                else:
                    out[word] = Term(word, stem, role)
    return list(out.values())


# What he said, quoted: `he said "i need space"`, `he texts “im not ready”` (a speaking word of
# his, then a quote within a few words).
_QUOTED: Final = re.compile(
    r"""(\b(?:he|hes|him|his|boyfriend|bf)\b[^"“”.!?]{0,40}?)(["“])([^"“”]{1,300})(["”])""", re.IGNORECASE
)
_FIRST_PERSON: Final = re.compile(r"\b(?:i|im|me|my|myself|mine)\b", re.IGNORECASE)
_THIRD_PERSON: Final[dict[str, str]] = {
    "i": "he",
    "im": "he",
    "me": "him",
    "my": "his",
    "myself": "himself",
    "mine": "his",
}


def _his_words(text: str) -> str:
    """`text` with what he says in quotes told in the third person, so that whose words they are
    is read right: `he texts "i think this is going fast"` is his thought, not hers.

    >>> _his_words('next day he texts "hey i think my head is a mess" and then nothing')
    'next day he texts "hey he think his head is a mess" and then nothing'
    """

    def told(m: re.Match[str]) -> str:
        said = _FIRST_PERSON.sub(lambda w: _THIRD_PERSON[w.group(0).casefold()], m.group(3))
        return f"{m.group(1)}{m.group(2)}{said}{m.group(4)}"

    return _QUOTED.sub(told, text)


def sentences(text: str) -> list[str]:
    """The sentences of a message, each with a word in it.

    >>> sentences("We had a great weekend. Now he's gone quiet... did I come on too strong?")
    ['We had a great weekend', "Now he's gone quiet", 'did I come on too strong']
    """
    return [s.strip() for s in _SENTENCE.split(text) if _WORD.search(s)]


def names_a_man(text: str) -> bool:
    """Whether `text` names him, or men (`_MEN`: "he's", "my bf", "guys", "his ex").

    >>> names_a_man("why do guys go cold"), names_a_man("sister stopped speaking to me")
    (True, False)
    """
    return any(w.casefold() in _MEN for w in _WORD.findall(text))


def names_signs(text: str) -> bool:
    """Whether `text` asks for signs by that name ("what are the signs he is losing interest")."""
    return any(w.casefold() in _SIGNS for w in _WORD.findall(text))


def off_topic(text: str) -> tuple[str, ...]:
    """The words of `text` that name a subject the articles do not treat (`OFF_TOPIC`).

    >>> off_topic("he keeps borrowing money and never pays it back")
    ('borrowing', 'money')
    >>> off_topic("he went cold after I moved on")
    ()
    """
    return tuple(m.group(0).casefold() for m in OFF_TOPIC.finditer(text))


# How a reader says he pulls away, with him as its subject ("he went cold", "he's been ignoring me",
# "my bf barely replies", "he became standoffish"), or in words that only his silence fits
# ("radio silence", "left on read", "crickets"): a message that says so is about what the
# articles treat, whatever else it names ("since we talked about moving in he barely replies") and
# in whatever words ("he's gotten so withdrawn"). "His daughter is cold to me" is not his withdrawal.
HIS_WITHDRAWAL: Final = re.compile(
    r"\b(?:he|hes|he's|he’s|my (?:bf|boyfriend|husband|hubby|partner|fiance|fiancé|man|guy))\b"
    r"(?:(?:\s|,|…|\.\.\.)+(?!but\b|i\b|she\b|we\b|you\b|they\b)[\w'’]+){0,10}?(?:\s|,|…|\.\.\.)+[\"'“‘]?"
    r"(?:cold|colder|icy|distant|quiet|quieter|silent|aloof|standoffish|lukewarm|detached|checked out|"
    r"cagey|evasive|flaky|disappear\w*|vanish\w*|ghost\w*|ignor\w*|avoid\w*|dodg\w*|"
    r"pull(?:s|ed|ing)? (?:away|back)|back(?:s|ed|ing)? off|withdr\w*|shut(?:s|ting)? (?:down|me out)|"
    r"acting (?:so |really |kinda |super |all )?(?:weird|wierd|strange|off|different|distant|cold)|"
    r"(?:always|suddenly|so|too) busy|slammed|zoned out|(?:always |just )?on his phone|"
    r"chang(?:es|ed|ing) the subject|"
    r"stopp?(?:ed|s)? (?:texting|calling|replying|answering|reaching out|making plans|planning|initiating)|"
    r"barely (?:texts|text|replies|reply|responds|talks|calls)|needs? [\"'“‘]?(?:some )?space|"
    r"los(?:t|es|ing) interest)\b"
    r"|\b(?:radio silence|crickets|left (?:me )?on (?:read|delivered)|one[- ]word (?:answers|replies|texts))\b",
    re.IGNORECASE,
)


def his_withdrawal(text: str) -> str | None:
    """Her words saying that he is pulling away (`HIS_WITHDRAWAL`), if she says so.

    >>> his_withdrawal("he was sweet at the wedding but the next day he went cold on me")
    'he went cold'
    >>> his_withdrawal("his daughter is really cold to me whenever i'm over") is None
    True
    """
    m = HIS_WITHDRAWAL.search(expand_contractions(text))
    return m.group(0) if m else None


# A span of days or weeks: "4 days", "a week", "4-5 days", "two or three weeks". Not a date ("last
# week", "this week", "that day"), not how far into the relationship she is ("3 weeks in") and not
# for how long they have been together ("we've been dating for 3 weeks").
_SPAN: Final = re.compile(
    r"(?<!last )(?<!this )(?<!next )(?<!that )(?<!same )(?<!times )"
    rf"\b{_COUNT}(?:\s*(?:-|to|or)\s*{_COUNT})?\s*(days?|weeks?|wks?)\b(?!\s+in\b)",
    re.IGNORECASE,
)
# Words before a span that make it how long they have been together, not how long he has been
# distant ("we've been dating for 3 weeks", "we met 2 weeks ago"); read by `told_duration` and `intents` alike.
_TOGETHER_WORDS: Final = (
    r"been together|together for|dating|dated|seeing each other|known each other|met|married|"
    r"in a relationship|talking for"
)
_TOGETHER: Final = re.compile(rf"\b(?:{_TOGETHER_WORDS})\b[^.!?;]{{0,20}}$", re.IGNORECASE)
# The relationship's length as `intents` leaves it out: a span after those words, or how far in she
# is ("3 weeks in"), in any unit ("been together 8 months", "dating for a year").
_LENGTH: Final = re.compile(
    rf"\b(?:{_TOGETHER_WORDS})\b[^.!?;]{{0,20}}?\b{_COUNT}\s*(?:days?|weeks?|months?|years?)\b"
    rf"|\b{_COUNT}\s*(?:days?|weeks?|months?|years?)\s+in\b",
    re.IGNORECASE,
)


def told_duration(text: str) -> tuple[str, float] | None:
    """The longest time she says he has been distant, as she wrote it and in days, when she says
    it in days or weeks (the units of the articles' figures); None when she does not.

    >>> told_duration("he hasn't texted me in 4 days"), told_duration("its been 16 days of nothing")
    (('4 days', 4.0), ('16 days', 16.0))
    >>> told_duration("he needs a week alone after we got closer"), told_duration("gone for 4-5 days again")
    (('a week', 7.0), ('4-5 days', 5.0))
    >>> told_duration("two weeks of silence after a couple of days of short replies")
    ('two weeks', 14.0)
    >>> told_duration("we slept together 2 weeks ago and he's been quiet since")
    ('2 weeks', 14.0)
    >>> told_duration("we met last week, 3 weeks in"), told_duration("dating for 3 weeks")
    (None, None)
    >>> told_duration("i ask him 5 times a day")
    """
    longest: tuple[str, float] | None = None
    for m in _SPAN.finditer(text):
        if _TOGETHER.search(text[: m.start()]):
            continue
        count = max(_count(m.group(1)), _count(m.group(2)) if m.group(2) else 0.0)
        days = count * (7.0 if m.group(3).casefold().startswith("w") else 1.0)
        if longest is None or days > longest[1]:
            longest = (m.group(0), days)
    return longest


def _count(word: str) -> float:
    return float(word) if word.isdigit() else _COUNTS[" ".join(word.casefold().split())]


def intents(text: str) -> frozenset[Intent]:
    """What the message asks for.

    >>> sorted(intents("Why does he pull away and what should I do?"))
    ['advice', 'why']
    >>> sorted(intents("signs he is losing interest"))
    ['signs']
    >>> sorted(intents("he said he loves me last week")), sorted(intents("it has been two weeks"))
    ([], ['duration'])
    >>> sorted(intents("he goes quiet for days, is that normal?")), sorted(intents("nothing for 2 days. normal?"))
    (['duration', 'verdict'], ['duration', 'verdict'])
    >>> sorted(intents("we have been together 8 months and he barely talks to me")), sorted(intents("3 weeks in"))
    ([], [])
    >>> sorted(intents("we slept together 2 weeks ago and he has been quiet since"))
    ['duration']
    """
    spelt = _LENGTH.sub(" ", _DATE.sub(" ", expand_contractions(text)))
    return frozenset(name for name, pattern in _INTENTS if pattern.search(spelt))
