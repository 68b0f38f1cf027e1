"""Storing consent: each answer to "may I keep your answers?", per practice as plans are, so one
practice's record never answers for another's."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select

from bot.careplan.model import Consent
from bot.store.repository import Repository, conversation_rows, from_row, to_row
from bot.store.tables.consent import consent_records


class ConsentRepository(Repository):
    def record(
        self, conversation_id: str, given: bool, wording: str, at: datetime, *, practice_id: str
    ) -> Consent:
        """Add a consent answer; earlier ones are kept, the latest is the one in force."""
        consent = Consent(
            conversation_id=conversation_id,
            given=given,
            wording=wording,
            recorded_at=at,
            practice_id=practice_id,
        )
        values = to_row(consent)
        result = self.session.execute(insert(consent_records).values(**values))
        return Consent(**values, id=result.inserted_primary_key[0])

    def delete_conversation(self, conversation_id: str, *, practice_id: str) -> None:
        key = conversation_rows(consent_records, practice_id, conversation_id)
        self.session.execute(delete(consent_records).where(*key))

    def latest(self, conversation_id: str, *, practice_id: str) -> Consent | None:
        query = (
            select(consent_records)
            .where(*conversation_rows(consent_records, practice_id, conversation_id))
            .order_by(consent_records.c.recorded_at.desc(), consent_records.c.id.desc())
            .limit(1)
        )
        row = self.session.execute(query).mappings().first()
        return from_row(Consent, row) if row else None
