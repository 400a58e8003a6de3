"""Drafting the record of the talks from a news report: rules and the scenario's own vocabulary.

A report is read sentence by sentence. Parties, issues, options and venues are found through their names
and the ``aliases`` the scenario declares; proposals through who tabled them, when, and the distinctive
words of their titles. From these and a few fixed cues the draft proposes

- visits and meetings (a party's officials travelling to a venue, or meeting a party there),
- rounds of talks (talks or negotiations *in* a venue),
- statements (a party that said, expressed or called for something, with a stance from the model's fixed
  vocabulary: the strongest cue found wins, an accusation of new conditions over a rejection over support),
- figures (a death toll, people killed in a day, people held) as points of the scenario's series,
- the issues (and options) and the proposals the report names,

each with the span of the report it came from and a confidence. Dates are read by
:mod:`truce.analysis.report_dates` against the report's date. Nothing here changes a scenario:
:func:`edits_for` turns the entries a person accepts into edits that :mod:`truce.io.scenario_edit` applies.

Confidence is a plain score in [0, 1], not a probability: each rule starts from a base (a quoted statement
more than a paraphrase, a dated visit more than an undated one) and loses for every guess it had to make
(a speaker carried over from an earlier sentence, a date taken from the report's own date, a window of days
instead of a day). An entry found twice in one report gains a little.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import re
from dataclasses import dataclass, field, replace
from typing import Any

from truce.analysis.report_dates import FUTURE, NUMBER_WORDS, When, dateline, dates_in
from truce.errors import InputError, Problem
from truce.io.scenario_edit import Edit
from truce.model.checks import alias_key
from truce.model.scenario import Role, Scenario, Series, StatementStance, Venue

KINDS = ("meeting", "round", "statement", "figure", "issue", "proposal")
MAX_REPORT_CHARS = 200_000
# What one report may cost to read, whatever its size: each entry quotes at most QUOTE_MOST characters (the
# sentence, or the part of a long one around what the entry was read from), and one report gives at most
# MAX_ENTRIES entries, the rest counted as not drafted. Without them a report of one long sentence quoted the
# whole sentence in each of its hundreds of entries.
QUOTE_MOST = 300
MAX_ENTRIES = 100
SENTENCE_MOST = 2_000  # a longer run of words with no sentence break is read in pieces of this size

_TRAVEL = re.compile(
    r"\b(arriv(?:e|es|ed|ing) in|visit(?:s|ed|ing)?|visit to|trip to|head(?:s|ed|ing)?(?: on)? to|"
    r"travel(?:s|led|ed|ling|ing)?(?: on)? to|fl(?:y|ies|ew)(?: on)? to|land(?:s|ed)? in|(?:go|goes|went)(?: on)? to|"
    r"stop in)\s+(?:the\s+)?$"
)
_MEET = re.compile(r"\b(meet(?:s|ing)?(?: with)?|met(?: with)?|talks with|held talks with|sat down with)\b")
_ROUND = re.compile(r"\b(talks|negotiations|round|discussions|summit)\b")
_SPEECH = re.compile(
    r"\b(said|says|say|told|tells|stated|statement|expressed|express|called for|calls for|call for|accused|accuses|"
    r"warned|cautioned|described|insisted|demanded|announced|according to|rejected|rejects|accepted|accepts|"
    r"welcomed|welcomes|urged|voiced|dismissed|responded|replied|saying|calling|called|calls)\b"
)
# Stance cues, strongest first: the first that matches decides.
STANCE_CUES: tuple[tuple[StatementStance, re.Pattern[str]], ...] = (
    (
        StatementStance.accuses_of_new_conditions,
        re.compile(r"new conditions|new demands|added conditions|additional conditions|moving the goalposts"),
    ),
    (
        StatementStance.rejects,
        re.compile(r"\b(reject(?:s|ed|ing)?|refus(?:e|es|ed)|turned down|dismiss(?:es|ed)?|unacceptable)\b"),
    ),
    # support qualified in the same breath ("welcomed the text but said ...") is support with reservations
    (
        StatementStance.accepts_with_reservations,
        re.compile(
            r"with (?:some )?reservations|in principle|conditional(?:ly)? accept|"
            r"\b(?:accept|welcom|support|back|endors)\w* [^.]{0,60}\bbut\b"
        ),
    ),
    (
        StatementStance.supports,
        re.compile(
            r"\b(accept(?:s|ed)?|welcom(?:e|es|ed)|support(?:s|ed)?|back(?:s|ed)|endors(?:e|es|ed)|approv(?:e|es|ed))\b"
        ),
    ),
    (
        StatementStance.pessimistic,
        re.compile(
            r"pessimis|\bstall(?:ed|s)?\b|deadlock|impasse|no progress|little progress|collaps|\bbleak\b|far apart"
        ),
    ),
    (
        StatementStance.optimistic,
        re.compile(
            r"optimis|\bprogress\b|hopeful|\bpositive\b|constructive|breakthrough|close to (?:a|an) (?:deal|agreement)"
        ),
    ),
)
_OFFICE = re.compile(r"\b(team|office|minister|secretary|spokes\w*|president|envoy|official|department|negotiator)")
_PRONOUN = re.compile(
    r"^\s*(he|she|they|it|the group|the movement|officials|the (?:envoy|minister|secretary|delegation|spokesperson|"
    r"spokesman|spokeswoman|mediators?|negotiators?|president|official|team))\b"
)
# Words before a venue's name that make it a place ("in Israel") rather than the party of that name ("Israel said")
_PLACE_WORDS = re.compile(
    r"\b(?:in|to|at|from|into|near|across|towards?|visit(?:s|ed|ing)?|arriv(?:e|es|ed|ing) in)\s+(?:the\s+)?$"
)
_PROPOSAL = re.compile(r"\b(proposals?|plan|framework|text|offer|deal|draft|resolution|document)\b")
_RECENT = re.compile(r"\b(new|newest|latest|recent|days after|put forward|presented)\b")
_CLAUSE = re.compile(
    r",\s|;\s|\s[-\u2013\u2014]\s|\s(?:after|before|while|since|instead of|rather than|following|but|however)\s"
)
_DATELINE = re.compile(
    r"\s*(?:[A-Z][A-Za-z .'-]{1,40},\s*)?(?:date:?\s*)?"
    r"(?:\d{4}-\d{2}-\d{2}|[A-Z][a-z]+\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]+ \d{4})\b"
    r"(?:\s*\([^)]{1,40}\))?\s*(?:[-\u2013\u2014:.]\s*)?"
)
_TITLE_STOP = frozenset(
    ["proposal", "proposals", "text", "with", "from", "their", "about", "under", "three", "phase", "phases"]
)


@dataclass(frozen=True)
class Span:
    """Where an entry came from: the words of the report, their offsets and the line they start on."""

    text: str
    start: int
    end: int
    line: int


@dataclass(frozen=True)
class Entry:
    """One proposed entry. ``data`` is the new item for ``section`` (None when the entry is an item the
    scenario already holds: ``matches`` names it, and accepting the entry cites the report there)."""

    id: str
    kind: str
    summary: str
    span: Span
    confidence: float
    section: str
    data: dict[str, Any] | None = None
    matches: str | None = None
    series: str | None = None  # figures: the series the point belongs to
    new_series: dict[str, Any] | None = None  # figures: the series to create when the scenario has none that fits
    notes: tuple[str, ...] = ()
    key: tuple[Any, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class Draft:
    date: dt.date
    date_from: str  # "dateline" or "given"
    source_id: str
    source: dict[str, Any] | None  # the report as a new source (None: an existing source is cited)
    entries: tuple[Entry, ...]
    not_drafted: dict[str, int] = field(default_factory=dict)  # entries past MAX_ENTRIES, by kind

    def entry(self, entry_id: str) -> Entry:
        for e in self.entries:
            if e.id == entry_id:
                return e
        raise KeyError(entry_id)


@dataclass(frozen=True)
class Mention:
    kind: str  # party | mediators | issue | option | venue
    target: str  # an id; an option is "issue/option"
    start: int
    end: int
    surface: str


@dataclass
class Context:
    """The report and what every rule shares while reading it."""

    scenario: Scenario
    text: str
    low: str
    today: dt.date
    source_id: str
    words: list[tuple[str, str, re.Pattern[str], bool]]
    subject: Mention | None = None  # the last speaker or traveller named, for "he said"
    found: list[Entry] = field(default_factory=list)
    newlines: list[int] = field(default_factory=list)  # the offset of every line break, for the line of a span


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    clauses: tuple[tuple[int, int], ...]
    mentions: tuple[Mention, ...]
    places: tuple[Mention, ...]  # venue mentions read as places: after "in", "to", "visiting" ...


def draft_record(s: Scenario, text: str, today: dt.date | None = None, source_id: str | None = None) -> Draft:
    """The entries a report suggests for the scenario. ``today`` is the report's date (default: its dateline);
    ``source_id`` an existing source to cite (default: the report becomes a new source)."""
    if len(text) > MAX_REPORT_CHARS:
        raise InputError([Problem(f"the report is {len(text):,} characters, over {MAX_REPORT_CHARS:,}")])
    found_date = dateline(text)
    date = today or found_date
    if date is None:
        raise InputError([Problem("the report has no dateline (a date in its first lines): give its date", ("date",))])
    if not dt.date(1900, 1, 1) <= date <= dt.date(2200, 12, 31):
        raise InputError([Problem(f"the report's date {date} is not between 1900 and 2200", ("date",))])
    if source_id is not None and source_id not in s.sources:
        known = ", ".join(sorted(s.sources)) or "(none)"
        raise InputError([Problem(f"unknown source {source_id!r} (expected one of {known})", ("source",))])
    sid = source_id or _fresh(f"report-{date.isoformat()}", set(s.sources))
    ctx = Context(s, text, normalise(text), date, sid, vocabulary(s))
    ctx.newlines = [m.start() for m in re.finditer("\n", text)]
    for sentence in sentences(ctx):
        for rule in (_visits, _rounds, _statements, _figures, _issues, _proposals):
            rule(ctx, sentence)
    merged = _merge(ctx.found)
    entries = _number(merged[:MAX_ENTRIES])
    not_drafted: dict[str, int] = {}
    for e in merged[MAX_ENTRIES:]:
        not_drafted[e.kind] = not_drafted.get(e.kind, 0) + 1
    source = None if source_id else _source_of(text, date)
    return Draft(date, "given" if today else "dateline", sid, source, tuple(entries), not_drafted)


def normalise(text: str) -> str:
    """Lower case with one kind of quote, apostrophe and dash, keeping every character's offset."""
    table = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-"})
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text.translate(table))


