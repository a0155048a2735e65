"""Typed models of question banks (`quizzes/*.yaml`) and the certification catalog (`certs.yaml`).

The YAML is parsed by `grader.quiz.yamlsafe` into plain data and validated here. Every model
forbids unknown fields. Nothing in a bank is executed: a generated question names a formula from
the registry in `grader.quiz.formulas`, and its parameters are plain numbers.
See docs/QUIZ_FORMAT.md for the format with examples.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

FORMAT_VERSION = 1

TOPICS = (
    "foundations", "neurons", "activations", "losses", "backprop", "optimizers",
    "regularization", "cnn", "rnn", "transformers", "llm", "gpu", "frameworks", "training", "mlops",
    "security",
)
Topic = Literal[
    "foundations", "neurons", "activations", "losses", "backprop", "optimizers",
    "regularization", "cnn", "rnn", "transformers", "llm", "gpu", "frameworks", "training", "mlops",
    "security",
]
QUESTION_TYPES = ("single", "multiple", "true_false", "numeric", "ordering", "matching", "yes_no")
DIFFICULTY_NAMES = {"easy": 1, "medium": 2, "hard": 3}

ID_RE = r"^[a-z0-9][a-z0-9._-]{2,79}$"
KEY_RE = r"^[a-z0-9_]{1,16}$"
MAPPING_RE = re.compile(r"^([a-z0-9][a-z0-9-]*):([a-z0-9][a-z0-9-]*)$")
PARAM_RE = r"^[a-z_][a-z0-9_]{0,31}$"
PLACEHOLDER_RE = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


class Strict(BaseModel):
    """Base: unknown fields are errors; values are not coerced across types."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# ---------------------------------------------------------------------------------------------
# Questions


class Choice(Strict):
    """One option of a `single`, `multiple` or `ordering` question."""

    key: Annotated[str, Field(pattern=KEY_RE)]
    """What the learner types (`a`, `b`, ...); stable, unique within the question."""
    text: Annotated[str, Field(min_length=1)]
    feedback: str | None = None
    """Why this option is wrong (shown when chosen). Required on every wrong option of
    `single` and `multiple` questions; optional on `ordering` items."""


class Tolerance(Strict):
    """A numeric answer `x` is right when `|x - answer| <= max(abs, rel * |answer|)`."""

    abs: Annotated[float, Field(ge=0)] = 0.0
    rel: Annotated[float, Field(ge=0)] = 0.0


class ParamSpec(Strict):
    """How one template parameter is drawn: exactly one of `int`, `float`, `choice`, `floats`, `ints`."""

    int_range: Annotated[tuple[int, int] | None, Field(alias="int")] = None
    """`int: [low, high]`: an integer drawn uniformly, both ends inclusive."""
    float_range: Annotated[tuple[float, float] | None, Field(alias="float")] = None
    """`float: [low, high]`: a float drawn uniformly, rounded to `decimals`."""
    choice: list[Union[int, float, str]] | None = None
    """`choice: [...]`: one of the listed values."""
    floats: Annotated[int | None, Field(ge=1, le=16)] = None
    """`floats: n`: a list of n floats drawn from [low, high], rounded to `decimals`."""
    ints: Annotated[int | None, Field(ge=1, le=16)] = None
    """`ints: n`: a list of n integers drawn from [low, high] inclusive."""
    low: float | None = None
    high: float | None = None
    decimals: Annotated[int, Field(ge=0, le=6)] = 2

    @property
    def kind(self) -> str:
        kinds = {"int": self.int_range, "float": self.float_range, "choice": self.choice,
                 "floats": self.floats, "ints": self.ints}
        return next(k for k, v in kinds.items() if v is not None)

    @model_validator(mode="after")
    def _one_kind(self) -> "ParamSpec":
        given = [v is not None for v in (self.int_range, self.float_range, self.choice, self.floats, self.ints)]
        if sum(given) != 1:
            raise ValueError("a parameter needs exactly one of int, float, choice, floats, ints")
        kind = self.kind
        if kind in ("int", "float"):
            lo, hi = self.int_range if kind == "int" else self.float_range
            if lo > hi:
                raise ValueError(f"{kind} range [{lo}, {hi}] is empty")
        if kind in ("floats", "ints"):
            if self.low is None or self.high is None:
                raise ValueError(f"{kind} needs low and high")
            if self.low > self.high:
                raise ValueError(f"range [{self.low}, {self.high}] is empty")
        elif self.low is not None or self.high is not None:
            raise ValueError(f"low/high belong to floats/ints; {kind} takes its own range")
        if kind == "choice" and not self.choice:
            raise ValueError("choice needs at least one value")
        return self


