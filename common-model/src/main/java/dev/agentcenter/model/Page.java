package dev.agentcenter.model;

import java.util.List;

/**
 * One page of a list, newest first.
 *
 * @param items the resources on this page
 * @param nextCursor pass as {@code cursor} to get the next page; {@code null} on the last page
 */
public record Page<T>(List<T> items, String nextCursor) {}
