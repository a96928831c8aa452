-- The id of the last batch of events a runner appended to the run, set in the batch's own transaction. A runner whose
-- connection broke at COMMIT does not know whether its batch was stored: it writes the batch again with the same id
-- and finds it here instead of appending it a second time (RunEventWriter.appendBatch). Batches of one run are
-- written one after the other, so the last id is enough.
-- (V4 is left to the credential-encryption work in progress on another branch.)
ALTER TABLE runs ADD COLUMN last_event_batch uuid;
