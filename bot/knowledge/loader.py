"""Reading and checking `knowledge/`: feature articles (Markdown + front matter) and the lineup.

Every problem is reported with file, line and field so a dealer can fix it without a developer.
A broken article is left out (and reported); the rest of the knowledge base still loads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot.checks import Problem, closest_line, node_lines
from bot.knowledge.maintenance import ModelSchedule
from bot.knowledge.maintenance import load as load_maintenance

CATEGORIES = {
    "driver assistance",
    "safety",
    "technology",
    "comfort",
    "convenience",
    "towing and drivetrain",
    "electric",
    "maintenance",
    "warning lights",
}
ARTICLE_FIELDS = ("id", "title", "aliases", "category")
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
MAX_DIRECT_ANSWER = 400


@dataclass
class Article:
    id: str
    title: str
    aliases: list[str]
    category: str
    body: str
    path: Path

    @property
    def direct_answer(self) -> str:
        """The first paragraph: the answer in a sentence or two."""
        return self.body.strip().split("\n\n", 1)[0].strip()


@dataclass
class Trim:
    name: str
    aliases: list[str]
    specs: dict[str, str]
    msrp_from: float | None = None  # published starting MSRP in dollars


@dataclass
class Model:
    name: str
    body: str
    aliases: list[str]
    trims: dict[str, Trim]
    specs: dict[str, Any]  # towing, charging, ... for the whole model
    msrp_from: float | None = None  # published starting MSRP in dollars


@dataclass
class Rule:
    """One line of a feature's availability: which vehicles it covers, with an optional note."""

    models: list[str] | None  # None = every model
    trims: list[str] | None
    years: list[int] | None
    note: str | None

    def covers(self, model: str, trim: str | None, year: int | None) -> bool:
        if self.models is not None and model not in self.models:
            return False
        if self.trims is not None and (trim is None or trim not in self.trims):
            return False
        return not (self.years is not None and year is not None and year not in self.years)


@dataclass
class Lineup:
    brand: str
    years: list[int]
    models: dict[str, Model]
    availability: dict[str, list[Rule]]  # article id -> rules
    msrp_note: str = ""  # said with every MSRP (what it leaves out)


@dataclass
class KnowledgeBase:
    articles: dict[str, Article]
    lineup: Lineup
    problems: list[Problem] = field(default_factory=list)
    maintenance: dict[str, ModelSchedule] = field(default_factory=dict)  # model -> schedule


def load(directory: Path) -> KnowledgeBase:
    """Everything usable in `directory`, plus the problems found (never raises for content)."""
    problems: list[Problem] = []
    articles = _load_articles(directory / "features", problems)
    lineup = _load_lineup(directory / "lineup.yml", set(articles), problems)
    _check_aliases(articles, lineup, problems)
    maintenance, found = load_maintenance(
        directory / "maintenance.yml", set(lineup.models), _service_ids(directory / "schedule.yml")
    )
    return KnowledgeBase(articles=articles, lineup=lineup, problems=problems + found, maintenance=maintenance)


