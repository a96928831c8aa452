package dev.agentcenter.model;

/**
 * What triggering an automation by hand created.
 *
 * @param task the new task, made from the automation's template
 * @param run its first run, queued
 */
public record AutomationTriggerResult(Task task, Run run) {}