def vocabulary(s: Scenario) -> list[tuple[str, str, re.Pattern[str], bool]]:
    """(kind, target, pattern, case-sensitive) for every name and alias. An alias in capitals of up to four
    letters ("US", "UN") is matched as written, so that it is not read in ordinary words ("us")."""
    words: list[tuple[str, str, str]] = []
    for p in s.parties:
        words += [("party", p.id, w) for w in (_bare(p.name), *p.aliases)]
    for i in s.issues:
        words += [("issue", i.id, w) for w in (_bare(i.name), *i.aliases)]
        words += [("option", f"{i.id}/{o.id}", w) for o in i.options for w in o.aliases]
    for v in s.venues:
        words += [("venue", v.id, w) for w in (v.name, *v.aliases)]
    if any(p.role is Role.mediator for p in s.parties):
        words.append(("mediators", "", "mediators"))
    out = []
    for kind, target, word in words:
        exact = word.isupper() and len(word.replace(".", "")) <= 4
        key = word if exact else alias_key(word)
        pattern = re.compile(r"(?<![\w.])" + re.escape(key).replace(r"\ ", r"\s+") + r"(?:s|es)?(?![\w])")
        out.append((kind, target, pattern, exact))
    return out


def _bare(name: str) -> str:
    """A name without what it says in brackets: "Israel (government)" is named "Israel" in reports."""
    return re.sub(r"\s*\([^)]*\)", "", name).strip() or name


