"""Finds the people and roles who support the person: "my daughter Sarah", "a neighbour".

A Rasa NLU component that reads the spaCy document SpacyNLP already made for
each message: a phrase matcher finds relationship and role words, spaCy's
named entities give names, and the dependency tree pairs them ("my daughter
Sarah", "Tom, my son"). The result travels with the message's parse data as
`support_people`, for the action that records the support section.
"""

from __future__ import annotations

from typing import Any

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.constants import SPACY_DOCS
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

SUPPORT_PEOPLE = "support_people"

# Singular and plural are both listed: the matcher compares lower-case text.
RELATIONSHIPS = (
    "husband", "wife", "partner", "boyfriend", "girlfriend", "fiance", "fiancee",
    "daughter", "daughters", "son", "sons", "children", "kids", "family", "families",
    "mum", "mother", "mam", "dad", "father", "sister", "sisters", "brother", "brothers",
    "grandson", "granddaughter", "grandchildren", "grandkids", "grandson's", "niece",
    "nephew", "aunt", "auntie", "uncle", "cousin", "in-laws", "daughter-in-law",
    "son-in-law", "friend", "friends", "best friend", "neighbour", "neighbours",
    "neighbor", "neighbors", "carer", "carers", "care worker", "care workers",
    "support worker", "key worker", "social worker", "district nurse", "nurse", "nurses",
    "gp", "doctor", "pharmacist", "physio", "occupational therapist", "befriender",
    "volunteer", "volunteers", "vicar", "church", "housing officer", "lodger", "colleague",
    "colleagues", "flatmate", "housemate", "community nurse", "health visitor",
)  # fmt: skip

NEGATING_DETERMINERS = {"no", "not", "nobody", "none", "without"}


def make_matcher(vocab: Any) -> PhraseMatcher:
    matcher = PhraseMatcher(vocab, attr="LOWER")
    matcher.add("RELATIONSHIP", [vocab_doc for vocab_doc in _docs(vocab, RELATIONSHIPS)])
    return matcher


def _docs(vocab: Any, phrases: tuple[str, ...]) -> list[Doc]:
    return [Doc(vocab, words=phrase.split()) for phrase in phrases]


def find_support_people(doc: Doc, matcher: PhraseMatcher) -> list[dict[str, str | None]]:
    """People and roles in the text, each {"name": ..., "relationship": ...}, in order."""
    people: list[dict[str, str | None]] = []
    paired_names: set[int] = set()
    for relationship in _relationship_spans(doc, matcher):
        if _is_negated(relationship):
            continue
        name = _name_for(relationship, doc)
        if name is not None:
            paired_names.add(name.start)
        people.append(
            {"name": name.text if name is not None else None, "relationship": relationship.text.lower()}
        )
    for entity in doc.ents:
        if entity.label_ == "PERSON" and entity.start not in paired_names:
            people.append({"name": entity.text, "relationship": None})
    return sorted(people, key=lambda p: _position(doc, p))


def _relationship_spans(doc: Doc, matcher: PhraseMatcher) -> list[Span]:
    spans = [doc[start:end] for _, start, end in matcher(doc)]
    # Keep the longest match where they overlap ("district nurse" over "nurse").
    longest_first = sorted(spans, key=lambda s: (s.start, -len(s)))
    kept: list[Span] = []
    for span in longest_first:
        if not kept or span.start >= kept[-1].end:
            kept.append(span)
    return kept


def _is_negated(span: Span) -> bool:
    """ "no family nearby", "I don't have a carer" """
    before = span.doc[max(span.start - 2, 0) : span.start]
    if any(t.lower_ in NEGATING_DETERMINERS for t in before):
        return True
    head = span.root.head
    return any(child.dep_ == "neg" for child in head.children) and head.pos_ in {"VERB", "AUX"}


def _name_for(relationship: Span, doc: Doc) -> Span | None:
    """A PERSON entity in apposition to, or right beside, the relationship word."""
    root = relationship.root
    for entity in doc.ents:
        if entity.label_ != "PERSON":
            continue
        name_root = entity.root
        in_apposition = (name_root.head == root and name_root.dep_ == "appos") or (
            root.head == name_root and root.dep_ == "appos"
        )
        gap = doc[relationship.end : entity.start] if entity.start >= relationship.end else None
        right_after = gap is not None and all(t.is_punct for t in gap) and len(gap) <= 1
        if in_apposition or right_after:
            return entity
    return None


def _position(doc: Doc, person: dict[str, str | None]) -> int:
    words = person["relationship"] or person["name"] or ""
    index = doc.text.lower().find(words.lower())
    return index if index >= 0 else len(doc.text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class SupportNetworkExtractor(GraphComponent):
    """Adds `support_people` to every message's parse data (needs SpacyNLP before it)."""

    def __init__(self) -> None:
        self._matcher: PhraseMatcher | None = None

    @classmethod
    def create(
        cls,
        config: dict[str, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> SupportNetworkExtractor:
        return cls()

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            doc = message.get(SPACY_DOCS[TEXT])
            if doc is None:
                continue
            if self._matcher is None:  # built once, from the pipeline's own vocabulary
                self._matcher = make_matcher(doc.vocab)
            message.set(SUPPORT_PEOPLE, find_support_people(doc, self._matcher), add_to_output=True)
        return messages
