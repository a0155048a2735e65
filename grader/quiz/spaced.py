"""Spaced repetition with FSRS (the `fsrs` package): one card per question."""
from __future__ import annotations

import datetime as dt
import functools


@functools.lru_cache(maxsize=1)
def _scheduler():
    import fsrs

    # No fuzzing: the same answers give the same schedule (reproducible for scripts and tests).
    return fsrs.Scheduler(enable_fuzzing=False)


def rate(card_json: str | None, correct: bool, when: dt.datetime) -> tuple[str, dt.datetime]:
    """The question's card after one answer (Good if right, Again if wrong): (card JSON, next due)."""
    import fsrs

    # Cards are keyed by question id; a card_id from `when` spares fsrs's 1 ms sleep per new card.
    card = fsrs.Card.from_json(card_json) if card_json else fsrs.Card(card_id=int(when.timestamp() * 1000), due=when)
    rating = fsrs.Rating.Good if correct else fsrs.Rating.Again
    card, _log = _scheduler().review_card(card, rating, review_datetime=when)
    return card.to_json(), card.due


def describe(card_json: str) -> dict:
    """The parts of a card worth showing: state, stability, difficulty, due."""
    import fsrs

    card = fsrs.Card.from_json(card_json)
    return {
        "state": card.state.name.lower(),
        "stability": card.stability,
        "difficulty": card.difficulty,
        "due": card.due.isoformat(),
        "last_review": card.last_review.isoformat() if card.last_review else None,
    }