def _service_ids(path: Path) -> set[str]:
    """The service menu's ids (schedule.yml is checked on its own by bot.booking.schedule)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return set()
    return set(((data.get("service") or {}).get("menu")) or {})


# --- articles -------------------------------------------------------------------------------


def _load_articles(folder: Path, problems: list[Problem]) -> dict[str, Article]:
    articles: dict[str, Article] = {}
    if not folder.is_dir():
        problems.append(Problem(folder, 0, "features", "folder of feature articles is missing"))
        return articles
    for path in sorted(folder.glob("*.md")):
        article = _load_article(path, problems)
        if article is None:
            continue
        if article.id in articles:
            problems.append(
                Problem(path, 2, "id", f"duplicate id {article.id!r} (also in {articles[article.id].path})")
            )
            continue
        articles[article.id] = article
    return articles


def _load_article(path: Path, problems: list[Problem]) -> Article | None:
    text = path.read_text(encoding="utf-8", errors="replace")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "---" or "---" not in [line.strip() for line in lines[1:]]:
        problems.append(
            Problem(path, 1, "front matter", "must start with a '---' line and end with another '---'")
        )
        return None
    end = 1 + [line.strip() for line in lines[1:]].index("---")
    try:
        meta = yaml.safe_load("\n".join(lines[1:end])) or {}
        field_lines = _top_level_lines(lines[1:end], first_line=2)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(
            Problem(path, 2 + (mark.line if mark else 0), "front matter", f"not valid YAML: {error}")
        )
        return None
    if not isinstance(meta, dict):
        problems.append(Problem(path, 2, "front matter", "must be 'field: value' lines"))
        return None
    body = "\n".join(lines[end + 1 :]).strip()
    ok = True
    for name in ARTICLE_FIELDS:
        if not meta.get(name):
            problems.append(Problem(path, field_lines.get(name, 2), name, "missing or empty"))
            ok = False
    if not ok:
        return None
    if not ID_PATTERN.match(str(meta["id"])) or meta["id"] != path.stem:
        problems.append(
            Problem(
                path,
                field_lines["id"],
                "id",
                f"must be lowercase-with-dashes and match the file name ({path.stem!r})",
            )
        )
        return None
    aliases = meta["aliases"]
    if not isinstance(aliases, list) or not all(isinstance(a, str) and a.strip() for a in aliases):
        problems.append(Problem(path, field_lines["aliases"], "aliases", "must be a list of phrases"))
        return None
    if meta["category"] not in CATEGORIES:
        problems.append(
            Problem(
                path,
                field_lines["category"],
                "category",
                f"{meta['category']!r} is not one of {sorted(CATEGORIES)}",
            )
        )
    article = Article(
        id=meta["id"],
        title=str(meta["title"]),
        aliases=[a.strip() for a in aliases],
        category=str(meta["category"]),
        body=body,
        path=path,
    )
    if not body:
        problems.append(
            Problem(path, end + 2, "body", "empty answer: write the answer below the front matter")
        )
        return None
    if len(article.direct_answer) > MAX_DIRECT_ANSWER:
        problems.append(
            Problem(
                path,
                end + 2,
                "body",
                f"the first paragraph (the direct answer) is over {MAX_DIRECT_ANSWER} characters",
            )
        )
    return article


def _top_level_lines(lines: list[str], first_line: int) -> dict[str, int]:
    found = {}
    for offset, line in enumerate(lines):
        match = re.match(r"^([A-Za-z_]+)\s*:", line)
        if match:
            found.setdefault(match.group(1), first_line + offset)
    return found


# --- lineup ---------------------------------------------------------------------------------


def _load_lineup(path: Path, article_ids: set[str], problems: list[Problem]) -> Lineup:
    empty = Lineup(brand="", years=[], models={}, availability={})
    if not path.exists():
        problems.append(Problem(path, 0, "lineup", "file is missing"))
        return empty
    try:
        text = path.read_text(encoding="utf-8")
        data = yaml.safe_load(text) or {}
        lines = node_lines(yaml.compose(text))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        problems.append(Problem(path, (mark.line + 1) if mark else 0, "lineup", f"not valid YAML: {error}"))
        return empty

    def report(where: tuple, message: str) -> None:
        problems.append(Problem(path, closest_line(lines, where), ".".join(map(str, where)), message))

    years = data.get("years") or []
    if not years or not all(isinstance(y, int) for y in years):
        report(("years",), "must be a list of model years like [2023, 2024, 2025]")
        years = []
    models = {}
    for name, spec in (data.get("models") or {}).items():
        model = _model(str(name), spec, lambda where, message, n=name: report(("models", n, *where), message))
        if model is not None:
            models[model.name] = model
    if not models:
        report(("models",), "no models defined")
    availability = {}
    for feature, spec in (data.get("features") or {}).items():
        where = ("features", feature)
        if feature not in article_ids:
            report(where, f"no article knowledge/features/{feature}.md for this feature")
            continue
        rules = []
        for index, raw in enumerate((spec or {}).get("available") or []):
            at = (*where, "available", index)
            rule = _rule(raw, models, years, lambda w, m, at=at: report((*at, *w), m))
            if rule is not None:
                rules.append(rule)
        availability[feature] = rules
    return Lineup(
        brand=str(data.get("brand") or ""),
        years=years,
        models=models,
        availability=availability,
        msrp_note=str(data.get("msrp_note") or ""),
    )


def _model(name: str, spec: Any, report: Any) -> Model | None:
    if not isinstance(spec, dict) or not isinstance(spec.get("trims"), dict) or not spec["trims"]:
        report((), "needs 'trims:' with at least one trim")
        return None
    trims = {}
    for trim_name, trim_spec in spec["trims"].items():
        trim_spec = dict(trim_spec or {})
        aliases = trim_spec.pop("aliases", []) or []
        msrp = _msrp(
            trim_spec.pop("msrp_from", None), lambda m, t=trim_name: report(("trims", t, "msrp_from"), m)
        )
        trims[str(trim_name)] = Trim(
            name=str(trim_name),
            aliases=[str(a) for a in aliases],
            specs={k: str(v) for k, v in trim_spec.items()},
            msrp_from=msrp,
        )
    specs = {k: v for k, v in spec.items() if k not in ("trims", "aliases", "body", "msrp_from")}
    return Model(
        name=name,
        body=str(spec.get("body") or ""),
        aliases=[str(a) for a in spec.get("aliases") or []],
        trims=trims,
        specs=specs,
        msrp_from=_msrp(spec.get("msrp_from"), lambda m: report(("msrp_from",), m)),
    )


def _msrp(value: Any, report: Any) -> float | None:
    """A published starting MSRP: a non-negative number of dollars, or None when not given."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        report(f"must be a number of dollars, 0 or more (like 23450), got {value!r}")
        return None
    return float(value)