def sentences(ctx: Context) -> list[Sentence]:
    """The report's sentences (a full stop, question or exclamation mark before a capital, or a blank line)."""
    out = []
    opening = _DATELINE.match(ctx.text)
    start = opening.end() if opening else 0
    for m in re.finditer(r"(?:(?<=[.!?])|(?<=[.!?][\"'\u201d)]))\s+(?=[\"\u201c(]?[A-Z])|\n\s*\n", ctx.text):
        out += [_sentence(ctx, a, b) for a, b in _pieces(ctx.text, start, m.start())]
        start = m.end()
    out += [_sentence(ctx, a, b) for a, b in _pieces(ctx.text, start, len(ctx.text))]
    return [s for s in out if s.end > s.start]


def _pieces(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """A sentence as pieces of at most :data:`SENTENCE_MOST` characters, cut after a clause's comma or
    semicolon (else at a space): the rules read a sentence as a whole, so a sentence of a whole report (no
    capital after its full stops) would cost its length for each name in it."""
    out = []
    while end - start > SENTENCE_MOST:
        cut = max(text.rfind(", ", start, start + SENTENCE_MOST), text.rfind("; ", start, start + SENTENCE_MOST))
        cut = cut + 1 if cut > start else text.rfind(" ", start, start + SENTENCE_MOST)
        cut = cut if cut > start else start + SENTENCE_MOST
        out.append((start, cut))
        start = cut
    return [*out, (start, end)]


def _sentence(ctx: Context, start: int, end: int) -> Sentence:
    while start < end and ctx.text[start].isspace():
        start += 1
    cuts = [start, *(start + m.start() for m in _CLAUSE.finditer(ctx.low[start:end])), end]
    clauses = tuple((a, b) for a, b in itertools.pairwise(cuts) if b > a)
    mentions = tuple(find_mentions(ctx, start, end))
    places = tuple(
        m for m in mentions if m.kind == "venue" and _PLACE_WORDS.search(ctx.low[max(start, m.start - 20) : m.start])
    )
    return Sentence(start, end, clauses, mentions, places)


def find_mentions(ctx: Context, start: int, end: int) -> list[Mention]:
    """Every name or alias between two offsets: the longest at each place, none overlapping within a kind."""
    hits: list[Mention] = []
    for kind, target, pattern, exact in ctx.words:
        haystack = ctx.text if exact else ctx.low
        for m in pattern.finditer(haystack, start, end):
            hits.append(Mention(kind, target, m.start(), m.end(), ctx.text[m.start() : m.end()]))
    hits.sort(key=lambda h: (h.start, -(h.end - h.start)))
    kept: list[Mention] = []
    for h in hits:
        group = "party" if h.kind == "mediators" else h.kind
        clash = any(
            ("party" if k.kind == "mediators" else k.kind) == group and k.start < h.end and h.start < k.end
            for k in kept
        )
        if not clash:
            kept.append(h)
    return kept


def _span(ctx: Context, start: int, end: int, at: int | None = None) -> Span:
    """The words between two offsets, cut to at most :data:`QUOTE_MOST` characters around ``at`` (default:
    from the start) at word breaks, an ellipsis marking each cut; the offsets are those of the words kept."""
    while end > start and ctx.text[end - 1] in " ,;":
        end -= 1
    first, last = start, end
    if end - start > QUOTE_MOST:
        middle = start if at is None else at - QUOTE_MOST // 3
        first = max(start, min(middle, end - QUOTE_MOST))
        last = first + QUOTE_MOST
        if first > start:
            space = ctx.text.find(" ", first, first + 40)
            first = space + 1 if space >= 0 else first
        if last < end:
            space = ctx.text.rfind(" ", last - 40, last)
            last = space if space > first else last
    text = ("\u2026" if first > start else "") + ctx.text[first:last] + ("\u2026" if last < end else "")
    return Span(text, first, last, bisect.bisect_left(ctx.newlines, first) + 1)


def _clause_of(sentence: Sentence, offset: int) -> tuple[int, int]:
    for a, b in sentence.clauses:
        if a <= offset < b:
            return a, b
    return sentence.start, sentence.end


def _when(ctx: Context, sentence: Sentence, clause: tuple[int, int]) -> When | None:
    """The date of a clause: its own, or else a day the sentence names (a window elsewhere in the sentence,
    such as "since last October", is about something else)."""
    found = dates_in(ctx.low[clause[0] : clause[1]], ctx.today) or [
        w for w in dates_in(ctx.low[sentence.start : sentence.end], ctx.today) if w.exact
    ]
    return found[0] if found else None


def _parties(sentence: Sentence, start: int = 0, end: int = 1 << 60, venues: bool = True) -> list[Mention]:
    """Party mentions between two offsets; with ``venues`` false, those that are a venue's name at that place
    ("arrived in Israel" names a place, not a party) are left out."""
    places = sentence.places
    out = []
    # mentions and places are in the order they stand: a long sentence is searched where asked, not throughout
    first = bisect.bisect_left(sentence.mentions, start, key=lambda m: m.start)
    for m in itertools.takewhile(lambda m: m.start < end, sentence.mentions[first:]):
        if m.kind not in ("party", "mediators"):
            continue
        at = bisect.bisect_right(places, m.start, key=lambda v: v.start) - 1  # the last place starting by it
        if not venues and at >= 0 and m.end <= places[at].end:
            continue
        out.append(m)
    return out


def _party_ids(ctx: Context, mention: Mention) -> list[str]:
    if mention.kind == "mediators":
        return [p.id for p in ctx.scenario.parties if p.role is Role.mediator]
    return [mention.target]


def _venue(ctx: Context, venue_id: str) -> Venue:
    return next(v for v in ctx.scenario.venues if v.id == venue_id)


def _visits(ctx: Context, sentence: Sentence) -> None:
    """A party's officials travelling to a venue, or meeting someone in one."""
    for place in (m for m in sentence.mentions if m.kind == "venue"):
        clause = _clause_of(sentence, place.start)
        before = ctx.low[max(sentence.start, place.start - 40) : place.start]
        travel = bool(_TRAVEL.search(before))
        meet = _MEET.search(ctx.low, sentence.start, sentence.end)
        if not travel and not (meet and before.endswith("in ")):
            continue
        cue = place.start if travel else meet.start() if meet else place.start
        who = _subject(ctx, sentence, cue)
        if who is None:
            continue
        venue = _venue(ctx, place.target)
        who_ids = _party_ids(ctx, who)
        met = [p for m in (_parties(sentence, meet.end(), venues=False) if meet else []) for p in _party_ids(ctx, m)]
        met = [p for p in dict.fromkeys(met) if p not in who_ids] or (
            [venue.host] if venue.host and venue.host not in who_ids else []
        )
        _add_meeting(ctx, sentence, _when_at(ctx, sentence, clause, place), who_ids, venue, met, travel)


def _when_at(ctx: Context, sentence: Sentence, clause: tuple[int, int], place: Mention) -> When | None:
    """The date of what happens at one place of a clause that names several ("arrived in Tarn on Friday and
    will go on to Vesk on Sunday"): the words between the place before it and the place after it decide,
    tense included; else the clause's date."""
    others = [m for m in sentence.mentions if m.kind == "venue" and clause[0] <= m.start < clause[1] and m != place]
    start = max([m.end for m in others if m.end <= place.start], default=clause[0])
    end = min([m.start for m in others if m.start >= place.end], default=clause[1])
    if not others:
        return _when(ctx, sentence, clause)
    future = bool(FUTURE.search(ctx.low[start:end]))
    found = dates_in(ctx.low[place.end : end], ctx.today, future) or dates_in(
        ctx.low[start : place.start], ctx.today, future
    )
    return found[0] if found else _when(ctx, sentence, clause)


def _subject(ctx: Context, sentence: Sentence, before: int) -> Mention | None:
    """Who a sentence is about: the first party named before ``before`` (not a place, not a source cited with
    "according to"), or the last one named before when the sentence opens with "he", "she" or "they"."""
    cited = ctx.low.find("according to", sentence.start, sentence.end)
    for m in _parties(sentence, sentence.start, before, venues=False):
        if cited < 0 or m.start < cited:
            ctx.subject = m
            return m
    if _PRONOUN.match(ctx.low[sentence.start : sentence.end]):
        return ctx.subject
    return None


def _add_meeting(
    ctx: Context,
    sentence: Sentence,
    when: When | None,
    who: list[str],
    venue: Venue,
    met: list[str],
    travel: bool,
) -> None:
    notes = []
    earlier = [e for e in ctx.found if e.kind == "meeting" and e.key[:2] == (tuple(who), venue.id)]
    if when is not None and when.exact:
        date, confidence = when.start, 0.85
    elif earlier:
        date, confidence = dt.date.fromisoformat(earlier[-1].key[2]), 0.7
        notes.append("no date of its own: the date of the visit named before")
    else:
        date, confidence = (when.start if when else ctx.today), 0.55
        notes.append(
            f"no day named: {'the first day of ' + repr(when.words) if when else 'the report' + chr(39) + 's date'}"
        )
    data: dict[str, Any] = {"id": "", "date": date.isoformat(), "venue": venue.name, "who": who}
    if met:
        data["met_with"] = met
    data["outcome"] = _span(ctx, sentence.start, sentence.end).text
    data["sources"] = [ctx.source_id]
    names = ", ".join(ctx.scenario.party(p).name for p in who)
    summary = f"{'visit' if travel else 'meeting'}: {names} in {venue.name} on {date}" + (
        f", meeting {', '.join(ctx.scenario.party(p).name for p in met)}" if met else ""
    )
    matches = _match_meeting(ctx.scenario, who, venue, When(date, date, "", True))
    key = (tuple(who), venue.id, date.isoformat())
    entry = Entry(
        "", "meeting", summary, _span(ctx, sentence.start, sentence.end), confidence, "meetings", data, matches
    )
    ctx.found.append(replace(entry, notes=tuple(notes), key=key))


def _match_meeting(s: Scenario, who: list[str], venue: Venue, when: When) -> str | None:
    for m in s.meetings:
        if set(m.who) & set(who) and venue_named(venue, m.venue) and when.contains(m.date, slack=1):
            return m.id
    return None


def venue_named(venue: Venue, text: str | None) -> bool:
    """Whether a free-text venue ("El Alamein, Egypt") names this venue by its name or an alias."""
    if not text:
        return False
    said = " " + alias_key(re.sub(r"[^\w\s]", " ", text)) + " "
    return any(f" {alias_key(w)} " in said for w in (venue.name, *venue.aliases))


def _rounds(ctx: Context, sentence: Sentence) -> None:
    """Talks or negotiations in a venue: a round, dated by its clause (a window when the report gives one)."""
    for place in (m for m in sentence.mentions if m.kind == "venue"):
        clause = _clause_of(sentence, place.start)
        words = ctx.low[clause[0] : clause[1]]
        before = ctx.low[max(clause[0], place.start - 40) : place.start]
        after = ctx.low[place.end : min(clause[1], place.end + 20)]
        if not _ROUND.search(words) or _TRAVEL.search(before):
            continue
        if not (before.endswith("in ") or _ROUND.match(after.strip())):
            continue
        venue = _venue(ctx, place.target)
        when = _when(ctx, sentence, clause) or When(ctx.today, ctx.today, "", False)
        between = ctx.low.find("between", clause[0], clause[1])
        who = [
            p
            for m in (_parties(sentence, between, clause[1], False) if between >= 0 else [])
            for p in _party_ids(ctx, m)
        ]
        data: dict[str, Any] = {"id": "", "title": f"Talks in {venue.name}", "start": when.start.isoformat()}
        if when.end != when.start:
            data["end"] = min(when.end, ctx.today).isoformat() if when.start <= ctx.today else when.end.isoformat()
        data.update({"venue": venue.name, "participants": list(dict.fromkeys(who))})
        data.update({"summary": _span(ctx, clause[0], clause[1]).text.strip(), "sources": [ctx.source_id]})
        notes = (
            ()
            if when.exact
            else (
                f"the report says {when.words!r}: the dates bracket the round"
                if when.words
                else "no date named: the report's date",
            )
        )
        upcoming = when.start > ctx.today
        summary = f"{'coming ' if upcoming else ''}round: talks in {venue.name}, {when.start}" + (
            f" to {data['end']}" if "end" in data else ""
        )
        matches = _match_round(ctx, venue, when)
        entry = Entry(
            "", "round", summary, _span(ctx, clause[0], clause[1]), 0.8 if when.exact else 0.65, "rounds", data, matches
        )
        ctx.found.append(replace(entry, notes=notes, key=(venue.id, when.start.isoformat())))


def _match_round(ctx: Context, venue: Venue, when: When) -> str | None:
    """A round the scenario holds at this venue whose days meet the report's (within a week of the report's
    date when the report names no day: "talks in Doha had stalled" speaks of the round just held)."""
    if not when.words:
        when = When(ctx.today - dt.timedelta(days=7), ctx.today + dt.timedelta(days=7), "", False)
    for r in ctx.scenario.rounds:
        if venue_named(venue, r.venue) and _overlaps(r.start, r.end or r.start, when):
            return r.id
    return None


def _overlaps(start: dt.date, end: dt.date, when: When) -> bool:
    return start <= when.end + dt.timedelta(days=1) and when.start - dt.timedelta(days=1) <= end


def _statements(ctx: Context, sentence: Sentence) -> None:
    """A party that said, expressed or called for something, with a stance the cues name. A sentence that
    joins two speakers ("A said ..., while B described ...") gives a statement for each part."""
    cuts = [sentence.start]
    cuts += [sentence.start + m.start() for m in _SPEAKERS.finditer(ctx.low[sentence.start : sentence.end])]
    cuts.append(sentence.end)
    for k, (a, b) in enumerate(itertools.pairwise(cuts)):
        part = replace(sentence, start=a, end=b, mentions=tuple(m for m in sentence.mentions if a <= m.start < b))
        if k == 0 or _parties(part, venues=False):
            _statement(ctx, part)


def _statement(ctx: Context, sentence: Sentence) -> None:
    low = ctx.low[sentence.start : sentence.end]
    cue = _SPEECH.search(low)
    stance = next((st for st, pattern in STANCE_CUES if pattern.search(low)), None)
    if cue is None or stance is None:
        return
    quoted = re.findall(r'"([^"]{2,400})"', ctx.text[sentence.start : sentence.end].translate(_QUOTES))
    found = _speaker(ctx, sentence, stance)
    if found is None:
        return
    first, stance, when = found
    ids = _party_ids(ctx, first)
    speaker: Any = ids[0]
    if first.kind == "party" and _OFFICE.search(first.surface.lower()):
        speaker = {"name": first.surface, "party": ids[0]}
    notes = () if when and when.exact else ("no day named: the report's date",)
    date = when.start if when and when.exact else ctx.today
    # a recent window ("last week") dates the statement; an older one ("a plan outlined in late May") is
    # about something else the sentence names
    if when and not when.exact and not when.contains(ctx.today) and (ctx.today - when.end).days <= 14:
        date, notes = when.start, (f"no day named: the first day of {when.words!r}",)
    about = None if re.search(r"instead of|rather than", low) else _best_proposal(ctx, sentence.start, sentence.end)
    data: dict[str, Any] = {"id": "", "speaker": speaker, "date": date.isoformat()}
    if len(ids) > 1:
        data["joint_with"] = ids[1:]
    if about:
        data["about"] = about
    quote = " ... ".join(q.strip() for q in quoted) or _span(ctx, sentence.start, sentence.end).text
    data.update({"stance": stance.value, "quote": quote, "sources": [ctx.source_id]})
    if not quoted:
        data["note"] = "The report's paraphrase, not quoted words."
    confidence = (0.8 if quoted else 0.6) - (0.1 if not (when and when.exact) else 0.0)
    window = (
        When(date, date, "", True)
        if when and when.exact
        else When(ctx.today - dt.timedelta(days=7), ctx.today, "", False)
    )
    matches = next(
        (
            st.id
            for st in ctx.scenario.statements
            if st.party() == ids[0] and st.stance is stance and window.contains(st.date, 1)
        ),
        None,
    )
    who = ctx.scenario.party(ids[0]).name + (" (jointly)" if len(ids) > 1 else "")
    summary = f"statement: {who}, {stance.value.replace('_', ' ')}, {date}" + (f", about {about}" if about else "")
    entry = Entry(
        "",
        "statement",
        summary,
        _span(ctx, sentence.start, sentence.end),
        round(confidence, 2),
        "statements",
        data,
        matches,
    )
    ctx.found.append(replace(entry, notes=notes, key=(ids[0], stance.value, date.isoformat())))


def _speaker(
    ctx: Context, sentence: Sentence, stance: StatementStance
) -> tuple[Mention, StatementStance, When | None] | None:
    """Who speaks in a sentence, with the stance and date of their own words.

    What a speaker relates of another party ("Israel rejected the text, according to Hamas"; "Hamas rejected
    it, an Israeli official said"; "the US said Hamas had rejected it") is that party's act in the speaker's
    account, not the speaker's stance: only an accusation of new conditions, which is the speaker's own, is
    kept from it, and a stance in the speaker's own words ("..., according to Hamas, which accused ...").
    """
    first = _subject(ctx, sentence, sentence.end)
    if first is None:
        return None
    cited = _cited(ctx, sentence, first)
    if cited is None and _unnamed_source(ctx, sentence, first):
        return None  # "Hamas rejected it, an official said": whose account it is, the report does not say
    if cited is None:
        if stance is not StatementStance.accuses_of_new_conditions and _relates(ctx, sentence, first):
            return None
        return first, stance, _when(ctx, sentence, (sentence.start, sentence.end))
    source, at = cited
    own = ctx.low[at : sentence.end]
    said = next((st for st, pattern in STANCE_CUES if pattern.search(own)), None)
    if said is None and (stance is StatementStance.accuses_of_new_conditions or _possessive(ctx, first)):
        said = stance  # an accusation, or a stance on a text ("Israel's offer was unacceptable, Hamas said")
    return None if said is None else (source, said, next(iter(dates_in(own, ctx.today)), None))


# "..., an Israeli official said on Tuesday.": the attribution closing a sentence, after its last comma
_SAID_LAST = re.compile(r",\s+[^,]{1,80}?\b(?:said|says|told|stated|added|insisted|warned)\b[^,]{0,40}$")
# "The US said Hamas had ...": the party the speaker's words are about, opening them
_SAID_OF = re.compile(r"\b(?:said|says|told \w+|stated|announced|insisted|warned|claimed)\s+(?:that\s+)?")


def _cited(ctx: Context, sentence: Sentence, subject: Mention) -> tuple[Mention, int] | None:
    """The party a sentence cites ("according to P", or "..., P said" closing it) and where its own words
    start, when it is not the subject's party."""
    at = ctx.low.find("according to", sentence.start, sentence.end)
    if at < 0:
        tail = _SAID_LAST.search(ctx.low[sentence.start : sentence.end].rstrip(" .\"'\u201d\n"))
        if tail is None:
            return None
        at = sentence.start + tail.start()
    source = next(iter(_parties(sentence, at, sentence.end)), None)  # a name cited as a source is no place
    if source is None or _party_ids(ctx, source)[0] == _party_ids(ctx, subject)[0]:
        return None
    return source, at


def _unnamed_source(ctx: Context, sentence: Sentence, subject: Mention) -> bool:
    """Whether the sentence closes by giving its words to someone it names as no party, after the subject."""
    tail = _SAID_LAST.search(ctx.low[sentence.start : sentence.end].rstrip(" .\"'\u201d\n"))
    return (
        tail is not None
        and subject.start < sentence.start + tail.start()
        and not _parties(sentence, sentence.start + tail.start(), sentence.end)
    )


def _possessive(ctx: Context, mention: Mention) -> bool:
    return ctx.low[mention.end : mention.end + 2] in ("'s", "\u2019s")


def _relates(ctx: Context, sentence: Sentence, speaker: Mention) -> bool:
    """Whether the speaker's words open with another party as their subject ("said Hamas had rejected")."""
    said = _SAID_OF.search(ctx.low, speaker.end, sentence.end)
    if said is None:
        return False
    other = next(iter(_parties(sentence, said.end(), said.end() + 1)), None)
    if other is None or _possessive(ctx, other):
        return False  # "said Israel's proposal was unacceptable" is the speaker's stance on a text
    return _party_ids(ctx, other)[0] != _party_ids(ctx, speaker)[0]


_SPEAKERS = re.compile(r"\s(?:while|whereas)\s|;\s")
_QUOTES = str.maketrans({"\u201c": '"', "\u201d": '"'})

_QUALIFIER = r"more than|over|at least|nearly|almost|about|around|some|roughly|close to|fewer than|less than|up to"
_WORDS = NUMBER_WORDS[1:]  # one to twenty: _WORDS.index(w) + 1 is the number
_FIGURE = re.compile(
    rf"\b(?:({_QUALIFIER})\s+)?(\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?(?:\s+(?:million|thousand))?|"
    rf"(?:a|one|two|three|four|five|six)\s+dozen|{'|'.join(_WORDS)})\b"
)
_PEOPLE = re.compile(
    r"^\s+(?:\w+\s+){0,2}?(people|persons|palestinians|israelis|civilians|children|hostages|captives|"
    r"prisoners|detainees|deaths|dead|bodies|soldiers)\b"
)
_TOLL = re.compile(
    r"toll\b[^.]{0,30}\b(?:reached|rose to|passed|surpassed|climbed to|stood at|stands at|hit|of|at|to)\s+$"
)
# What a figure counts: (kind, words that must be in the sentence, words that must be near the number)
_CUMULATIVE = re.compile(r"toll|since|in total|so far|to date|overall|cumulative")
_PERIOD = re.compile(
    r"overnight|yesterday|today|past 24 hours|in a day|last night|on (?:mon|tues|wednes|thurs|fri|satur|sun)day"
)
NEW_SERIES = {
    "deaths": ("deaths-reported", "Deaths reported since the start of the count", "deaths"),
    "deaths-a-day": ("deaths-in-a-day-reported", "People killed in one day, as reported", "deaths in a day"),
    "held": ("people-held-reported", "People held, as reported", "people held"),
}


def figure_value(words: str) -> int | None:
    """A count as written: "40,000", "1.5 million", "two dozen", "eight"."""
    words = words.strip()
    dozen = re.fullmatch(r"(a|one|two|three|four|five|six)\s+dozen", words)
    if dozen:
        return 12 * (1 if dozen[1] in ("a", "one") else _WORDS.index(dozen[1]) + 1)
    if words in _WORDS:
        return _WORDS.index(words) + 1
    scale = 1_000_000 if words.endswith("million") else 1_000 if words.endswith("thousand") else 1
    number = float(words.split()[0].replace(",", ""))
    return round(number * scale)


def _figures(ctx: Context, sentence: Sentence) -> None:
    """Counts of people killed or held, as points of the scenario's series (or of a new one). What the whole
    sentence says is read once for all its figures, so a long sentence costs its length, not its length
    times its figures."""
    low = ctx.low[sentence.start : sentence.end]
    held_words = re.search(r"\bheld\b|remain|captivity|custody|still", low)
    deaths = re.search(r"killed|death toll|deaths|\bdead\b|died|lost their lives", low)
    total = _CUMULATIVE.search(low) or not _PERIOD.search(low)
    when: list[When | None] = []  # the sentence's date, read at its first figure
    for m in _FIGURE.finditer(low):
        after = low[m.end() : m.end() + 40]
        noun = _PEOPLE.match(after)
        if not noun and not _TOLL.search(low[max(0, m.start() - 60) : m.start()]):
            continue
        if re.match(r"\s*(?:days?|weeks?|months?|years?|per cent|%)", after):
            continue
        held_noun = noun is not None and noun[1] in ("hostages", "captives", "detainees", "prisoners")
        held = held_noun and held_words
        if not held and not deaths:
            continue
        kind = "held" if held else "deaths" if total else "deaths-a-day"
        value = figure_value(m[2])
        if value is None:
            continue
        if not when:
            when.append(_when(ctx, sentence, (sentence.start, sentence.end)))
        _add_figure(ctx, sentence, when[0], kind, value, m[1], (sentence.start + m.start(), sentence.start + m.end()))


def _series_for(s: Scenario, kind: str) -> Series | None:
    """The scenario's series a figure belongs to, read from the series' own id, name and unit."""
    for series in s.series:
        words = alias_key(f"{series.id} {series.name} {series.unit}".replace("-", " "))
        daily = re.search(r"\b(day|daily|overnight)\b", words)
        if kind == "held" and re.search(r"held|hostage|captive", words):
            return series
        if kind.startswith("deaths") and re.search(r"death|killed", words) and bool(daily) == (kind == "deaths-a-day"):
            return series
    return None


def _add_figure(
    ctx: Context,
    sentence: Sentence,
    when: When | None,
    kind: str,
    value: int,
    qualifier: str | None,
    at: tuple[int, int],
) -> None:
    stock = kind != "deaths-a-day"
    if when is None or (stock and when.contains(ctx.today)) or not when.exact:
        date = ctx.today if when is None or stock or when.contains(ctx.today) else when.end
    else:
        date = when.start
    series = _series_for(ctx.scenario, kind)
    notes = [f"the report says {qualifier!r} {value:,}"] if qualifier else []
    reporter = _reporter(ctx, sentence)
    fits = "no series of the scenario fits"
    if series is not None and reporter and not _words(reporter) <= _words(series.reported_by):
        fits = "it is kept apart"
        # a series is one reporter's count: another's figure beside it would read as a change in the count
        notes.append(f"the report gives it to {reporter}; {series.id} is reported by {series.reported_by}")
        series = None
    point = {"date": date.isoformat(), "value": value, "source": ctx.source_id, "confidence": "single"}
    new = None
    matches = None
    if series is None:
        sid, name, unit = NEW_SERIES[kind]
        new = {"id": _fresh(sid, {x.id for x in ctx.scenario.series}), "name": name, "unit": unit,
               "reported_by": reporter or "as relayed by the report"}  # fmt: skip
        notes.append(f"{fits}: a new series {new['id']!r}")
    else:
        same_day = [p for p in series.points if p.date == date]
        if same_day and same_day[0].value == value:
            matches = series.id
        elif same_day:
            notes.append(f"{series.id} already has {same_day[0].value:,} on {date}: accepting would clash")
    target = series.id if series else str(new["id"]) if new else ""
    summary = f"figure: {value:,} {(series.unit if series else NEW_SERIES[kind][2])} on {date} ({target})"
    vague = not stock and (when is None or not when.exact)  # a count for a day needs its day
    confidence = 0.75 - (0.05 if qualifier else 0.0) - (0.1 if vague else 0.0)
    entry = Entry(
        "", "figure", summary, _span(ctx, sentence.start, sentence.end, at[0]), round(confidence, 2), "series", point
    )
    entry = replace(entry, matches=matches, series=target, new_series=new, notes=tuple(notes))
    ctx.found.append(replace(entry, key=(target, value, date.isoformat())))


# who a sentence gives its figures to: "according to X", "..., X said" closing it, or "X said ..." opening it
_REPORTED = (
    re.compile(r"according to ([^,.;]+)"),
    re.compile(r",\s+([^,]{1,60}?)\s+(?:said|says|reported|reports)\b[^,]{0,40}$"),
    re.compile(r"^\W*((?:\w+\W+){0,6}?\w+)\s+(?:said|says|reported|reports)\b"),
)
_FILLER = {"the", "a", "an", "of", "and", "in"}


def _reporter(ctx: Context, sentence: Sentence) -> str | None:
    text = ctx.text[sentence.start : sentence.end].rstrip(" .\"'\u201d\n")
    found = next((m[1].strip() for pattern in _REPORTED if (m := pattern.search(text))), None)
    return found if found and _words(found) else None


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", alias_key(text))) - _FILLER


def _issues(ctx: Context, sentence: Sentence) -> None:
    """The issues a sentence names, through their names and aliases or those of their options."""
    sticking = bool(
        re.search(r"sticking points?|main obstacles?|points? of contention", ctx.low[sentence.start : sentence.end])
    )
    named: dict[str, list[Mention]] = {}
    for m in sentence.mentions:
        if m.kind in ("issue", "option"):
            named.setdefault(m.target.split("/")[0], []).append(m)
    for issue_id, found in named.items():
        issue = ctx.scenario.issue(issue_id)
        options = [m.target.split("/")[1] for m in found if m.kind == "option"]
        labels = {o.id: o.label for o in issue.options}
        notes = ["named as a sticking point"] if sticking else []
        notes += [f"option named: {labels[o]}" for o in dict.fromkeys(options)]
        by_name = any(m.kind == "issue" for m in found)
        start, end = min(m.start for m in found), max(m.end for m in found)
        clause = _clause_of(sentence, start)
        span = _span(ctx, min(clause[0], start), max(_clause_of(sentence, end - 1)[1], end))
        entry = Entry("", "issue", f"issue: {issue.name}", span, 0.8 if by_name else 0.65, "issues", None, issue_id)
        ctx.found.append(replace(entry, notes=tuple(notes), key=(issue_id,)))


def _best_proposal(ctx: Context, start: int, end: int) -> str | None:
    found = _proposal_scores(ctx, start, end)
    return found[0] if found else None


def _proposal_scores(ctx: Context, start: int, end: int) -> tuple[str, int] | None:
    """The proposal a clause speaks of, and how well it fits: 2 for a party that tabled it opening the clause
    or named as its author (1 if named elsewhere in it), 2 for a date named there that it falls in, 2 for a
    distinctive word of its title and 1 for each further one, 1 for "new" or "latest" on the newest text. At
    least 3 is needed, and a tie is no answer."""
    low = ctx.low[start:end]
    if not _PROPOSAL.search(low):
        return None
    mentions = [m for m in find_mentions(ctx, start, end) if m.kind in ("party", "mediators")]
    # the party a clause opens with, or one named as the author ("outlined by ..."), counts double
    lead = {
        p
        for k, m in enumerate(mentions)
        if k == 0 or ctx.low[m.start - 3 : m.start] == "by "
        for p in _party_ids(ctx, m)
    }
    named = {p for m in mentions for p in _party_ids(ctx, m)}
    windows = [w for w in dates_in(low, ctx.today) if not w.contains(ctx.today)]
    known = [p for p in ctx.scenario.proposals if p.date <= ctx.today]
    newest = max(known, key=lambda p: p.date).id if known else None
    scores = []
    for p in known:
        score = 2 if lead & set(p.tabled_by) else 1 if named & set(p.tabled_by) else 0
        score += 2 * any(w.contains(p.date) for w in windows)
        authors = {w for t in p.tabled_by for w in _title_words(ctx.scenario.party(t).name)}
        # "Alderian" in "Alderian counter-proposal" names its author, already counted above
        authors |= {w for w in _title_words(p.title) for a in set(authors) if w[:5] == a[:5]}
        words = sum(1 for w in _title_words(p.title) - authors if re.search(rf"\b{re.escape(w)}\b", low))
        score += words + (1 if words else 0)  # the first distinctive word of a title counts double
        score += 1 if p.id == newest and _RECENT.search(low) else 0
        scores.append((score, p.id))
    scores.sort(reverse=True)
    if not scores or scores[0][0] < 3 or (len(scores) > 1 and scores[1][0] == scores[0][0]):
        return None
    return scores[0][1], scores[0][0]


def _title_words(title: str) -> set[str]:
    words = set(re.findall(r"[a-z][a-z\-]{4,}", normalise(title)))
    return {w for w in words if w not in _TITLE_STOP}


def _proposals(ctx: Context, sentence: Sentence) -> None:
    for clause in sentence.clauses:
        found = _proposal_scores(ctx, *clause)
        if found is None:
            continue
        pid, score = found
        title = ctx.scenario.proposal(pid).title
        confidence = round(min(0.9, 0.5 + 0.1 * (score - 3)), 2)
        entry = Entry("", "proposal", f"proposal: {title}", _span(ctx, *clause), confidence, "proposals", None, pid)
        ctx.found.append(replace(entry, key=(pid,)))


def _merge(found: list[Entry]) -> list[Entry]:
    """One entry for what the report says more than once: the most confident reading, a little more confident
    for being said twice; a meeting keeps everyone met in any of its mentions."""
    merged: dict[tuple[Any, ...], Entry] = {}
    for e in found:
        k = (e.kind, *e.key)
        first = merged.get(k)
        if first is None:
            merged[k] = e
            continue
        best = e if e.confidence > first.confidence else first
        data = best.data
        if e.kind == "meeting" and first.data and e.data:
            met = list(dict.fromkeys([*first.data.get("met_with", []), *e.data.get("met_with", [])]))
            data = {**(best.data or {}), **({"met_with": met} if met else {})}
        notes = tuple(dict.fromkeys((*best.notes, *(n for n in (first.notes + e.notes) if n.startswith("named as")))))
        merged[k] = replace(best, data=data, notes=notes, confidence=round(min(0.95, best.confidence + 0.05), 2))
    return list(merged.values())


def _number(entries: list[Entry]) -> list[Entry]:
    """Entry ids (``meeting-1``, ``issue-philadelphi``) and ids for the new items, unique in their lists."""
    out = []
    counts: dict[str, int] = {}
    used: dict[str, set[str]] = {}
    for e in entries:
        if e.kind in ("issue", "proposal"):
            out.append(replace(e, id=f"{e.kind}-{e.matches}"))
            continue
        counts[e.kind] = counts.get(e.kind, 0) + 1
        data = e.data
        if data is not None and "id" in data:
            taken = used.setdefault(e.section, set())
            data = {**data, "id": _fresh(_item_id(e), taken)}
            taken.add(data["id"])
        out.append(replace(e, id=f"{e.kind}-{counts[e.kind]}", data=data))
    return out


def _item_id(e: Entry) -> str:
    return "-".join(str(part) for part in e.key).replace("_", "-")


def _fresh(base: str, taken: set[str]) -> str:
    base = re.sub(r"[^A-Za-z0-9_.\-]", "-", base)[:70].strip("-") or "entry"
    found, n = base, 2
    while found in taken:
        found, n = f"{base}-{n}", n + 1
    return found


def _source_of(text: str, date: dt.date) -> dict[str, Any]:
    """The report as a source: its first sentence (without the dateline) as the title, a single report."""
    opening = _DATELINE.match(text)
    body = text[opening.end() if opening else 0 :].strip()
    first = re.split(r"(?<=[.!?])\s", body, maxsplit=1)[0] if body else "News report"
    title = first if len(first) <= 160 else first[:157].rsplit(" ", 1)[0] + "..."
    return {"title": title, "date": date.isoformat(), "confidence": "single"}


def edits_for(draft: Draft, s: Scenario, accepted: list[str]) -> list[Edit]:
    """The edits that add the accepted entries to the scenario: new items appended, the report cited on the
    items the scenario already holds, figures as points of their series (a new series made once)."""
    known = {e.id for e in draft.entries}
    unknown = [a for a in accepted if a not in known]
    if unknown:
        listed = ", ".join(e.id for e in draft.entries) or "(none)"
        raise InputError(
            [Problem(f"no entry {', '.join(map(repr, unknown))} in the draft (it has {listed})", ("accept",))]
        )
    chosen = [draft.entry(a) for a in dict.fromkeys(accepted)]
    edits: list[Edit] = [Edit("source", "sources", draft.source_id, draft.source)] if draft.source and chosen else []
    made: dict[str, dict[str, Any]] = {}
    for e in chosen:
        if e.kind == "figure":
            if e.matches is not None:
                continue  # the point is already in the series
            if e.new_series is not None:
                series = made.setdefault(e.series or "", {**e.new_series, "points": []})
                series["points"] = sorted([*series["points"], e.data], key=lambda p: str(p["date"]))
            else:
                edits.append(Edit("point", "series", e.series, e.data))
        elif e.matches is not None:
            edits.append(Edit("cite", e.section, e.matches, draft.source_id))
        else:
            edits.append(Edit("append", e.section, None, e.data))
    edits += [Edit("append", "series", None, series) for series in made.values()]
    return edits


def draft_json(draft: Draft, scenario_id: str) -> dict[str, Any]:
    """The draft as stable machine output (docs/json.md)."""
    return {
        "scenario": scenario_id,
        "report_date": draft.date.isoformat(),
        "date_from": draft.date_from,
        "source": {"id": draft.source_id, "new": draft.source is not None, "data": draft.source},
        "entries": [
            {
                "id": e.id,
                "kind": e.kind,
                "summary": e.summary,
                "confidence": e.confidence,
                "quote": {"text": e.span.text, "start": e.span.start, "end": e.span.end, "line": e.span.line},
                "section": e.section,
                "matches": e.matches,
                "data": e.data,
                "series": e.series,
                "new_series": e.new_series,
                "notes": list(e.notes),
            }
            for e in draft.entries
        ],
        "not_drafted": dict(draft.not_drafted),
    }
