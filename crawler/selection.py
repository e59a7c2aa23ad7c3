"""Which captures of a policy URL to fetch (`--strategy`), as pure plans over a CDX series.

A plan sees the captures of one page (one canonical URL) in time order. The spider asks
it what to fetch (`wanted`), tells it what each fetch showed (`learn`), and at the end
asks which unfetched captures to record with whose text (`assignments`).

- `all`: every distinct digest is fetched; captures sharing a digest share bytes, free.
- `interval`: the first capture of every period (`--every 6M`) and nothing else.
- `changes`: the first and last capture and one at least every `--probe-every` are
  fetched; between two fetched captures that show the same text every capture is taken
  to show it too, and where the texts differ the span is bisected, so k changes among n
  captures cost about k·log2(n) fetches. It gives the versions of `all` unless a text
  changed and changed back between two probes, which is what the probe interval bounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from datetime import timedelta

from webarchive.cdx import CdxRecord
from webarchive.wayback import parse_timestamp

STRATEGIES = ("changes", "all", "interval")

# What a capture shows: its drop reason, or its documents as (language, text hash).
Signature = tuple[str | None, tuple[tuple[str, str], ...]]
# A capture whose text a position takes (opaque to the plans: the spider's own record).
Holder = Hashable

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([hdwmy])\s*$", re.IGNORECASE)
_UNIT_DAYS = {"h": 1 / 24, "d": 1.0, "w": 7.0, "m": 30.44, "y": 365.25}
# A capture whose CDX length is this far from both fetched neighbours' is fetched even
# when they agree: a soft-404 or an error page between two equal policies would otherwise
# be counted as a snapshot of that policy. Boilerplate and text edits move a page's
# length by a few per cent; an error page halves it.
LENGTH_TOLERANCE = 0.2


class DurationError(ValueError):
    """Not a duration like 6M, 1Y, 2W, 30D."""


def parse_duration(value: str) -> timedelta:
    match = _DURATION.match(value)
    if not match:
        raise DurationError(f"not a duration: {value!r} (expected e.g. 6M, 1Y, 2W, 30D)")
    amount = float(match[1])
    if amount <= 0:
        raise DurationError(f"not a positive duration: {value!r}")
    return timedelta(days=amount * _UNIT_DAYS[match[2].lower()])


@dataclass(slots=True)
class _Slot:
    record: CdxRecord
    signature: Signature | None = None
    holder: Holder | None = None
    requested: bool = False
    gone: bool = False  # could not be fetched or served nothing: absent, as in `all`
    fetched: bool = False  # its own fetch answered (it is recorded by the spider)
    stored: bool = False  # already in the corpus: never recorded again
    chosen: bool = True  # `interval` leaves most captures out entirely

    @property
    def resolved(self) -> bool:
        return self.signature is not None


class Plan:
    """The `all` plan, and the bookkeeping every plan shares."""

    def __init__(self, records: Sequence[CdxRecord]) -> None:
        self.slots = [_Slot(r) for r in sorted(records, key=lambda r: (r.timestamp, r.original))]
        self.by_digest: dict[str, list[int]] = {}
        for i, slot in enumerate(self.slots):
            digest = slot.record.digest
            if digest and digest != "-":
                self.by_digest.setdefault(digest, []).append(i)

    # -- what the spider tells the plan -------------------------------------------------

    def know_stored(
        self, index: int, signature: Signature | None, holder: Holder | None = None
    ) -> None:
        """A capture the corpus already has: never fetched or recorded again. `holder`:
        the capture whose bytes it showed, which captures inferred from it refer to (as
        they would have in the run that stored it)."""
        slot = self.slots[index]
        slot.stored = True
        if signature is None:
            slot.gone = True
        else:
            slot.signature, slot.holder = signature, holder

    def learn(self, index: int, signature: Signature | None, holder: Holder | None) -> None:
        """What fetching slot `index` showed; None: it could not be fetched or showed no
        capture (never archived, outside the window...)."""
        slot = self.slots[index]
        slot.requested = True
        if signature is None:
            slot.gone = True
            return
        slot.fetched = True
        slot.signature, slot.holder = signature, holder
        self.learn_digest(slot.record.digest, signature, holder)

    def learn_digest(self, digest: str, signature: Signature, holder: Holder | None) -> bool:
        """Captures with this payload digest show `signature` (same bytes, no fetch).
        True if that settled any of them."""
        changed = False
        for i in self.by_digest.get(digest, ()):
            twin = self.slots[i]
            if twin.chosen and not twin.resolved and not twin.gone:
                twin.signature, twin.holder = signature, holder
                changed = True
        return changed

    # -- what the plan tells the spider -------------------------------------------------

    def wanted(self) -> list[int]:
        """Slots to fetch now; each is returned once (the spider must `learn` it)."""
        picks: list[int] = []
        for i in self._candidates():
            if self._fresh(i):
                self.slots[i].requested = True  # before the next check: twins go once
                picks.append(i)
        return picks

    def _candidates(self) -> list[int]:
        # every slot; `_fresh` keeps one per digest
        return list(range(len(self.slots)))

    def _fresh(self, index: int) -> bool:
        slot = self.slots[index]
        if slot.resolved or slot.gone or slot.requested or not slot.chosen:
            return False
        twins = self.by_digest.get(slot.record.digest, [index])
        # a twin in flight will bring these bytes; a failed twin does not
        return not any(self.slots[t].requested and not self.slots[t].gone for t in twins)

    @property
    def in_flight(self) -> bool:
        return any(s.requested and not s.resolved and not s.gone for s in self.slots)

    @property
    def done(self) -> bool:
        if self.in_flight:
            return False
        return not any(
            s.chosen and not s.resolved and not s.gone and not s.requested for s in self.slots
        )

    def assignments(self) -> list[tuple[CdxRecord, Signature, Holder | None]]:
        """Captures to record without a fetch of their own, with the text they show."""
        return [
            (s.record, s.signature, s.holder)
            for s in self.slots
            if s.chosen and s.signature is not None and not s.fetched and not s.stored
        ]


class IntervalPlan(Plan):
    """The first capture that can be fetched in every period of `every`, from the first."""

    def __init__(self, records: Sequence[CdxRecord], every: timedelta) -> None:
        super().__init__(records)
        self.period: list[int] = []
        if self.slots:
            start = parse_timestamp(self.slots[0].record.timestamp)
            for slot in self.slots:
                moment = parse_timestamp(slot.record.timestamp)
                self.period.append(int((moment - start) / every))
        for slot in self.slots:
            slot.chosen = False
        self._choose()

    def _choose(self) -> None:
        covered = {
            self.period[i]
            for i, s in enumerate(self.slots)
            if (s.chosen or s.stored) and not s.gone
        }
        for i, slot in enumerate(self.slots):
            if self.period[i] not in covered and not slot.gone and not slot.stored:
                slot.chosen = True
                covered.add(self.period[i])

    def know_stored(
        self, index: int, signature: Signature | None, holder: Holder | None = None
    ) -> None:
        super().know_stored(index, signature, holder)
        self._choose()

    def learn(self, index: int, signature: Signature | None, holder: Holder | None) -> None:
        super().learn(index, signature, holder)
        if signature is None:
            self.slots[index].chosen = False
            self._choose()  # the next capture of the same period stands in


class ChangePlan(Plan):
    """Bisection where the texts at both ends of a span differ (see the module doc)."""

    def __init__(
        self,
        records: Sequence[CdxRecord],
        probe_every: timedelta | None,
        same: Callable[[Signature, Signature], bool] | None = None,
    ) -> None:
        super().__init__(records)
        self.probe_every = probe_every
        self.same = same or (lambda a, b: a == b)
        self.anchors = self._anchors()
        self.inferred: set[int] = set()

    def _anchors(self) -> set[int]:
        """First, last, and enough between that no two are further apart than the probe
        interval (where captures allow)."""
        n = len(self.slots)
        if n == 0:
            return set()
        anchors = {0, n - 1}
        if self.probe_every is None:
            return anchors
        times = [parse_timestamp(s.record.timestamp) for s in self.slots]
        last = 0
        for i in range(1, n):
            if times[i] - times[last] > self.probe_every:
                last = i - 1 if i - 1 > last else i
                anchors.add(last)
        return anchors

    def _spans(self) -> Iterator[tuple[int | None, list[int], int | None]]:
        """(resolved, unresolved live slots between, next resolved), None at the ends."""
        previous: int | None = None
        inner: list[int] = []
        for i, slot in enumerate(self.slots):
            if slot.gone:
                continue
            if slot.resolved:
                yield previous, inner, i
                previous, inner = i, []
            else:
                inner.append(i)
        yield previous, inner, None

    def _candidates(self) -> list[int]:
        picks = [i for i in sorted(self.anchors) if not self.slots[i].gone and self._open(i)]
        if picks:
            return picks
        for a, inner, b in self._spans():
            if not inner or self._busy(inner):
                continue
            # beyond the outermost resolved captures (their anchors failed), or nothing
            # resolved yet: the outermost live captures stand in for the anchors
            if a is None and b is None:
                picks.extend(sorted({inner[0], inner[-1]}))
                continue
            if a is None:
                picks.append(inner[0])
                continue
            if b is None:
                picks.append(inner[-1])
                continue
            sig_a, sig_b = self.slots[a].signature, self.slots[b].signature
            assert sig_a is not None and sig_b is not None
            if self.same(sig_a, sig_b):
                suspects = [i for i in inner if self._suspect(i, a, b)]
                if suspects:
                    picks.extend(suspects)
                    continue
                for i in inner:
                    slot = self.slots[i]
                    slot.signature, slot.holder = sig_a, self.slots[a].holder
                    self.inferred.add(i)
                continue
            picks.append(inner[len(inner) // 2])
        return picks

    def _open(self, index: int) -> bool:
        slot = self.slots[index]
        return not slot.resolved and not slot.requested

    def _busy(self, indices: list[int]) -> bool:
        return any(self.slots[i].requested and not self.slots[i].resolved for i in indices)

    def _suspect(self, index: int, a: int, b: int) -> bool:
        record = self.slots[index].record
        if record.digest in ("", "-"):
            # unknown bytes (a TimeMap gives no digest or length): nothing says this
            # capture is its neighbours' page rather than an error page, so it is read
            return True
        length = _length(record)
        if length is None:
            return False
        ends = [_length(self.slots[e].record) for e in (a, b)]
        known = [e for e in ends if e]
        return bool(known) and all(abs(length - e) > LENGTH_TOLERANCE * e for e in known)

    def wanted(self) -> list[int]:
        # inference can settle spans without a fetch and open new ones: repeat until stable
        picks: list[int] = []
        while True:
            more = super().wanted()
            if not more:
                settled = self._settle()
                if not settled:
                    return picks
                continue
            picks.extend(more)

    def _settle(self) -> bool:
        before = len(self.inferred)
        self._candidates()
        return len(self.inferred) > before

    @property
    def done(self) -> bool:
        self._settle()
        return super().done and not any(
            not s.resolved and not s.gone for s in self.slots if s.chosen
        )


def _length(record: CdxRecord) -> int | None:
    # revisit rows give the length of a pointer record, not of the page
    if record.is_revisit or not record.length.isdigit():
        return None
    return int(record.length) or None


def make_plan(
    strategy: str,
    records: Sequence[CdxRecord],
    every: timedelta,
    probe_every: timedelta | None,
) -> Plan:
    if strategy == "all":
        return Plan(records)
    if strategy == "interval":
        return IntervalPlan(records, every)
    if strategy == "changes":
        return ChangePlan(records, probe_every)
    raise ValueError(f"unknown strategy {strategy!r}; choose one of {', '.join(STRATEGIES)}")
