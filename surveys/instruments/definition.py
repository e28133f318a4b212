"""Instrument definitions: a versioned, validated data format (docs/instruments.md).

`load_definition` turns a JSON document into an immutable `Definition` or
raises `InstrumentError` listing every problem with the exact place it occurs.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from django.utils.translation import get_language

FORMAT_VERSION = 1
LANGUAGES = ("en", "fr")
SECTION_KINDS = ("assessment", "cares", "workplace", "self_id", "comment")
ITEM_TYPES = ("scale", "single", "multi", "text")
DIRECTIONS = ("risk", "protective")
BAND_CODES = ("low", "moderate", "high")
PREFER_NOT_TO_ANSWER = "prefer_not_to_answer"
MAX_OPTIONS = 15  # a multiple-choice answer is a bitmask in one uint16
MAX_SLOTS = 250
MAX_DOMAINS = 250
CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,39}$")


class InstrumentError(ValueError):
    """A definition failed validation; `errors` lists each problem with its location."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors
        super().__init__("; ".join(errors))


@dataclass(frozen=True)
class LText:
    """Text in every supported language; renders in the active language."""

    en: str
    fr: str

    def get(self, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        return self.fr if language == "fr" else self.en

    def __str__(self) -> str:
        return self.get()

    def as_dict(self) -> dict[str, str]:
        return {"en": self.en, "fr": self.fr}


@dataclass(frozen=True)
class ScaleOption:
    value: int
    label: LText


@dataclass(frozen=True)
class Scale:
    code: str
    options: tuple[ScaleOption, ...]

    @property
    def minimum(self) -> int:
        return self.options[0].value

    @property
    def maximum(self) -> int:
        return self.options[-1].value


@dataclass(frozen=True)
class ChoiceOption:
    code: str
    label: LText
    exclusive: bool = False


@dataclass(frozen=True)
class Item:
    code: str
    type: str
    text: LText
    section: str
    slot: int | None  # position in the answers blob; None for free text
    scale: Scale | None = None
    options: tuple[ChoiceOption, ...] = ()
    reverse: bool = False
    help: LText | None = None
    self_text: LText | None = None  # CARES: the leader's self-rating wording
    max_length: int = 0

    @property
    def is_scored_scale(self) -> bool:
        return self.type == "scale"

    def option_index(self, code: str) -> int:
        for index, option in enumerate(self.options):
            if option.code == code:
                return index
        raise KeyError(code)


@dataclass(frozen=True)
class Section:
    code: str
    kind: str
    title: LText
    intro: LText | None
    content_note: LText | None
    items: tuple[Item, ...]
    standard: str = ""  # e.g. the self-identification standard and its version


@dataclass(frozen=True)
class Band:
    code: str
    upper: int | None  # inclusive upper bound; None for the top band
    label: LText
    meaning: LText


@dataclass(frozen=True)
class Stage:
    code: str
    name: LText
    description: LText


@dataclass(frozen=True)
class Domain:
    code: str
    index: int  # position in the scores blob
    name: LText
    description: LText
    direction: str
    items: tuple[str, ...]
    min_answered: int
    bands: tuple[Band, ...]
    stage: str | None = None
    section: str = ""

    def band_for(self, score: int) -> Band:
        for band in self.bands:
            if band.upper is None or score <= band.upper:
                return band
        return self.bands[-1]


@dataclass(frozen=True)
class Definition:
    code: str
    version: int
    title: LText
    description: LText
    disclaimer: LText
    estimated_minutes: int
    stages: tuple[Stage, ...]
    scales: tuple[Scale, ...]
    sections: tuple[Section, ...]
    domains: tuple[Domain, ...]
    checksum: str = ""
    _items: dict[str, Item] = field(default_factory=dict, repr=False, compare=False)

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(item for section in self.sections for item in section.items)

    @property
    def slot_items(self) -> tuple[Item, ...]:
        """Items stored in the answers blob, in slot order."""
        return tuple(item for item in self.items if item.slot is not None)

    @property
    def text_items(self) -> tuple[Item, ...]:
        return tuple(item for item in self.items if item.type == "text")

    def item(self, code: str) -> Item:
        return self._items[code]

    def domain(self, code: str) -> Domain:
        for domain in self.domains:
            if domain.code == code:
                return domain
        raise KeyError(code)

    def section(self, code: str) -> Section:
        for section in self.sections:
            if section.code == code:
                return section
        raise KeyError(code)

    def sections_of_kind(self, kind: str) -> tuple[Section, ...]:
        return tuple(section for section in self.sections if section.kind == kind)

    def domains_of_kind(self, kind: str) -> tuple[Domain, ...]:
        codes = {section.code for section in self.sections_of_kind(kind)}
        return tuple(domain for domain in self.domains if domain.section in codes)


def definition_checksum(document: Mapping[str, Any]) -> str:
    canonical = json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


def load_definition(document: Any, *, checksum: str = "") -> Definition:
    """Validate a definition document and build the immutable `Definition`."""
    if not isinstance(document, Mapping):
        raise InstrumentError(["The definition must be a JSON object."])
    checksum = checksum or definition_checksum(document)
    return _load_cached(json.dumps(document, sort_keys=True), checksum)


_STORED: dict[str, Definition] = {}
_STORED_MAX = 32


def load_stored_definition(checksum: str, document: Callable[[], Any]) -> Definition:
    """The `Definition` of a stored instrument version, built once per process.

    `checksum` is the one the import service computed from the very document it
    stored, and a stored document never changes without its checksum, so equal
    checksums mean equal documents: `document()` (which may read and decode a
    large JSON column) is only called the first time a process meets a version.
    """
    found = _STORED.get(checksum)
    if found is None:
        found = load_definition(document(), checksum=checksum)
        if len(_STORED) >= _STORED_MAX:
            _STORED.pop(next(iter(_STORED)))
        _STORED[checksum] = found
    return found


@lru_cache(maxsize=32)
def _load_cached(canonical: str, checksum: str) -> Definition:
    del checksum  # part of the cache key only
    return _Validator(json.loads(canonical)).build()


def parse_definition_text(raw: str | bytes) -> dict[str, Any]:
    """Parse the JSON text of a definition file, with a located error if it is malformed."""
    try:
        document = json.loads(raw)
    except json.JSONDecodeError as error:
        raise InstrumentError(
            [
                f"The file is not valid JSON: {error.msg} "
                f"at line {error.lineno}, column {error.colno}."
            ]
        ) from None
    except UnicodeDecodeError:
        raise InstrumentError(
            ["The file is not UTF-8 text; save it as UTF-8 and try again."]
        ) from None
    if not isinstance(document, dict):
        raise InstrumentError(["The definition must be a JSON object."])
    return document


class _Validator:
    """Collects every problem rather than stopping at the first one."""

    def __init__(self, document: Mapping[str, Any]) -> None:
        self.doc = document
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{where}: {message}" if where else message)

    # -- primitives -------------------------------------------------------------
    def text(self, value: Any, where: str, *, required: bool = True) -> LText | None:
        if value is None:
            if required:
                self.error(where, "text is missing")
            return None
        if not isinstance(value, Mapping):
            self.error(where, 'text must be an object like {"en": "...", "fr": "..."}')
            return None
        texts: dict[str, str] = {}
        for language in LANGUAGES:
            content = value.get(language)
            if not isinstance(content, str) or not content.strip():
                name = {"en": "English", "fr": "French"}[language]
                self.error(f"{where}.{language}", f"missing {name} text")
            else:
                texts[language] = content.strip()
        unknown = sorted(set(value) - set(LANGUAGES))
        if unknown:
            self.error(where, f"unsupported language(s): {', '.join(unknown)}")
        return LText(texts.get("en", ""), texts.get("fr", ""))

    def code(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not CODE_RE.match(value):
            self.error(
                f"{where}.code" if where else "code",
                f"{value!r} is not a valid code (a letter, then up to 39 letters, digits, . _ -)",
            )
            return str(value)
        return value

    def listing(self, value: Any, where: str) -> list[Any]:
        if not isinstance(value, list) or not value:
            self.error(where, "must be a non-empty list")
            return []
        return value

    def integer(self, value: Any, where: str) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(where, f"must be a whole number, got {value!r}")
            return None
        return value

    # -- document ---------------------------------------------------------------
    def build(self) -> Definition:
        doc = self.doc
        if doc.get("format") != FORMAT_VERSION:
            self.error("format", f"must be {FORMAT_VERSION}, got {doc.get('format')!r}")
        code = self.code(doc.get("code"), "")
        version = self.integer(doc.get("version"), "version")
        if version is not None and version < 1:
            self.error("version", "must be 1 or more")
        minutes = self.integer(doc.get("estimated_minutes", 15), "estimated_minutes") or 15
        title = self.text(doc.get("title"), "title")
        description = self.text(doc.get("description"), "description")
        disclaimer = self.text(doc.get("disclaimer"), "disclaimer")
        stages = self.stages(doc.get("stages", []))
        scales = self.scales(doc.get("scales"))
        sections = self.sections(doc.get("sections"), scales)
        items = {item.code: item for section in sections for item in section.items}
        domains = self.domains(doc.get("domains"), items, {stage.code for stage in stages})
        if self.errors:
            raise InstrumentError(self.errors)
        assert title and description and disclaimer and version is not None
        return Definition(
            code=code,
            version=version,
            title=title,
            description=description,
            disclaimer=disclaimer,
            estimated_minutes=minutes,
            stages=tuple(stages),
            scales=tuple(scales.values()),
            sections=tuple(sections),
            domains=tuple(domains),
            _items=items,
        )

    def stages(self, raw: Any) -> list[Stage]:
        if not isinstance(raw, list):
            self.error("stages", "must be a list")
            return []
        stages: list[Stage] = []
        seen: set[str] = set()
        for index, entry in enumerate(raw):
            where = f"stages[{index}]"
            if not isinstance(entry, Mapping):
                self.error(where, "must be an object")
                continue
            code = self.code(entry.get("code"), where)
            if code in seen:
                self.error(where, f"duplicate stage code {code!r}")
            seen.add(code)
            name = self.text(entry.get("name"), f"{where}.name")
            description = self.text(entry.get("description"), f"{where}.description")
            if name and description:
                stages.append(Stage(code, name, description))
        return stages

    def scales(self, raw: Any) -> dict[str, Scale]:
        scales: dict[str, Scale] = {}
        for index, entry in enumerate(self.listing(raw, "scales")):
            where = f"scales[{index}]"
            if not isinstance(entry, Mapping):
                self.error(where, "must be an object")
                continue
            code = self.code(entry.get("code"), where)
            if code in scales:
                self.error(where, f"duplicate scale code {code!r}")
            options: list[ScaleOption] = []
            raw_options = self.listing(entry.get("options"), f"{where}.options")
            if 0 < len(raw_options) < 2:
                self.error(f"{where}.options", "a scale needs at least two options")
            for position, option in enumerate(raw_options):
                owhere = f"{where}.options[{position}]"
                if not isinstance(option, Mapping):
                    self.error(owhere, "must be an object")
                    continue
                value = self.integer(option.get("value"), f"{owhere}.value")
                label = self.text(option.get("label"), f"{owhere}.label")
                if options and value is not None and value <= options[-1].value:
                    self.error(
                        f"{owhere}.value", "scale values must increase from one option to the next"
                    )
                if value is not None and label is not None:
                    options.append(ScaleOption(value, label))
            if len(options) >= 2:
                scales[code] = Scale(code, tuple(options))
        return scales

    def sections(self, raw: Any, scales: dict[str, Scale]) -> list[Section]:
        sections: list[Section] = []
        seen_sections: set[str] = set()
        seen_items: dict[str, str] = {}
        slot = 0
        for index, entry in enumerate(self.listing(raw, "sections")):
            where = f"sections[{index}]"
            if not isinstance(entry, Mapping):
                self.error(where, "must be an object")
                continue
            code = self.code(entry.get("code"), where)
            if code in seen_sections:
                self.error(where, f"duplicate section code {code!r}")
            seen_sections.add(code)
            kind = entry.get("kind")
            if kind not in SECTION_KINDS:
                self.error(
                    f"{where}.kind", f"must be one of {', '.join(SECTION_KINDS)}, got {kind!r}"
                )
            title = self.text(entry.get("title"), f"{where}.title")
            intro = self.text(entry.get("intro"), f"{where}.intro", required=False)
            note = self.text(entry.get("content_note"), f"{where}.content_note", required=False)
            standard = entry.get("standard", "")
            if not isinstance(standard, str) or len(standard) > 200:
                self.error(f"{where}.standard", "must be a text of at most 200 characters")
                standard = ""
            if kind == "self_id" and not standard:
                self.error(
                    f"{where}.standard",
                    "a self-identification section must name the standard and version it follows",
                )
            items: list[Item] = []
            for position, raw_item in enumerate(self.listing(entry.get("items"), f"{where}.items")):
                iwhere = f"{where}.items[{position}]"
                item = self.item(raw_item, iwhere, code, str(kind), scales, slot)
                if item is None:
                    continue
                if item.code in seen_items:
                    self.error(
                        iwhere,
                        f"duplicate item code {item.code!r} "
                        f"(first used at {seen_items[item.code]})",
                    )
                    continue
                seen_items[item.code] = iwhere
                if item.slot is not None:
                    slot += 1
                items.append(item)
            if slot > MAX_SLOTS:
                self.error(where, f"an instrument can have at most {MAX_SLOTS} answerable items")
            if title:
                sections.append(
                    Section(code, str(kind), title, intro, note, tuple(items), standard)
                )
        return sections

    def item(
        self,
        raw: Any,
        where: str,
        section: str,
        kind: str,
        scales: dict[str, Scale],
        slot: int,
    ) -> Item | None:
        if not isinstance(raw, Mapping):
            self.error(where, "must be an object")
            return None
        code = self.code(raw.get("code"), where)
        item_type = raw.get("type")
        if item_type not in ITEM_TYPES:
            self.error(
                f"{where}.type", f"must be one of {', '.join(ITEM_TYPES)}, got {item_type!r}"
            )
            return None
        text = self.text(raw.get("text"), f"{where}.text")
        help_text = self.text(raw.get("help"), f"{where}.help", required=False)
        reverse = raw.get("reverse", False)
        if not isinstance(reverse, bool):
            self.error(f"{where}.reverse", "must be true or false")
            reverse = False
        if reverse and item_type != "scale":
            self.error(f"{where}.reverse", "only scale items can be reverse-scored")
        scale = None
        options: tuple[ChoiceOption, ...] = ()
        max_length = 0
        if item_type == "scale":
            scale_code = raw.get("scale")
            scale = scales.get(scale_code) if isinstance(scale_code, str) else None
            if scale is None:
                self.error(f"{where}.scale", f"names an unknown scale {scale_code!r}")
        elif item_type in ("single", "multi"):
            options = self.choice_options(raw.get("options"), f"{where}.options", item_type)
            if kind == "self_id" and not any(
                o.code == PREFER_NOT_TO_ANSWER and (o.exclusive or item_type == "single")
                for o in options
            ):
                self.error(
                    f"{where}.options",
                    "a self-identification question needs an exclusive "
                    f"{PREFER_NOT_TO_ANSWER!r} option",
                )
        else:
            max_length = self.integer(raw.get("max_length", 2000), f"{where}.max_length") or 2000
            if not 1 <= max_length <= 10000:
                self.error(f"{where}.max_length", "must be between 1 and 10000")
        self_text = self.text(raw.get("self_text"), f"{where}.self_text", required=kind == "cares")
        if text is None:
            return None
        return Item(
            code=code,
            type=item_type,
            text=text,
            section=section,
            slot=None if item_type == "text" else slot,
            scale=scale,
            options=options,
            reverse=reverse,
            help=help_text,
            self_text=self_text,
            max_length=max_length,
        )

    def choice_options(self, raw: Any, where: str, item_type: str) -> tuple[ChoiceOption, ...]:
        options: list[ChoiceOption] = []
        seen: set[str] = set()
        raw_options = self.listing(raw, where)
        if len(raw_options) > MAX_OPTIONS:
            self.error(where, f"at most {MAX_OPTIONS} options are allowed, got {len(raw_options)}")
        if 0 < len(raw_options) < 2:
            self.error(where, "a choice needs at least two options")
        for position, entry in enumerate(raw_options):
            owhere = f"{where}[{position}]"
            if not isinstance(entry, Mapping):
                self.error(owhere, "must be an object")
                continue
            code = self.code(entry.get("code"), owhere)
            if code in seen:
                self.error(owhere, f"duplicate option code {code!r}")
            seen.add(code)
            label = self.text(entry.get("label"), f"{owhere}.label")
            exclusive = entry.get("exclusive", False)
            if not isinstance(exclusive, bool):
                self.error(f"{owhere}.exclusive", "must be true or false")
                exclusive = False
            if exclusive and item_type == "single":
                exclusive = False  # meaningless for single choice
            if label:
                options.append(ChoiceOption(code, label, exclusive))
        return tuple(options)

    def domains(self, raw: Any, items: dict[str, Item], stage_codes: set[str]) -> list[Domain]:
        domains: list[Domain] = []
        seen: set[str] = set()
        raw_domains = self.listing(raw, "domains")
        if len(raw_domains) > MAX_DOMAINS:
            self.error("domains", f"at most {MAX_DOMAINS} domains are allowed")
        for index, entry in enumerate(raw_domains):
            where = f"domains[{index}]"
            if not isinstance(entry, Mapping):
                self.error(where, "must be an object")
                continue
            code = self.code(entry.get("code"), where)
            if code in seen:
                self.error(where, f"duplicate domain code {code!r}")
            seen.add(code)
            name = self.text(entry.get("name"), f"{where}.name")
            description = self.text(entry.get("description"), f"{where}.description")
            direction = entry.get("direction")
            if direction not in DIRECTIONS:
                self.error(
                    f"{where}.direction", f"must be 'risk' or 'protective', got {direction!r}"
                )
            stage = entry.get("stage")
            if stage is not None and (not isinstance(stage, str) or stage not in stage_codes):
                self.error(f"{where}.stage", f"names an unknown stage {stage!r}")
            item_codes: list[str] = []
            sections: set[str] = set()
            for position, item_code in enumerate(
                self.listing(entry.get("items"), f"{where}.items")
            ):
                item = items.get(item_code) if isinstance(item_code, str) else None
                if item is None:
                    self.error(f"{where}.items[{position}]", f"names an unknown item {item_code!r}")
                elif item.type != "scale":
                    self.error(
                        f"{where}.items[{position}]",
                        f"item {item_code!r} is not a scale item and cannot be scored",
                    )
                elif item_code in item_codes:
                    self.error(f"{where}.items[{position}]", f"item {item_code!r} is listed twice")
                else:
                    item_codes.append(item_code)
                    sections.add(item.section)
            if len(sections) > 1:
                self.error(f"{where}.items", "all items of a domain must come from one section")
            default_min = max(1, (len(item_codes) + 1) // 2)
            min_answered = self.integer(
                entry.get("min_answered", default_min), f"{where}.min_answered"
            )
            if min_answered is not None and item_codes and not 1 <= min_answered <= len(item_codes):
                self.error(
                    f"{where}.min_answered",
                    f"must be between 1 and {len(item_codes)}, got {min_answered}",
                )
            bands = self.bands(entry.get("bands"), f"{where}.bands")
            if (
                name
                and description
                and bands
                and min_answered is not None
                and direction in DIRECTIONS
            ):
                domains.append(
                    Domain(
                        code=code,
                        index=len(domains),
                        name=name,
                        description=description,
                        direction=direction,
                        items=tuple(item_codes),
                        min_answered=min_answered,
                        bands=bands,
                        stage=stage,
                        section=next(iter(sections), ""),
                    )
                )
        return domains

    def bands(self, raw: Any, where: str) -> tuple[Band, ...]:
        entries = self.listing(raw, where)
        codes = [entry.get("code") if isinstance(entry, Mapping) else None for entry in entries]
        if entries and tuple(codes) != BAND_CODES:
            self.error(where, f"must be exactly the bands {', '.join(BAND_CODES)} in that order")
            return ()
        bands: list[Band] = []
        previous = -1
        for index, entry in enumerate(entries):
            bwhere = f"{where}[{index}]"
            last = index == len(entries) - 1
            upper = entry.get("upper")
            if last:
                if upper is not None:
                    self.error(
                        f"{bwhere}.upper", "the top band has no upper bound (it runs to 100)"
                    )
                upper = None
            else:
                upper = self.integer(upper, f"{bwhere}.upper")
                if upper is not None and not (previous < upper < 100):
                    self.error(
                        f"{bwhere}.upper",
                        "band thresholds out of order: each upper bound must be above the previous "
                        f"one and below 100 (got {upper} after {max(previous, 0)})",
                    )
                previous = upper if upper is not None else previous
            label = self.text(entry.get("label"), f"{bwhere}.label")
            meaning = self.text(entry.get("meaning"), f"{bwhere}.meaning")
            if label and meaning:
                bands.append(Band(entry["code"], upper, label, meaning))
        return tuple(bands) if len(bands) == len(BAND_CODES) else ()


def iter_texts(definition: Definition) -> Iterator[LText]:
    """Every translatable text of a definition, for completeness checks."""
    yield from (definition.title, definition.description, definition.disclaimer)
    for stage in definition.stages:
        yield from (stage.name, stage.description)
    for scale in definition.scales:
        yield from (option.label for option in scale.options)
    for section in definition.sections:
        yield section.title
        yield from (text for text in (section.intro, section.content_note) if text)
        for item in section.items:
            yield item.text
            yield from (text for text in (item.help, item.self_text) if text)
            yield from (option.label for option in item.options)
    for domain in definition.domains:
        yield from (domain.name, domain.description)
        for band in domain.bands:
            yield from (band.label, band.meaning)
