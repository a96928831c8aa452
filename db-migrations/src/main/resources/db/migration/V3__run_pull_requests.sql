-- The pull request a run opened (or found already open for its branch) when it delivered its changes to GitHub.
-- Written by the runner in the same fenced transaction as the run's git.pr.opened event.
ALTER TABLE runs
    ADD COLUMN pull_request_url    text,
    ADD COLUMN pull_request_number integer CHECK (pull_request_number > 0),
    ADD CONSTRAINT runs_pull_request_complete CHECK ((pull_request_url IS NULL) = (pull_request_number IS NULL));
