-- Usage and budgets (issue 17). Usage is not copied into a table of its own: the agent.usage events the runner writes
-- (one run's normalized figures, see the runner's AgentUsage) are the record, and GET /api/usage sums them. This index
-- keeps that sum to the usage events of the asked time range.
CREATE INDEX run_events_agent_usage_idx ON run_events (created_at) WHERE event_type = 'agent.usage';

-- A workspace's budget: tokens and/or US dollars per UTC day or month. No period means no budget.
ALTER TABLE workspaces
    ADD COLUMN budget_period       text CHECK (budget_period IN ('day', 'month')),
    ADD COLUMN budget_max_tokens   bigint CHECK (budget_max_tokens > 0),
    ADD COLUMN budget_max_cost_usd numeric(14, 4) CHECK (budget_max_cost_usd > 0),
    ADD CONSTRAINT workspaces_budget_complete
        CHECK ((budget_period IS NULL) = (budget_max_tokens IS NULL AND budget_max_cost_usd IS NULL));
