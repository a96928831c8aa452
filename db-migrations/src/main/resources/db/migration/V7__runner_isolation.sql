-- How a runner isolates its runs (issue 14): 'bubblewrap', or 'none' when its commands and agents run on its host as
-- its user. NULL for a runner that registered before runners reported it.
ALTER TABLE runners ADD COLUMN isolation text CHECK (isolation IN ('bubblewrap', 'none'));