class Template(Strict):
    """A generated numeric question: fresh parameters each time, answer from a named formula."""

    formula: Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]
    """A name registered in `grader.quiz.formulas.FORMULAS`; never code."""
    params: dict[Annotated[str, Field(pattern=PARAM_RE)], ParamSpec]
    """Parameter name -> how to draw it. Every formula argument must be drawn here (or fixed in `fixed`)."""
    fixed: dict[Annotated[str, Field(pattern=PARAM_RE)], Union[int, float, str, list[Union[int, float]]]] = {}
    """Parameters that are the same every time (shown in the stem like drawn ones)."""
    decimals: Annotated[int, Field(ge=0, le=8)] = 4
    """Digits the answer is shown with in the explanation/review."""
    wrong_formulas: list[Annotated[str, Field(pattern=r"^[a-z_][a-z0-9_]*$")]] = []
    """Classic wrong formulas (`grader.quiz.formulas.MISTAKES`) a candidate really uses here; lint
    fails the template when one gives the right answer in more than 5 % of draws."""


class QuestionBase(Strict):
    id: Annotated[str, Field(pattern=ID_RE)]
    """Stable and unique across every bank (answers and review state are keyed by it)."""
    stem: Annotated[str, Field(min_length=1)]
    topic: Topic
    difficulty: Literal[1, 2, 3]
    """1-3, or easy/medium/hard in YAML."""
    mappings: Annotated[list[Annotated[str, Field(pattern=MAPPING_RE.pattern)]], Field(min_length=1)]
    """`cert:domain` ids from certs.yaml this question practises."""
    explanation: Annotated[str, Field(min_length=1)]
    tags: list[str] = []
    references: list[str] = []
    """URLs or citations a learner can read for more."""
    renamed_from: list[Annotated[str, Field(pattern=ID_RE)]] = []
    """Ids this question had before; stored answers and review state under them carry over."""
    shuffle: bool = True
    """False keeps the options in file order (an option that refers to others, "all of the above")."""
    case_study: Annotated[str, Field(pattern=ID_RE)] | None = None
    """The id of a case study of the same bank: the scenario is shown with the question, and an
    exam draws the questions of one case study together."""

    @field_validator("difficulty", mode="before")
    @classmethod
    def _difficulty(cls, value: Any) -> Any:
        if isinstance(value, str) and value in DIFFICULTY_NAMES:
            return DIFFICULTY_NAMES[value]
        return value

    @field_validator("mappings")
    @classmethod
    def _unique_mappings(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a mapping is listed twice")
        return value


def _require_feedback(choices: list[Choice], right: set[str]) -> None:
    for index, choice in enumerate(choices):
        if choice.key not in right and not choice.feedback:
            raise ValueError(f"choices.{index}: wrong choice {choice.key!r} needs feedback (why it is wrong)")


def _check_choices(choices: list[Choice]) -> None:
    keys = [c.key for c in choices]
    dup = sorted({k for k in keys if keys.count(k) > 1})
    if dup:
        raise ValueError(f"choices: key(s) used twice: {', '.join(dup)}")


class SingleQuestion(QuestionBase):
    """Exactly one right choice."""

    type: Literal["single"]
    choices: Annotated[list[Choice], Field(min_length=2, max_length=8)]
    answer: str

    @model_validator(mode="after")
    def _answer_among_choices(self) -> "SingleQuestion":
        _check_choices(self.choices)
        keys = [c.key for c in self.choices]
        if self.answer not in keys:
            raise ValueError(f"answer: {self.answer!r} is not among the choices ({', '.join(keys)})")
        _require_feedback(self.choices, {self.answer})
        return self


class MultipleQuestion(QuestionBase):
    """Several right choices; credit only for exactly the right set. Say how many in the stem."""

    type: Literal["multiple"]
    choices: Annotated[list[Choice], Field(min_length=3, max_length=10)]
    answer: Annotated[list[str], Field(min_length=1)]

    @model_validator(mode="after")
    def _answers_among_choices(self) -> "MultipleQuestion":
        _check_choices(self.choices)
        keys = [c.key for c in self.choices]
        bad = [a for a in self.answer if a not in keys]
        if bad:
            raise ValueError(f"answer: {', '.join(map(repr, bad))} not among the choices ({', '.join(keys)})")
        if len(set(self.answer)) != len(self.answer):
            raise ValueError("answer: a key is listed twice")
        if len(self.answer) == len(keys):
            raise ValueError("answer: every choice is right; make at least one wrong")
        _require_feedback(self.choices, set(self.answer))
        return self


class TrueFalseQuestion(QuestionBase):
    """A statement that is true or false."""

    type: Literal["true_false"]
    answer: bool
    feedback: str | None = None
    """Shown to a learner who gave the wrong answer (besides the explanation)."""


class NumericQuestion(QuestionBase):
    """A number, fixed (`answer`) or generated (`template`); graded with `tolerance`."""

    type: Literal["numeric"]
    answer: float | None = None
    template: Template | None = None
    tolerance: Tolerance = Tolerance(abs=1e-9)
    unit: str | None = None

    @model_validator(mode="after")
    def _answer_or_template(self) -> "NumericQuestion":
        if (self.answer is None) == (self.template is None):
            raise ValueError("answer: a numeric question needs exactly one of answer (fixed) or template (generated)")
        if self.template is not None:
            names = set(self.template.params) | set(self.template.fixed)
            both = set(self.template.params) & set(self.template.fixed)
            if both:
                raise ValueError(f"template: parameter(s) both drawn and fixed: {', '.join(sorted(both))}")
            for text, where in ((self.stem, "stem"), (self.explanation, "explanation")):
                for name in PLACEHOLDER_RE.findall(text):
                    if name not in names and name != "answer":
                        raise ValueError(f"{where}: uses {{{name}}}, which is not a template parameter")
        return self


class OrderingQuestion(QuestionBase):
    """Put the items (`choices`) in order; `answer` lists every key in the right order."""

    type: Literal["ordering"]
    choices: Annotated[list[Choice], Field(min_length=2, max_length=10)]
    answer: Annotated[list[str], Field(min_length=2)]

    @model_validator(mode="after")
    def _answer_is_permutation(self) -> "OrderingQuestion":
        _check_choices(self.choices)
        keys = [c.key for c in self.choices]
        bad = [a for a in self.answer if a not in keys]
        if bad:
            raise ValueError(f"answer: {', '.join(map(repr, bad))} not among the choices ({', '.join(keys)})")
        if sorted(self.answer) != sorted(keys):
            raise ValueError("answer: must list every choice key exactly once, in the right order")
        if self.answer == keys:
            raise ValueError("choices: listed in the answer's order; scramble them (they are shown as written)")
        return self


class Statement(Strict):
    """One statement of a `yes_no` series."""

    key: Annotated[str, Field(pattern=KEY_RE)]
    text: Annotated[str, Field(min_length=1)]
    answer: bool
    feedback: str | None = None
    """Why the statement is true or false (shown when answered wrong)."""


class YesNoQuestion(QuestionBase):
    """A series of statements about one scenario, each answered Yes or No (Microsoft's format)."""

    type: Literal["yes_no"]
    statements: Annotated[list[Statement], Field(min_length=2, max_length=6)]

    @model_validator(mode="after")
    def _unique_keys(self) -> "YesNoQuestion":
        keys = [s.key for s in self.statements]
        dup = sorted({k for k in keys if keys.count(k) > 1})
        if dup:
            raise ValueError(f"statements: key(s) used twice: {', '.join(dup)}")
        return self


class MatchingQuestion(QuestionBase):
    """Match every prompt to one choice; `answer` maps prompt key -> choice key. There may be more
    choices than prompts; a choice is used at most once unless `reuse` is true."""

    type: Literal["matching"]
    prompts: Annotated[list[Choice], Field(min_length=2, max_length=8)]
    choices: Annotated[list[Choice], Field(min_length=2, max_length=10)]
    answer: dict[str, str]
    reuse: bool = False

    @model_validator(mode="after")
    def _answer_is_matching(self) -> "MatchingQuestion":
        _check_choices(self.prompts)
        _check_choices(self.choices)
        prompts = [p.key for p in self.prompts]
        keys = [c.key for c in self.choices]
        if sorted(self.answer) != sorted(prompts):
            raise ValueError(f"answer: must map every prompt ({', '.join(prompts)}) exactly once")
        bad = [v for v in self.answer.values() if v not in keys]
        if bad:
            raise ValueError(f"answer: {', '.join(map(repr, bad))} not among the choices ({', '.join(keys)})")
        used = list(self.answer.values())
        if not self.reuse and len(set(used)) != len(used):
            raise ValueError("answer: a choice is used twice; set reuse: true if that is meant")
        if not self.reuse and len(keys) < len(prompts):
            raise ValueError("choices: fewer choices than prompts; add choices or set reuse: true")
        return self


Question = Annotated[
    Union[SingleQuestion, MultipleQuestion, TrueFalseQuestion, NumericQuestion, OrderingQuestion,
          MatchingQuestion, YesNoQuestion],
    Field(discriminator="type"),
]


class CaseStudy(Strict):
    """A scenario shared by several questions (`case_study: <id>` on each), as in Azure exams."""

    id: Annotated[str, Field(pattern=ID_RE)]
    title: Annotated[str, Field(min_length=1)]
    scenario: Annotated[str, Field(min_length=1)]


class Bank(Strict):
    """One bank file."""

    format_version: Literal[1]
    title: str | None = None
    description: str | None = None
    case_studies: list[CaseStudy] = []
    questions: list[Question]

    @model_validator(mode="after")
    def _case_studies_exist(self) -> "Bank":
        known = {c.id for c in self.case_studies}
        for index, question in enumerate(self.questions):
            if question.case_study is not None and question.case_study not in known:
                raise ValueError(f"questions.{index}: case_study {question.case_study!r} is not among this bank's case_studies")
        return self


# ---------------------------------------------------------------------------------------------
# Certification catalog


class Fact(Strict):
    """A value with where it came from. In YAML a plain value is a Fact covered by the cert's
    `source` and `checked`; write the mapping form to give its own source or mark it unverified."""

    value: Any
    source: str | None = None
    checked: dt.date | None = None
    unverified: bool = False
    note: str | None = None


def _as_fact(value: Any) -> Any:
    if isinstance(value, dict) and "value" in value:
        return value
    return {"value": value}


class Domain(Strict):
    """One section of an exam blueprint."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    name: str
    weight: Union[float, tuple[float, float], None] = None
    """Percent of the exam, or [min, max] where the vendor publishes a range; null when unpublished."""
    topics: list[Topic] = []
    """Guide topics this domain covers (readiness joins exercise modules through these)."""
    source: str | None = None
    checked: dt.date | None = None
    unverified: bool = False
    note: str | None = None

    @field_validator("weight", mode="before")
    @classmethod
    def _weight(cls, value: Any) -> Any:
        if isinstance(value, list):
            return tuple(value)
        return value

    @property
    def weight_range(self) -> tuple[float, float] | None:
        if self.weight is None:
            return None
        if isinstance(self.weight, tuple):
            return self.weight
        return (float(self.weight), float(self.weight))


class Cert(Strict):
    """One certification (or certificate/assessment) and its blueprint."""

    id: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]*$")]
    vendor: str
    name: str
    exam_code: Fact | None = None
    format: Literal["multiple-choice", "hands-on", "mixed"] = "multiple-choice"
    launch_date: Fact | None = None
    retirement_date: Fact | None = None
    """A date: in the past means retired, in the future retiring."""
    successor: list[str] = []
    """Ids of catalog entries (or names where not in the catalog) that replace it."""
    questions: Fact | None = None
    duration_minutes: Fact | None = None
    passing_score: Fact | None = None
    score_scale: Fact | None = None
    """[min, max] of the reported score, e.g. [100, 1000]."""
    source: str
    """The vendor page the unqualified facts come from."""
    checked: dt.date
    unverified: bool = False
    """True when the cert's facts as a whole could not be confirmed from an official source."""
    notes: str | None = None
    item_types: list[Literal[QUESTION_TYPES]] | None = None
    """The question types the real exam uses (an exam paper draws only these); None = any."""
    multiple_share: Annotated[float, Field(ge=0, le=1)] | None = None
    """The least share of multi-select (`multiple`) questions in a paper, as in the real exam."""
    guide_version: Fact | None = None
    """The version (and date) of the vendor's exam guide the domains follow."""
    domains: Annotated[list[Domain], Field(min_length=1)]

    @field_validator(
        "exam_code", "launch_date", "retirement_date", "questions", "duration_minutes",
        "passing_score", "score_scale", "guide_version", mode="before",
    )
    @classmethod
    def _fact(cls, value: Any) -> Any:
        return None if value is None else _as_fact(value)

    @model_validator(mode="after")
    def _check(self) -> "Cert":
        ids = [d.id for d in self.domains]
        dup = sorted({i for i in ids if ids.count(i) > 1})
        if dup:
            raise ValueError(f"domains: id(s) used twice: {', '.join(dup)}")
        for name in ("questions", "duration_minutes", "passing_score"):
            fact = getattr(self, name)
            if fact is not None and fact.value is not None and not isinstance(fact.value, (int, float)):
                raise ValueError(f"{name}: must be a number")
        for name in ("launch_date", "retirement_date"):
            fact = getattr(self, name)
            if fact is not None and fact.value is not None and not isinstance(fact.value, dt.date):
                raise ValueError(f"{name}: must be a date (YYYY-MM-DD)")
        if self.score_scale is not None and self.score_scale.value is not None:
            v = self.score_scale.value
            if not (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v) and v[0] < v[1]):
                raise ValueError("score_scale: must be [min, max]")
        ranges = [d.weight_range for d in self.domains]
        if any(r is None for r in ranges) and any(r is not None for r in ranges):
            raise ValueError("domains: give every domain a weight, or none (unpublished weights)")
        if all(r is not None for r in ranges):
            low = sum(r[0] for r in ranges)
            high = sum(r[1] for r in ranges)
            if not (low <= 100 + 1e-9 and high >= 100 - 1e-9):
                raise ValueError(f"domains: weights cannot add up to 100 % (they give {low:g}-{high:g} %)")
        return self

    @property
    def weighted(self) -> bool:
        """True when the blueprint publishes domain weights."""
        return all(d.weight is not None for d in self.domains)

    def status(self, today: dt.date) -> str:
        """`active`, `retiring` (a retirement date ahead) or `retired` (that date passed)."""
        if self.retirement_date is None or self.retirement_date.value is None:
            return "active"
        return "retired" if self.retirement_date.value <= today else "retiring"

    def domain(self, domain_id: str) -> Domain | None:
        return next((d for d in self.domains if d.id == domain_id), None)


class Catalog(Strict):
    """The whole of certs.yaml."""

    format_version: Literal[1]
    certs: list[Cert]

    def cert(self, cert_id: str) -> Cert | None:
        return next((c for c in self.certs if c.id == cert_id), None)