def _rule(raw: Any, models: dict[str, Model], years: list[int], report: Any) -> Rule | None:
    if not isinstance(raw, dict):
        report((), "each rule must look like {models: [Tessa], trims: [XLE]} or {all: true}")
        return None
    unknown = set(raw) - {"all", "models", "trims", "years", "note"}
    if unknown:
        report((sorted(unknown)[0],), "unknown field; use all, models, trims, years or note")
        return None
    if raw.get("all") and raw.get("models"):
        report(("models",), "use either 'all: true' or 'models', not both")
        return None
    rule_models = None if raw.get("all") else raw.get("models")
    if rule_models is None and not raw.get("all"):
        report((), "name the models it covers, or say 'all: true'")
        return None
    for model in rule_models or []:
        if model not in models:
            report(("models",), f"unknown model {model!r} (known: {', '.join(models)})")
            return None
    trims = raw.get("trims")
    for trim in trims or []:
        owners = [m for m in (rule_models or models) if trim in models[m].trims]
        if not owners:
            known = ", ".join(t for m in (rule_models or models) for t in models[m].trims)
            report(
                ("trims",),
                f"unknown trim {trim!r} for {', '.join(rule_models or ['any model'])} (known: {known})",
            )
            return None
    rule_years = raw.get("years")
    for year in rule_years or []:
        if year not in years:
            report(("years",), f"year {year!r} is not one of the lineup years {years}")
            return None
    return Rule(models=rule_models, trims=trims, years=rule_years, note=raw.get("note"))


# --- across files ---------------------------------------------------------------------------


def _check_aliases(articles: dict[str, Article], lineup: Lineup, problems: list[Problem]) -> None:
    """An alias must point to one topic only, and never be a model or trim name."""
    vehicle_words = {n.casefold() for m in lineup.models.values() for n in (m.name, *m.aliases, *m.trims)}
    owner: dict[str, str] = {}
    for article in articles.values():
        for alias in [article.title, *article.aliases]:
            key = " ".join(alias.casefold().replace("-", " ").split())
            if key in vehicle_words:
                problems.append(Problem(article.path, 2, "aliases", f"{alias!r} is a model or trim name"))
            elif key in owner and owner[key] != article.id:
                problems.append(
                    Problem(
                        article.path,
                        2,
                        "aliases",
                        f"{alias!r} is also used by {owner[key]!r}; make it specific",
                    )
                )
            owner.setdefault(key, article.id)
